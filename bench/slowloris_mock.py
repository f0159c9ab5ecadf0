"""Slowloris against the mock: real requests are still served while slow connections are held.

Starts ``python -m triggerspec.mock`` on 127.0.0.1 (a free port, default connection limits),
opens ``--connections`` sockets that each send an unfinished request head and then trickle
one header line every ``--trickle`` seconds (any that the server cuts off is reopened, so
the count stays up), and meanwhile sends real ``startJobBuild`` requests from the main
thread. Bounded: ``--seconds`` of attack, 127.0.0.1 only; the soft open-file limit of this
process is raised (within the hard limit) to hold the sockets; the server is stopped by its
pid at the end.

    python bench/slowloris_mock.py --connections 2000 --seconds 40

Prints one JSON summary; exit 1 when fewer than 99 % of the real requests got a 200.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from _loopback import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
JOB = "/v1/projects/default-project/jobs/example-job/build"
BODY = json.dumps({"sha": "262ed9817b3cad5142fbceabe0c9e371e390d616"})
HEAD = f"POST {JOB} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n".encode()


class Attack:
    """Holds ``count`` slow connections until ``stop`` is set; counts the server's cut-offs."""

    def __init__(self, port: int, count: int, trickle: float) -> None:
        self.port, self.count, self.trickle = port, count, trickle
        self.socks: list[socket.socket | None] = [None] * count
        self.opened = self.cut = self.refused = 0
        self.held_samples: list[int] = []
        self.stop = threading.Event()

    def _open(self, i: int) -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            sock.sendall(HEAD)
            sock.setblocking(False)
            self.socks[i] = sock
            self.opened += 1
        except OSError:
            self.socks[i] = None
            self.refused += 1

    def run(self) -> None:
        for i in range(self.count):
            if self.stop.is_set():
                return
            self._open(i)
        while not self.stop.wait(self.trickle):
            for i, sock in enumerate(self.socks):
                if self.stop.is_set():
                    break
                alive = sock is not None
                if sock is not None:
                    try:
                        sock.sendall(b"X-a: b\r\n")
                        if sock.recv(1) == b"":
                            alive = False
                    except BlockingIOError:
                        pass
                    except OSError:
                        alive = False
                if not alive:
                    if sock is not None:
                        sock.close()
                        self.cut += 1
                    self._open(i)
            self.held_samples.append(sum(s is not None for s in self.socks))

    def close(self) -> None:
        for sock in self.socks:
            if sock is not None:
                sock.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--trickle", type=float, default=2.0)
    parser.add_argument("--interval", type=float, default=0.05, help="between real requests")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.connections + 256
    if soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    port = free_port()
    env = {**os.environ, "TRIGGERSPEC_MOCK_CONTROL_TOKEN": "slowloris"}
    command = [sys.executable, "-m", "triggerspec.mock", "--root", str(ROOT), "--port", str(port)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    attack = Attack(port, args.connections, args.trickle)
    try:
        wait_for_port(server, port)
        thread = threading.Thread(target=attack.run, daemon=True)
        thread.start()
        started = time.monotonic()
        latencies: list[float] = []
        statuses: dict[str, int] = {}
        while time.monotonic() - started < args.seconds:
            sent = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request(
                    "POST",
                    JOB,
                    BODY,
                    {"Authorization": "Bearer t", "Content-Type": "application/json"},
                )
                key = str(conn.getresponse().status)
                conn.close()
            except OSError as exc:
                key = type(exc).__name__
            latencies.append((time.monotonic() - sent) * 1000)
            statuses[key] = statuses.get(key, 0) + 1
            time.sleep(args.interval)
        attack.stop.set()
        thread.join(timeout=30)
        total = sum(statuses.values())
        ok = statuses.get("200", 0)
        held = attack.held_samples
        result = {
            "slow_connections": args.connections,
            "seconds": args.seconds,
            "held_min": min(held) if held else 0,
            "held_median": int(statistics.median(held)) if held else 0,
            "opened": attack.opened,
            "cut_off_by_server": attack.cut,
            "connect_failures": attack.refused,
            "real_requests": total,
            "real_statuses": statuses,
            "real_ok_share": round(ok / total, 4) if total else 0,
            "real_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "real_p99_ms": round(sorted(latencies)[int(len(latencies) * 0.99) - 1], 1)
            if latencies
            else None,
        }
        print(json.dumps(result, indent=2))
        return 0 if total and ok / total >= 0.99 else 1
    finally:
        attack.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
