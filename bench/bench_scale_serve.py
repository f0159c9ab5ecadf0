"""Whole-API scale for the mock and fuzz: GitHub's whole REST description vs a one-operation cut.

The document (OpenAPI 3.0.3, about 1,200 operations, 13 MB) is ``--document`` (default: the
unpacked ``@octokit/openapi`` at /tmp/octokit when it is there), else it is fetched with
``npm pack`` into a temp dir (``fetch`` of bench_scale.py); nothing is committed. The
one-operation spec is the same document cut to one operation and the components it reaches
(``triggerspec.spec.cut``), written as JSON in OpenAPI 3.0.3 like the whole. Measured, each
side by side in one run, as ratios whole / cut:

- **readiness**: ``triggerspec mock --port P SPEC`` started as a process, timed from its start
  to the first answered request of the operation (median of ``--ready-runs``);
- **throughput**: both mocks up at once, the same request from a second process (wrk ``-t1``,
  else bench_mock.py's asyncio client), ``--rounds`` rounds alternating, best round each;
- **fuzz**: ``triggerspec fuzz --spec SPEC --operation OP --max-examples N --seed S`` wall
  time (positive and negative, embedded mock), ``--fuzz-runs`` runs alternating, median,
  after one unmeasured run (Hypothesis' first run in a folder builds a cache there).

Every server is stopped by its pid (its own process group); every load and fuzz is bounded
in time. Run: ``python bench/bench_scale_serve.py [--document F] [--operation ID]
[--duration 5] [--rounds 3] [--ready-runs 3] [--fuzz-runs 3] [--max-examples 50]``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _loopback import free_port
from bench_mock import Bench, Case, server
from bench_scale import fetch

from triggerspec.spec.cut import cut_document

UNPACKED = Path("/tmp/octokit/package/generated/api.github.com.json")
REQUESTS = {
    "repos/create-dispatch-event": (
        "POST",
        "/repos/octo/hello/dispatches",
        {"event_type": "deploy", "client_payload": {"sha": "262ed98"}},
    ),
    "actions/create-workflow-dispatch": (
        "POST",
        "/repos/octo/hello/actions/workflows/ci.yml/dispatches",
        {"ref": "main", "inputs": {"level": "debug"}},
    ),
}
"""A valid request of each operation the bench knows how to call."""
CLI = str(Path(sys.executable).with_name("triggerspec"))
READY_TIMEOUT_S = 120.0
FUZZ_TIMEOUT_S = 900


def _spec_of(document: Path, operation: str, where: Path) -> tuple[Path, Path, str, str]:
    """The whole document and its one-operation cut as spec files; the operation's method
    and path template."""
    raw = json.loads(document.read_bytes())
    found = [
        (path, method)
        for path, item in raw["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and op.get("operationId") == operation
    ]
    if not found:
        raise SystemExit(f"{document}: no operation {operation!r}")
    path, method = found[0]
    whole = where / "github.json"
    shutil.copyfile(document, whole)
    cut = where / "github-one.json"
    cut.write_text(json.dumps(cut_document(raw, [(path, method)])))
    return whole, cut, method, path


def _mock_command(spec: Path, port: int) -> list[str]:
    """``triggerspec mock`` (the installed command, as a user starts it) serving ``spec``."""
    return [CLI, "mock", "--port", str(port), "--seed", "1", str(spec)]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def readiness(spec: Path, request: tuple[str, str, dict[str, object]], where: Path) -> float:
    """Seconds from starting the mock process to its first answer to ``request``."""
    method, target, body = request
    payload = json.dumps(body)
    port = free_port()
    started = time.perf_counter()
    with (where / f"ready-{spec.stem}.log").open("wb") as log:
        process = subprocess.Popen(
            _mock_command(spec, port), stdout=log, stderr=subprocess.STDOUT, cwd=where,
            start_new_session=True,
        )  # fmt: skip
    try:
        while time.perf_counter() - started < READY_TIMEOUT_S:
            if process.poll() is not None:
                raise SystemExit(f"the mock of {spec.name} exited; see {log.name}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connection.request(method, target, payload, {"Content-Type": "application/json"})
                answer = connection.getresponse()
                answer.read()
                connection.close()
            except OSError:
                time.sleep(0.02)
                continue
            if not 200 <= answer.status < 300:
                raise SystemExit(f"the mock of {spec.name} answered {answer.status} to {target}")
            return time.perf_counter() - started
        raise SystemExit(f"the mock of {spec.name} was not ready within {READY_TIMEOUT_S:g} s")
    finally:
        _stop(process)


def fuzz(spec: Path, operation: str, examples: int, seed: int, where: Path) -> tuple[float, str]:
    """Wall seconds of one ``triggerspec fuzz`` of ``operation``, and its summary line."""
    command = [
        CLI, "fuzz", "--spec", str(spec), "--operation", operation,
        "--max-examples", str(examples), "--seed", str(seed), "--max-time", "600",
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=where, capture_output=True, text=True, timeout=FUZZ_TIMEOUT_S, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"fuzz of {spec.name} exited {done.returncode}:\n{done.stderr[-2000:]}")
    summary = next((x for x in done.stdout.splitlines() if " cases in " in x), "")
    return seconds, summary.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--document", type=Path, help=f"the document (default: {UNPACKED})")
    parser.add_argument("--version", default="23.0.2", help="@octokit/openapi to fetch if needed")
    parser.add_argument("--operation", default="repos/create-dispatch-event", choices=REQUESTS)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per load run")
    parser.add_argument("--rounds", type=int, default=3, help="load rounds; the best counts")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--ready-runs", type=int, default=3)
    parser.add_argument("--fuzz-runs", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not 0 < args.duration <= 60 or not 1 <= args.rounds <= 10:
        parser.error("--duration must be in (0, 60] and --rounds 1-10")
    if not 1 <= args.ready_runs <= 10 or not 1 <= args.fuzz_runs <= 10:
        parser.error("--ready-runs and --fuzz-runs must be 1-10")
    if not 1 <= args.max_examples <= 1000:
        parser.error("--max-examples must be 1-1000")
    with tempfile.TemporaryDirectory(prefix="triggerspec-bench-scale-serve-") as scratch:
        where = Path(scratch)
        document = args.document or (UNPACKED if UNPACKED.exists() else None)
        if document is None:
            if shutil.which("npm") is None:
                print("npm is needed to fetch @octokit/openapi (or pass --document)")
                return 2
            document = fetch(args.version, where)
        whole, cut, method, path = _spec_of(document, args.operation, where)
        operations = sum(
            1
            for item in json.loads(whole.read_bytes())["paths"].values()
            for m in item
            if m in ("get", "put", "post", "delete", "patch", "head", "options", "trace")
        )
        print(
            f"{document.name}: {operations} operations, {whole.stat().st_size / 1e6:.1f} MB; "
            f"cut to {args.operation} ({method.upper()} {path}): "
            f"{cut.stat().st_size / 1e3:.0f} kB; {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        request = REQUESTS[args.operation]
        sides = {"whole": whole, "cut": cut}

        ready: dict[str, list[float]] = {side: [] for side in sides}
        for _ in range(args.ready_runs):
            for side, spec in sides.items():
                ready[side].append(readiness(spec, request, where))
        median = {side: statistics.median(times) for side, times in ready.items()}
        print("\nreadiness (process start to first answer), median of", args.ready_runs)
        for side, times in ready.items():
            shown = ", ".join(f"{t:.2f}" for t in times)
            print(f"  {side:<6} {median[side]:6.2f} s   ({shown})")
        print(f"  whole / cut {median['whole'] / median['cut']:.2f}x   [whole < 5 s]")

        use_wrk = shutil.which("wrk") is not None
        bench = Bench(args.duration, args.connections, args.rounds, where, use_wrk)
        body = json.dumps(request[2]).encode()
        client = "wrk -t1" if use_wrk else "asyncio (second process)"
        print(f"\nthroughput: {client}, {args.connections} connections, best of {args.rounds}")
        with contextlib.ExitStack() as running:
            cases = []
            for side, spec in sides.items():
                port = free_port()
                log = where / f"load-{side}.log"
                name = f"mock, {side}"
                command = _mock_command(spec, port)
                origin, group = running.enter_context(server(name, command, port, log))
                cases.append(Case(name, side, origin, request[1], body, group))
            results = bench.measure(cases)
        whole_rps = results[("mock, whole", "whole")].rps
        cut_rps = results[("mock, cut", "cut")].rps
        print(f"  req/s cut / whole {cut_rps / whole_rps:.2f}x   [<= 1.2x]")

        # Hypothesis builds a Unicode table into .hypothesis/ on its first run in a folder
        # (seconds): one unmeasured run first, so neither side pays for it.
        fuzz(cut, args.operation, 1, args.seed, where)
        runs: dict[str, list[float]] = {side: [] for side in sides}
        summaries: dict[str, str] = {}
        for _ in range(args.fuzz_runs):
            for side, spec in sides.items():
                seconds, summaries[side] = fuzz(
                    spec, args.operation, args.max_examples, args.seed, where
                )
                runs[side].append(seconds)
        print(
            f"\nfuzz {args.operation}, --max-examples {args.max_examples} --seed {args.seed}, "
            f"wall time, median of {args.fuzz_runs}"
        )
        fuzz_median = {side: statistics.median(times) for side, times in runs.items()}
        for side, times in runs.items():
            shown = ", ".join(f"{t:.2f}" for t in times)
            print(f"  {side:<6} {fuzz_median[side]:6.2f} s   ({shown}); {summaries[side]}")
        print(f"  whole / cut {fuzz_median['whole'] / fuzz_median['cut']:.2f}x   [<= 1.5x]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
