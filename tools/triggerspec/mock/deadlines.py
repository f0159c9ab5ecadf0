"""Deadlines for reading request bodies, kept by one sweeper task per event loop.

A stalled upload must get a prompt 408, so every body read has a deadline. A timer per
request (``asyncio.timeout``, or even a bare ``loop.call_later``, which under uvloop is a
libuv timer) costs more than reading a small body does. Instead each read puts its deadline
in a dict, and one sweeper task per event loop wakes a few times a second while reads are
pending, cancels those past their deadline (only that cancellation becomes a
``TimeoutError``; any other one propagates) and ends when none is left. A read that ends in
time pays for a dict insert and delete.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class _Sweep:
    """The pending reads of one event loop and the task that cancels the late ones."""

    def __init__(self, loop: asyncio.AbstractEventLoop, period_s: float) -> None:
        self.loop = loop
        self.period_s = period_s
        self.reads: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._sweeper is None:
            self._sweeper = self.loop.create_task(self._run())

    async def _run(self) -> None:
        try:
            while self.reads:
                await asyncio.sleep(self.period_s)
                now = self.loop.time()
                for task, deadline in list(self.reads.items()):
                    if deadline <= now and task not in self.expired:
                        self.expired.add(task)
                        task.cancel()
        finally:
            self._sweeper = None


class Deadlines:
    """Runs body reads with a deadline of ``timeout_s`` seconds.

    Example:
        >>> deadlines = Deadlines(30.0)
        >>> body = await deadlines.within(read_body(receive))  # TimeoutError when late
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.period_s = min(0.5, max(0.01, timeout_s / 10))
        self._sweep: _Sweep | None = None

    def _sweep_for(self, loop: asyncio.AbstractEventLoop) -> _Sweep:
        # Only the current loop's sweep is kept (a read holds on to its own), so a mock
        # served by one loop after another keeps no closed loop alive.
        sweep = self._sweep
        if sweep is None or sweep.loop is not loop:
            sweep = self._sweep = _Sweep(loop, self.period_s)
        return sweep

    async def within(self, read: Coroutine[Any, Any, bytes]) -> bytes:
        """The result of ``read``, or ``TimeoutError`` once the deadline has passed."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        if task is None:  # not in a task: nothing to cancel, read without a deadline
            return await read
        sweep = self._sweep_for(loop)
        cancelling = task.cancelling()
        sweep.reads[task] = loop.time() + self.timeout_s
        sweep.start()
        try:
            return await read
        except asyncio.CancelledError:
            if task not in sweep.expired or task.uncancel() > cancelling:
                raise
            raise TimeoutError from None
        finally:
            sweep.reads.pop(task, None)
            sweep.expired.discard(task)
