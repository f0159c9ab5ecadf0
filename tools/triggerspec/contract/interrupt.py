"""Ctrl-C during a run: the first SIGINT stops every worker, the second exits at once.

A run installs :func:`interruptible` around its work. The first SIGINT sets the shared stop
event (worker processes poll it between cases and while waiting out a rate limit; they
ignore SIGINT themselves, so a terminal's Ctrl-C reaches the run only through the parent)
and raises ``KeyboardInterrupt`` in the parent, which collects what finished, gives the
workers a short grace and ends the rest. A second SIGINT exits the process at once (130).
"""

from __future__ import annotations

import _thread
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

GRACE = 1.5
"""Seconds the workers get to hand back their partial results after the first SIGINT."""

REDELIVER_S = 0.05
"""How soon an interrupt that landed where it could not be raised is delivered again."""

_stop: Any = threading.Event()
"""Set when the run is interrupted; a ``multiprocessing`` event once workers exist."""


def stopping() -> bool:
    """Whether the run was interrupted."""
    return bool(_stop.is_set())


def pause(seconds: float) -> bool:
    """Sleep up to ``seconds``; ``True`` when an interrupt cut the sleep short."""
    return bool(_stop.wait(max(seconds, 0.0)))


def shared_event() -> Any:
    """A stop event the worker processes can see (made the current one)."""
    global _stop
    _stop = multiprocessing.get_context().Event()
    return _stop


def worker_init(event: Any) -> None:
    """Worker process set-up: poll the parent's event, leave SIGINT to the parent."""
    global _stop
    _stop = event
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_workers: list[Any] = []
"""The worker processes of the current run (ended by a second SIGINT before exiting)."""


def track(processes: Any) -> None:
    """Remember the live mapping of worker processes (``ProcessPoolExecutor._processes``)."""
    _workers[:] = [processes]


def end_workers() -> None:
    """Kill every tracked worker process that is still alive (by its own handle)."""
    for processes in _workers:
        for process in list(dict(processes or {}).values()):
            if process.is_alive():
                process.kill()


def _again(signum: int, frame: object) -> None:
    end_workers()
    os._exit(130)


def _first(signum: int, frame: object) -> None:
    _stop.set()
    signal.signal(signal.SIGINT, _again)
    raise KeyboardInterrupt


_active: list[bool] = []
"""Non-empty while an :func:`interruptible` block runs (a late redelivery then does nothing)."""


def _redeliver(signum: int, frame: object) -> None:
    signal.signal(signal.SIGINT, _again)
    if _active:
        raise KeyboardInterrupt


def _deliver_again() -> None:
    if _active:
        _thread.interrupt_main(signal.SIGINT)


def _unraisable_hook(previous: Any) -> Any:
    """A ``sys.unraisablehook`` for the run: the first Ctrl-C can land where Python cannot
    raise (a garbage-collector callback, a ``__del__``), which prints the interrupt as an
    ignored exception, with a traceback, and loses it. Such an interrupt is not printed but
    delivered again from another thread a moment later, so it reaches the main thread once
    this hook and the callback have returned (should it land in such a place again, the
    same happens; once the run's block has ended, it is dropped); anything else goes to
    ``previous``."""

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt) and _stop.is_set():
            signal.signal(signal.SIGINT, _redeliver)
            again = threading.Timer(REDELIVER_S, _deliver_again)
            again.daemon = True
            again.start()
            return
        previous(unraisable)

    return hook


@contextmanager
def interruptible() -> Iterator[None]:
    """Handle SIGINT as described above while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _stop.clear()
    previous = signal.signal(signal.SIGINT, _first)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable_hook(previous_hook)
    _active.append(True)
    try:
        yield
    finally:
        _active.clear()
        sys.unraisablehook = previous_hook
        if not _stop.is_set():
            signal.signal(signal.SIGINT, previous)
        # Once interrupted, the process is on its way out (reports, summary, exit 130): a
        # second SIGINT keeps exiting at once until then.
