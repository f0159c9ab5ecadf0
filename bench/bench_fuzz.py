"""Fuzz throughput: triggerspec's runner against the Schemathesis CLI fuzzing Prism, in one run.

Every configuration fuzzes every operation of every spec, positive and negative, with the
same number of examples per operation and mode, and reports cases per second:

1. our runner against the embedded mock, in process (1 worker, then 2 worker processes);
2. our runner over loopback against the mock served by uvicorn in its own process;
3. ``st run`` (Schemathesis' CLI, fuzzing phase, its own options) against Prism
   (``@stoplight/prism-cli mock``) serving the same specs on 127.0.0.1, one Prism per spec.

It prints the ratio of our best configuration to Schemathesis-against-Prism (target: at
least 1.5). Everything listens on 127.0.0.1 and every child process is stopped by its pid.
Prism is installed with npm into ``--prism-dir`` (outside the repository) when missing.

Run: python bench/bench_fuzz.py [--max-examples N] [--seed S] [--skip-prism] [--skip-loopback]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "generated")]

from triggerspec.contract.runner import RunConfig, dummy_credentials, plan, run  # noqa: E402
from triggerspec.contract.safety import Safety  # noqa: E402
from triggerspec.mock.app import create_app, load_apis  # noqa: E402
from triggerspec.mock.requests_adapter import mock_session  # noqa: E402
from triggerspec.mock.settings import MockSettings  # noqa: E402
from triggerspec.project import Project  # noqa: E402
from triggerspec.spec.model import Api  # noqa: E402

PRISM_PACKAGE = "@stoplight/prism-cli@5"
START_TIMEOUT_S = 60.0
RUN_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Measure:
    """One configuration's cases and the seconds they took."""

    name: str
    cases: int
    seconds: float
    wall: float

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (
            f"{self.name:<44} {self.cases:>6} cases {self.seconds:>7.2f} s "
            f"{self.rate:>8.1f} cases/s   (wall {self.wall:.2f} s)"
        )


def _mock_session(root: Path) -> requests.Session:
    """A session on a fresh embedded mock (module level: worker processes unpickle it)."""
    return mock_session(create_app(load_apis(Project.from_root(root)), MockSettings(seed=1)))


def ours(
    name: str, apis: list[Api], base: str, factory: object, examples: int, seed: int, workers: int
) -> Measure:
    safety = Safety(loopback=True)
    config = RunConfig(
        base_urls={a.name: base + a.base_path for a in apis},
        auth_headers={a.name: dummy_credentials(a) for a in apis},
        session_factory=factory,  # type: ignore[arg-type]
        safety=safety,
        max_examples=examples,
        seed=seed,
    )
    started = time.perf_counter()
    result = run(plan(apis, safety), config, workers=workers)
    wall = time.perf_counter() - started
    for error in result.errors:
        print(f"  error: {error}", file=sys.stderr)
    return Measure(name, result.cases, result.seconds, wall)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Return once 127.0.0.1:port accepts connections (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


@contextlib.contextmanager
def child(args: list[str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A server process listening on ``port``, stopped by its pid on exit."""
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, START_TIMEOUT_S)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def ours_over_loopback(
    apis: list[Api], examples: int, seed: int, workers: int, tmp: Path
) -> Measure:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "triggerspec.mock",
        "--root",
        str(ROOT),
        "--port",
        str(port),
        "--seed",
        "1",
    ]
    with child(command, port, tmp / f"mock-{workers}.log"):
        return ours(
            f"triggerspec runner, uvicorn mock, {workers} worker(s)",
            apis,
            f"http://127.0.0.1:{port}",
            requests.Session,
            examples,
            seed,
            workers,
        )


def prism_binary(prism_dir: Path) -> Path:
    """Prism's launcher, installed with npm into ``prism_dir`` when missing."""
    binary = prism_dir / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed: Node 18+ is needed to run Prism")
        prism_dir.mkdir(parents=True, exist_ok=True)
        print(f"installing {PRISM_PACKAGE} into {prism_dir} ...", file=sys.stderr)
        subprocess.run(
            [npm, "install", "--prefix", str(prism_dir), PRISM_PACKAGE],
            check=True,
            timeout=600,
            stdout=subprocess.DEVNULL,
        )
    return binary


def auth_header(api: Api) -> str:
    name, value = next(iter(dummy_credentials(api).items()))
    return f"{name}: {value}"


def schemathesis_against_prism(
    apis: list[Api], examples: int, seed: int, workers: str, prism_dir: Path, tmp: Path
) -> Measure:
    """``st run`` per spec against its own Prism; cases and time from st's JSON report."""
    prism = prism_binary(prism_dir)
    st = shutil.which("st") or shutil.which("schemathesis")
    if st is None:
        raise RuntimeError("the Schemathesis CLI (st) is not installed")
    cases, seconds = 0, 0.0
    started = time.perf_counter()
    for api in apis:
        port = free_port()
        command = [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), str(api.document.path)]
        with child(command, port, tmp / f"prism-{api.name}.log"):
            report = tmp / f"st-{api.name}-{workers}.json"
            subprocess.run(
                [
                    st,
                    "run",
                    str(api.document.path),
                    "--url",
                    f"http://127.0.0.1:{port}{api.base_path}",
                    "--phases",
                    "fuzzing",
                    "--mode",
                    "all",
                    "-n",
                    str(examples),
                    "--seed",
                    str(seed),
                    "--workers",
                    workers,
                    "--continue-on-failure",
                    "--no-color",
                    "--generation-database",
                    "none",
                    "-H",
                    auth_header(api),
                    "--report",
                    "json",
                    "--report-json-path",
                    str(report),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=RUN_TIMEOUT_S,
                check=False,
                cwd=tmp,
            )
            data = json.loads(report.read_text())
            cases += int(data["test_cases"]["generated"])
            seconds += float(data["running_time"])
    wall = time.perf_counter() - started
    return Measure(f"st run (workers {workers}) against Prism", cases, seconds, wall)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=50, help="per operation and mode")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--prism-dir", type=Path, default=Path(tempfile.gettempdir()) / "triggerspec-bench-prism"
    )
    parser.add_argument("--skip-prism", action="store_true")
    parser.add_argument("--skip-loopback", action="store_true")
    args = parser.parse_args(argv)

    project = Project.from_root(ROOT)
    apis = load_apis(project)
    # Imports are not throughput: Schemathesis' own running time starts after its imports
    # too. (Worker processes fork from here, so they start with these modules loaded.)
    import schemathesis  # noqa: F401

    n, seed = args.max_examples, args.seed
    measures: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as scratch:
        tmp = Path(scratch)
        factory = partial(_mock_session, ROOT)
        for workers in (1, 2):
            measures.append(
                ours(
                    f"triggerspec runner, embedded mock, {workers} worker(s)",
                    apis,
                    "http://mock.invalid",
                    factory,
                    n,
                    seed,
                    workers,
                )
            )
            print(measures[-1].line(), flush=True)
        if not args.skip_loopback:
            for workers in (1, 2):
                measures.append(ours_over_loopback(apis, n, seed, workers, tmp))
                print(measures[-1].line(), flush=True)
        anchors: list[Measure] = []
        if not args.skip_prism:
            for st_workers in ("1", "2"):
                anchors.append(
                    schemathesis_against_prism(apis, n, seed, st_workers, args.prism_dir, tmp)
                )
                print(anchors[-1].line(), flush=True)
    best = max(measures, key=lambda m: m.rate)
    print(f"\nbest triggerspec configuration: {best.name} ({best.rate:.1f} cases/s)")
    if anchors:
        anchor = max(anchors, key=lambda m: m.rate)
        ratio = best.rate / anchor.rate
        verdict = "meets" if ratio >= 1.5 else "MISSES"
        print(f"best Schemathesis against Prism: {anchor.name} ({anchor.rate:.1f} cases/s)")
        print(f"ratio: {ratio:.2f}x ({verdict} the 1.5x target)")
        return 0 if ratio >= 1.5 else 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
