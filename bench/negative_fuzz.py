"""A large negative fuzz of the mock behind uvicorn: no input may get a 5xx.

Starts ``python -m triggerspec.mock`` on 127.0.0.1 (a free port), runs ``triggerspec fuzz
--mode negative`` against it with ``--max-examples`` cases per operation (2,000 each makes
over 10,000 cases with the shipped specs), then reads the mock's own count of answers by status from
``GET /__triggerspec/stats``. Bounded by ``--max-time`` for the whole run; the server is stopped
by its pid.

    python bench/negative_fuzz.py --max-examples 2000

Prints one JSON summary; exit 1 when any answer was a 5xx or the mock counted a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _loopback import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "negative-fuzz"


def embedded(args: argparse.Namespace) -> int:
    """The same fuzz against the embedded mock; statuses from the fuzz's own JSON report."""
    started = time.monotonic()
    report = Path(f"/tmp/triggerspec-negative-fuzz-{os.getpid()}.json")
    cli = "import sys; from triggerspec.cli import main; sys.exit(main(sys.argv[1:]))"
    fuzz = [sys.executable, "-c", cli, "--root", str(ROOT), "fuzz", "--mode", "negative"]
    fuzz += ["--max-examples", str(args.max_examples), "--max-time", str(args.max_time)]
    fuzz += ["--workers", str(args.workers), "--seed", str(args.seed), "--json", str(report)]
    done = subprocess.run(fuzz, capture_output=True, text=True, check=False)
    data = json.loads(report.read_text())
    report.unlink()
    answers: dict[str, int] = {}
    for task in data["tasks"]:
        for status, count in task["statuses"].items():
            answers[status] = answers.get(status, 0) + count
    server_errors = sum(v for k, v in answers.items() if k.isdigit() and int(k) >= 500)
    summary = {
        "target": "embedded",
        "cases": data["cases"],
        "answers": dict(sorted(answers.items())),
        "5xx": server_errors,
        "seconds": round(time.monotonic() - started, 1),
        "fuzz_exit": done.returncode,
    }
    print(json.dumps(summary, indent=2))
    return 0 if data["cases"] and server_errors == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=2000)
    parser.add_argument("--max-time", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="fuzz the in-process mock (about three times faster; same handler, no uvicorn)",
    )
    args = parser.parse_args()
    if args.embedded:
        return embedded(args)
    port = free_port()
    env = {**os.environ, "TRIGGERSPEC_MOCK_CONTROL_TOKEN": TOKEN}
    mock = [sys.executable, "-m", "triggerspec.mock", "--root", str(ROOT), "--port", str(port)]
    server = subprocess.Popen(mock, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(server, port)
        started = time.monotonic()
        cli = "import sys; from triggerspec.cli import main; sys.exit(main(sys.argv[1:]))"
        fuzz = [sys.executable, "-c", cli, "--root", str(ROOT), "fuzz"]
        fuzz += ["--base-url", f"http://127.0.0.1:{port}", "--mode", "negative"]
        fuzz += ["--max-examples", str(args.max_examples), "--max-time", str(args.max_time)]
        fuzz += ["--workers", str(args.workers), "--seed", str(args.seed)]
        done = subprocess.run(fuzz, capture_output=True, text=True, check=False)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/__triggerspec/stats",
            headers={"X-Triggerspec-Control": TOKEN},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            stats = json.load(answer)
        answers = {int(k): v for k, v in stats["answers"].items()}
        server_errors = sum(v for k, v in answers.items() if k >= 500)
        summary = {
            "requests": sum(answers.values()),
            "answers": stats["answers"],
            "5xx": server_errors,
            "mock_failures": stats["failures"],
            "seconds": round(time.monotonic() - started, 1),
            "fuzz_exit": done.returncode,
            "fuzz_summary": done.stderr.strip().splitlines()[-3:],
        }
        print(json.dumps(summary, indent=2))
        ok = answers and server_errors == 0 and stats["failures"] == 0
        return 0 if ok else 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
