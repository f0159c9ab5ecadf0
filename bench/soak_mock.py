"""Soak the mock: many requests with huge form fields, RSS bounded, back near baseline after
a reset.

Starts ``python -m triggerspec.mock`` on 127.0.0.1 (a free port), sends ``--requests``
Cloudflare Pages ``createDeployment`` requests whose ``branch`` text field is ``--field-mib``
MiB (the mock validates, answers and journals each one), samples the server's RSS from
``/proc/PID/status`` as it goes, then calls ``POST /__triggerspec/reset`` and samples again.
Bounded in count and time (``--max-seconds``); the server is stopped by its pid.

    python bench/soak_mock.py --requests 10000 --field-mib 20

Exit 1 when the peak RSS passes ``--bound-mib`` over the baseline, or the RSS after the
reset is more than ``--reset-slack-mib`` over the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from _loopback import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
PATH = "/client/v4/accounts/acc/pages/projects/my-site/deployments"
BOUNDARY = "soak-boundary"
TOKEN = "soak-control-token"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


CHUNK = 1 << 20
"""Bytes the client sends at a time: a 20 MiB field is never held whole by the client."""

_FILLER = b"b" * CHUNK


@dataclass(frozen=True)
class Upload:
    """One request whose form field is streamed: head and framing built once, the field's
    bytes produced chunk by chunk from one shared 1 MiB buffer."""

    head: bytes
    before: bytes
    field_bytes: int
    after: bytes

    def chunks(self) -> Iterator[bytes | memoryview]:
        """The request's bytes, at most :data:`CHUNK` at a time (bounded client memory)."""
        yield self.head + self.before
        left = self.field_bytes
        view = memoryview(_FILLER)
        while left > 0:
            step = min(left, CHUNK)
            yield view[:step]
            left -= step
        yield self.after


def form_upload(
    port: int, field_bytes: int, headers: dict[str, str], name: str = "commit_message"
) -> Upload:
    """A Pages form post: a ``manifest`` part, then ``name`` with ``field_bytes`` bytes."""
    before = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n{{}}\r\n'
    before += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
    after = f"\r\n--{BOUNDARY}--\r\n".encode()
    length = len(before.encode()) + field_bytes + len(after)
    head = request_head(port, "POST", PATH, length, headers)
    return Upload(head, before.encode(), field_bytes, after)


def request_head(port: int, method: str, path: str, length: int, headers: dict[str, str]) -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: keep-alive"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {length}")
    return ("\r\n".join(head) + "\r\n\r\n").encode()


def request(port: int, method: str, path: str, body: bytes, headers: dict[str, str]) -> Upload:
    """A small request, sent whole."""
    return Upload(request_head(port, method, path, len(body), headers) + body, b"", 0, b"")


def exchange(sock: socket.socket, upload: Upload) -> int:
    """Send one request on a kept-alive socket; return the status. The answer is read and
    dropped as it arrives (a valid post echoes its 20 MiB field)."""
    for chunk in upload.chunks():
        sock.sendall(chunk)
    buffer = bytearray()
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    left = length - len(rest)
    scratch = bytearray(CHUNK)
    while left > 0:
        got = sock.recv_into(scratch, min(left, CHUNK))
        if not got:
            raise ConnectionError("closed")
        left -= got
    return int(head.split(b" ", 2)[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--field-mib", type=float, default=20.0)
    parser.add_argument("--max-seconds", type=float, default=1800.0)
    parser.add_argument("--valid-every", type=int, default=20, help="every Nth request valid")
    parser.add_argument("--bound-mib", type=float, default=250.0)
    parser.add_argument("--reset-slack-mib", type=float, default=30.0)
    args = parser.parse_args()

    # A SIGTERM to the soak still stops the mock it started (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    port = free_port()
    env = {**os.environ, "TRIGGERSPEC_MOCK_CONTROL_TOKEN": TOKEN}
    command = [sys.executable, "-m", "triggerspec.mock", "--root", str(ROOT)]
    command += ["--port", str(port), "--seed", "1"]
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(server, port)
        auth = {"Authorization": "Bearer t"}
        size = int(args.field_mib * 1024 * 1024)
        headers = {**auth, "Content-Type": _ctype()}
        small = form_upload(port, 10, headers)
        # Valid (commit_message, echoed in the answer: slow) and refused (a field the closed
        # form does not have: a prompt 400); both are journaled with the field capped.
        valid = form_upload(port, size, headers)
        refused = form_upload(port, size, headers, "unexpected_field")
        reset = request(
            port,
            "POST",
            "/__triggerspec/reset",
            b"{}",
            {"X-Triggerspec-Control": TOKEN, "Content-Type": "application/json"},
        )
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        for _ in range(50):
            assert exchange(sock, small) == 200
        assert exchange(sock, reset) == 200
        time.sleep(0.5)
        baseline = rss_mib(server.pid)
        peak = baseline
        started = time.monotonic()
        statuses: dict[int, int] = {}
        done = 0
        for done in range(1, args.requests + 1):
            status = exchange(sock, valid if done % args.valid_every == 0 else refused)
            statuses[status] = statuses.get(status, 0) + 1
            if done % 100 == 0:
                peak = max(peak, rss_mib(server.pid))
            if done % 1000 == 0:
                print(
                    f"{done} requests, rss {rss_mib(server.pid):.0f} MiB, "
                    f"peak {peak:.0f} MiB, {time.monotonic() - started:.0f} s",
                    file=sys.stderr,
                )
            if time.monotonic() - started > args.max_seconds:
                break
        peak = max(peak, rss_mib(server.pid))
        before_reset = rss_mib(server.pid)
        assert exchange(sock, reset) == 200
        time.sleep(1.0)
        after_reset = rss_mib(server.pid)
        sock.close()
        client_peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = {
            "requests": done,
            "field_mib": args.field_mib,
            "valid_every": args.valid_every,
            "statuses": statuses,
            "seconds": round(time.monotonic() - started, 1),
            "rss_baseline_mib": round(baseline, 1),
            "rss_peak_mib": round(peak, 1),
            "rss_before_reset_mib": round(before_reset, 1),
            "rss_after_reset_mib": round(after_reset, 1),
            "client_peak_rss_mib": round(client_peak_kib / 1024, 1),
        }
        print(json.dumps(result, indent=2))
        ok = peak - baseline <= args.bound_mib and after_reset - baseline <= args.reset_slack_mib
        return 0 if ok else 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _ctype() -> str:
    return f"multipart/form-data; boundary={BOUNDARY}"


if __name__ == "__main__":
    sys.exit(main())
