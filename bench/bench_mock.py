"""Throughput and latency of the mock server against Prism and a bare Starlette app.

Every server runs in its own process on 127.0.0.1 and the load comes from a second process:
wrk (Debian package ``wrk``) with a Lua script that sends one fixed POST, or, when wrk is
missing, a small asyncio load generator (a weaker client: the absolute numbers drop, the
ratios stay comparable because every server meets the same client in the same run).

Cases, each for a few seconds:

- **valid**: Northflank ``startJobBuild`` with a 40-character sha, fully validated (auth,
  path parameters, JSON body, patterns, cross-field rules) and answered with a fresh build;
- **rejected**: the same call with a 3-character sha, refused in the vendor's envelope;

against ``triggerspec mock`` (uvicorn, access log off), Prism (``@stoplight/prism-cli@5
mock -v error``, installed with npm into ``--prism-dir`` when missing, never into the
repository) serving the same spec, and a bare Starlette app that reads the body and answers
a fixed JSON. Then **routing**: the mock serving a generated spec of one operation versus
one of 1,000 operations (Prism too, unless ``--skip-prism``), same request shape.

Each row also gives the server's CPU time per request (user and system, every process of
its group, from ``/proc``): work per request, steadier than requests per second when a
neighbour shares the machine.

Run: ``python bench/bench_mock.py [--duration 4] [--rounds 1] [--connections 32]
[--skip-prism] [--prism-dir DIR]``. Every server is stopped by its pid when the run ends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
import yaml

from triggerspec.mock.server import implementation

ROOT = Path(__file__).resolve().parent.parent
PRISM_PACKAGE = "@stoplight/prism-cli@5"
SPEC = ROOT / "specs" / "northflank.yaml"
JOB_PATH = "/v1/projects/default-project/jobs/nightly/build"
SHA = "262ed9817b3cad5142fbceabe0c9e371e390d616"
VALID = json.dumps({"sha": SHA}).encode()
REJECTED = json.dumps({"sha": "abc"}).encode()
HEADERS = {"Authorization": "Bearer bench-token", "Content-Type": "application/json"}
START_TIMEOUT_S = 60.0
ROUTED_OPERATIONS = 1000

STARLETTE_APP = """\
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ANSWER = {"data": {"id": "joyous-view-1234", "branch": "main", "status": "PENDING"}}


async def build(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse(ANSWER)


app = Starlette(routes=[Route("/v1/projects/{projectId}/jobs/{jobId}/build", build,
                              methods=["POST"])])
"""


TABLE_HEAD = (
    "| server                 | case      |     req/s | p50 ms  | p99 ms  | non-2xx / requests "
    "| CPU us/req |\n"
    "|---|---|---:|---:|---:|---:|---:|"
)


@dataclass(frozen=True)
class Result:
    """One load run: throughput, latency percentiles and how many answers were not 2xx."""

    server: str
    case: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    cpu_us: float | None = None
    """The server's CPU time (user and system, all its processes) per request."""

    def row(self) -> str:
        cpu = f"{self.cpu_us:>10.1f}" if self.cpu_us is not None else f"{'n/a':>10}"
        return (
            f"| {self.server:<22} | {self.case:<9} | {self.rps:>9,.0f} | {self.p50_ms:>7.2f} "
            f"| {self.p99_ms:>7.2f} | {self.non_2xx:>7} / {self.requests:<7} | {cpu} |"
        )


# -- processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(group: int) -> float | None:
    """User and system CPU time of every process in process group ``group`` so far (from
    ``/proc``; ``None`` where there is none). Less sensitive to a busy neighbour than
    requests per second: a shared machine slows a server's clock, not its work."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # pgrp; utime and stime follow at 11 and 12
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(name: str, command: list[str], port: int, log: Path) -> Iterator[tuple[str, int]]:
    """Run ``command`` in its own process group until the block ends; yield its origin and
    the group's id (its pid)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited at start; see {log}:\n{log.read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not listen on port {port} within the time limit")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's own process group (by its pid), then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def ours(spec: Path, port: int) -> list[str]:
    return [
        sys.executable, "-m", "triggerspec.mock", "--root", str(ROOT),
        "--port", str(port), "--seed", "1", str(spec),
    ]  # fmt: skip


def prism(binary: Path, spec: Path, port: int) -> list[str]:
    return [str(binary), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "error", str(spec)]


def starlette(app_dir: Path, port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "bare_starlette:app",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def prism_binary(prism_dir: Path) -> Path:
    """Prism's launcher, installed with npm into ``prism_dir`` (outside the repo) if missing."""
    binary = prism_dir / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: Node 18+ is needed to run Prism")
    prism_dir.mkdir(parents=True, exist_ok=True)
    print(f"installing {PRISM_PACKAGE} into {prism_dir} ...", file=sys.stderr)
    subprocess.run(
        [npm, "install", "--prefix", str(prism_dir), "--no-audit", "--no-fund", PRISM_PACKAGE],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return binary


# -- load ---------------------------------------------------------------------------------

WRK_SCRIPT = """\
wrk.method = "POST"
wrk.path = "{path}"
wrk.body = io.open("{body}", "rb"):read("*a")
wrk.headers["Authorization"] = "{authorization}"
wrk.headers["Content-Type"] = "application/json"
"""

WRK_VARYING = """\
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format('{"sha": "%x"}', counter))
end
"""
"""A refused body that is new on every request (a 1- to 8-digit hex sha, too short): what
a stream of fresh invalid cases costs, where no remembered refusal applies."""

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk_load(
    origin: str,
    path: str,
    body: bytes,
    seconds: float,
    connections: int,
    tmp: Path,
    varying: bool = False,
) -> tuple[float, float, float, int, int]:
    """``(req/s, p50 ms, p99 ms, requests, non-2xx)`` from one wrk run (``varying``: a new
    refused body on every request, see :data:`WRK_VARYING`)."""
    body_file = tmp / f"body-{len(body)}-{hash(body) & 0xFFFF}.json"
    body_file.write_bytes(body)
    script = tmp / ("post-varying.lua" if varying else "post.lua")
    script.write_text(
        WRK_SCRIPT.format(path=path, body=body_file, authorization=HEADERS["Authorization"])
        + (WRK_VARYING if varying else "")
    )
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "5s",
        "-s", str(script), origin,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, total, int(bad.group(1)) if bad else 0


async def _asyncio_load(
    host: str, port: int, request: bytes, seconds: float, connections: int
) -> tuple[float, float, float, int, int]:
    latencies: list[float] = []
    non_2xx = 0

    async def worker(stop_at: float) -> None:
        nonlocal non_2xx
        reader, writer = await asyncio.open_connection(host, port)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            await reader.readexactly(int(length.group(1)) if length else 0)
            latencies.append(time.perf_counter() - started)
            non_2xx += head[9:10] != b"2"
        writer.close()

    began = time.monotonic()
    await asyncio.gather(*(worker(began + seconds) for _ in range(connections)))
    elapsed = time.monotonic() - began
    latencies.sort()
    n = len(latencies)
    return n / elapsed, latencies[n // 2] * 1000, latencies[int(n * 0.99)] * 1000, n, non_2xx


def python_load(
    origin: str, path: str, body: bytes, seconds: float, connections: int, tmp: Path
) -> tuple[float, float, float, int, int]:
    """The same measure from a second Python process (when wrk is not installed)."""
    host, port = origin.removeprefix("http://").split(":")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: {HEADERS['Authorization']}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    args = [host, port, (head.encode() + body).hex(), str(seconds), str(connections)]
    out = subprocess.run(
        [sys.executable, __file__, "--load-worker", *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps, p50, p99, total, bad = json.loads(out)
    return rps, p50, p99, int(total), int(bad)


def load_worker(args: list[str]) -> None:
    host, port, request, seconds, connections = args
    result = asyncio.run(
        _asyncio_load(host, int(port), bytes.fromhex(request), float(seconds), int(connections))
    )
    print(json.dumps(result))


# -- the run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One measured case: which server, the case's label, and the request it repeats."""

    server: str
    label: str
    origin: str
    path: str
    body: bytes
    group: int = 0
    """The server's process group (for its CPU time)."""


@dataclass(frozen=True)
class Bench:
    """How every case is loaded: duration, connections, rounds, and the load generator."""

    seconds: float
    connections: int
    rounds: int
    tmp: Path
    use_wrk: bool

    def load(self, case: Case, seconds: float) -> Result:
        before = cpu_seconds(case.group) if case.group else None
        if self.use_wrk:
            numbers = wrk_load(
                case.origin, case.path, case.body, seconds, self.connections, self.tmp,
                varying=case.label == VARYING,
            )  # fmt: skip
        else:
            numbers = python_load(
                case.origin, case.path, case.body, seconds, self.connections, self.tmp
            )
        after = cpu_seconds(case.group) if case.group else None
        cpu = None
        if before is not None and after is not None and numbers[3]:
            cpu = (after - before) / numbers[3] * 1e6
        return Result(case.server, case.label, *numbers, cpu)

    def measure(self, cases: list[Case]) -> dict[tuple[str, str], Result]:
        """Every case, round after round (so a busy moment of a shared machine hits all
        servers alike); each case's best round counts."""
        for case in cases:
            _check_answer(case)
            self.load(case, min(2.0, self.seconds))  # warm-up (V8 optimises Prism meanwhile)
        best: dict[tuple[str, str], Result] = {}
        for _ in range(self.rounds):
            for case in cases:
                result = self.load(case, self.seconds)
                key = (case.server, case.label)
                if key not in best or result.rps > best[key].rps:
                    best[key] = result
        for result in best.values():
            print(result.row(), flush=True)
        return best


def _check_answer(case: Case) -> None:
    """One request before the load: the server must accept (valid) or refuse (rejected)."""
    response = httpx.post(case.origin + case.path, content=case.body, headers=HEADERS, timeout=30)
    if response.is_success != (case.label not in ("rejected", VARYING)):
        raise RuntimeError(
            f"{case.server} answered {response.status_code} to the {case.label} request: "
            f"{response.text[:300]}"
        )


def generated_spec(operations: int, where: Path) -> tuple[Path, str]:
    """A spec with ``operations`` POST operations on distinct templated paths; the path of
    its last operation (the one the load calls)."""
    base = yaml.safe_load(SPEC.read_text())
    item = base["paths"]["/v1/projects/{projectId}/jobs/{jobId}/build"]
    source = item["post"]
    paths: dict[str, object] = {}
    for i in range(operations):
        op = {
            "operationId": f"startJobBuild{i}",
            "summary": f"Start build {i}",
            "security": source["security"],
            "parameters": item["parameters"],
            "requestBody": source["requestBody"],
            "responses": source["responses"],
        }
        paths[f"/v1/area{i % 37}/projects/{{projectId}}/jobs/{{jobId}}/build{i}"] = {"post": op}
    doc = {**base, "paths": paths}
    spec = where / f"routes-{operations}.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    last = operations - 1
    return spec, f"/v1/area{last % 37}/projects/default-project/jobs/nightly/build{last}"


@dataclass(frozen=True)
class Server:
    """A server to measure: its label, its command line and the port it listens on."""

    name: str
    command: list[str]
    port: int

    def cases(self, varying: bool = True) -> list[tuple[str, bytes]]:
        # A fixed answer cannot refuse anything: the bare app has no rejected case.
        if self.name == BARE:
            return [("valid", VALID)]
        rejected = [("rejected", REJECTED)] + ([(VARYING, REJECTED)] if varying else [])
        return [("valid", VALID), *rejected]


OURS, PRISM, BARE = "triggerspec mock", "prism -v error", "starlette fixed JSON"
VARYING = "rej. new"
"""The refused case whose body is new on every request (wrk only)."""


def _versions(binary: Path | None) -> str:
    parts = [f"mock: uvicorn {uvicorn.__version__} ({implementation()})"]
    if binary is not None:
        manifest = binary.parent.parent / "@stoplight" / "prism-cli" / "package.json"
        with contextlib.suppress(OSError, ValueError):
            parts.append(f"Prism {json.loads(manifest.read_text())['version']}")
    return ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    use_wrk = shutil.which("wrk") is not None
    if not use_wrk:
        print("wrk not found (apt-get install wrk): using the asyncio load generator", flush=True)
    has_starlette = importlib.util.find_spec("starlette") is not None
    if not has_starlette:
        print("starlette is not installed: no bare-app baseline", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-mock-") as scratch:
        tmp = Path(scratch)
        bench = Bench(args.duration, args.connections, args.rounds, tmp, use_wrk)
        (tmp / "bare_starlette.py").write_text(STARLETTE_APP)
        binary = None if args.skip_prism else prism_binary(args.prism_dir)
        client = "wrk -t1" if use_wrk else "asyncio (second process)"
        print(
            f"\n{args.duration:g} s per run, best of {args.rounds}, {args.connections} "
            f"connections, load: {client}, {os.cpu_count()} CPUs; {_versions(binary)}\n"
        )
        print(TABLE_HEAD)
        servers = [Server(OURS, ours(SPEC, port := free_port()), port)]
        if binary is not None:
            servers.append(Server(PRISM, prism(binary, SPEC, port := free_port()), port))
        if has_starlette:
            servers.append(Server(BARE, starlette(tmp, port := free_port()), port))
        with contextlib.ExitStack() as running:
            cases = []
            for s in servers:
                log = tmp / f"{s.name.split()[0]}.log"
                origin, group = running.enter_context(server(s.name, s.command, s.port, log))
                cases += [
                    Case(s.name, label, origin, JOB_PATH, body, group)
                    for label, body in s.cases(bench.use_wrk)
                ]
            results = bench.measure(cases)

        with contextlib.ExitStack() as running:
            cases = []
            for n in (1, ROUTED_OPERATIONS):
                spec, path = generated_spec(n, tmp)
                contenders = [Server(OURS, ours(spec, port := free_port()), port)]
                if binary is not None:
                    contenders.append(Server(PRISM, prism(binary, spec, port := free_port()), port))
                for s in contenders:
                    log = tmp / f"{s.name.split()[0]}-{n}.log"
                    name = f"{s.name} ({n} ops)"
                    origin, group = running.enter_context(server(name, s.command, s.port, log))
                    cases.append(Case(s.name, f"{n} ops", origin, path, VALID, group))
            routing = {
                (name, int(label.split()[0])): result
                for (name, label), result in bench.measure(cases).items()
            }
    report(results, routing)
    return 0


def report(results: dict[tuple[str, str], Result], routing: dict[tuple[str, int], Result]) -> None:
    print("\nratios (triggerspec mock / other; targets from issues 4 and 11 in brackets)")

    def ratio(label: str, mine: float, theirs: float, target: str = "") -> None:
        print(f"  {label:<34} {mine / theirs:6.2f}x  {target}")

    valid = results[(OURS, "valid")]
    rejected = results[(OURS, "rejected")]
    ratio("rejected cost / valid cost", valid.rps, rejected.rps, "[<= 1.5x]")
    if (PRISM, "valid") in results:
        ratio("valid req/s vs Prism", valid.rps, results[(PRISM, "valid")].rps, "[>= 2.9x]")
        ratio("valid p99 vs Prism", valid.p99_ms, results[(PRISM, "valid")].p99_ms, "[<= 0.25x]")
        ratio("rejected req/s vs Prism", rejected.rps, results[(PRISM, "rejected")].rps)
        ratio("rejected p99 vs Prism", rejected.p99_ms, results[(PRISM, "rejected")].p99_ms)
    if (BARE, "valid") in results:
        bare = results[(BARE, "valid")]
        ratio("valid req/s vs Starlette", valid.rps, bare.rps, "[>= 0.64x]")
        if valid.cpu_us and bare.cpu_us:  # work per request, the same way round as req/s
            ratio("valid CPU/req, Starlette / mock", bare.cpu_us, valid.cpu_us)
    if valid.cpu_us and rejected.cpu_us:
        ratio("rejected CPU/req / valid CPU/req", rejected.cpu_us, valid.cpu_us)
    fresh = results.get((OURS, VARYING))
    if fresh is not None:
        ratio("rejected (new body) / valid cost", valid.rps, fresh.rps, "[<= 1.5x]")
    for name in (OURS, PRISM):
        if (name, 1) in routing:
            one, many = routing[(name, 1)].rps, routing[(name, ROUTED_OPERATIONS)].rps
            target = "[<= 1.5x]" if name == OURS else ""
            ratio(f"{name.split()[0]} req/s, 1 op / {ROUTED_OPERATIONS} ops", one, many, target)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--load-worker"]:
        load_worker(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=1, help="runs per case; the best counts")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--skip-prism", action="store_true")
    parser.add_argument(
        "--prism-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "triggerspec-bench-prism",
        help="where Prism is (or gets) installed with npm; shared with bench_fuzz.py",
    )
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 60:
        parser.error("--duration must be in (0, 60]")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be 1-10")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
