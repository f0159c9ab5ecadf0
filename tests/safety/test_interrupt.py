"""Ctrl-C: a real ``triggerspec fuzz`` process, interrupted with ``os.kill(pid, SIGINT)``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.safety.conftest import TOKENS
from tests.safety.hostile import HostileServer, hangs
from triggerspec.spec.model import Api


def _start(server: HostileServer, report: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, **TOKENS}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "triggerspec.cli",
            "--root",
            str(ROOT),
            "fuzz",
            "--base-url",
            server.url,
            "--workers",
            "2",
            "--max-examples",
            "5",
            "--request-timeout",
            "30",
            "--json",
            str(report),
            *extra,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_arrivals(server: HostileServer, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while len(server.arrivals) < count:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the workers never sent a request"
        time.sleep(0.05)


def test_first_sigint_stops_workers_writes_reports_exits_130(
    spec_apis: list[Api], tmp_path: Path
) -> None:
    report = tmp_path / "run.json"
    with HostileServer(spec_apis, hangs) as server:
        proc = _start(server, report)
        try:
            _wait_for_arrivals(server, 2, proc)  # both workers are stuck on a hanging server
            sent = time.monotonic()
            os.kill(proc.pid, signal.SIGINT)
            out, err = proc.communicate(timeout=20)
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, err
    # The grace (2 s at most), then reports and exit; slack for a loaded CI machine. Without
    # the stop the run waits for the 30 s request timeout of every hanging worker.
    assert took < 2.0 + 4.0, took
    assert "Traceback" not in err and "Traceback" not in out
    assert [line for line in err.splitlines() if line.startswith("triggerspec: interrupted")]
    data = json.loads(report.read_text())
    assert data["interrupted"] is True


def test_second_sigint_exits_at_once(spec_apis: list[Api], tmp_path: Path) -> None:
    report = tmp_path / "run.json"
    with HostileServer(spec_apis, hangs) as server:
        proc = _start(server, report)
        try:
            _wait_for_arrivals(server, 2, proc)
            os.kill(proc.pid, signal.SIGINT)
            time.sleep(0.2)  # inside the grace the workers get (they hang on the server)
            sent = time.monotonic()
            os.kill(proc.pid, signal.SIGINT)
            proc.communicate(timeout=20)
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130
    assert took < 1.0, took
    assert not report.exists()  # it did not wait to write reports


def test_sigint_during_run_prints_the_summary_and_exits_130() -> None:
    """``triggerspec run`` (fuzz workers by default): Ctrl-C mid-run, no traceback, 130."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "triggerspec.cli", "--root", str(ROOT), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        seen = ""
        while "== " not in seen:  # a step has started
            seen += proc.stderr.readline()
            assert proc.poll() is None, seen
        time.sleep(1.0)
        sent = time.monotonic()
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert took < 3.0, took
    assert "Traceback" not in err + out
    assert "triggerspec run summary" in out and "interrupted" in out


GC_CALLBACK_INTERRUPT = """
import gc, signal
from triggerspec.contract.interrupt import interruptible
fired = []
def callback(phase, info):
    if phase == "start" and not fired:
        fired.append(1)
        signal.raise_signal(signal.SIGINT)
        for _ in range(1000):  # the handler runs here, inside the callback
            pass
try:
    with interruptible():
        gc.callbacks.append(callback)
        gc.collect()
        gc.callbacks.remove(callback)
        for _ in range(10**8):
            pass
        print("not interrupted")
except KeyboardInterrupt:
    print("interrupted")
"""


def test_a_ctrl_c_landing_in_a_gc_callback_is_delivered_not_printed() -> None:
    """Python cannot raise in a garbage-collector callback: the interrupt there used to be
    printed as an ignored exception (with a traceback) and lost."""
    done = subprocess.run(
        [sys.executable, "-c", GC_CALLBACK_INTERRUPT], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "interrupted", done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
