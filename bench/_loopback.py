"""What the mock benches share: a free port on 127.0.0.1, and waiting for a started mock."""

from __future__ import annotations

import socket
import subprocess
import time


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(server: subprocess.Popen[bytes], port: int, seconds: float = 30) -> None:
    """Return once ``port`` on 127.0.0.1 accepts; exit if ``server`` dies or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the mock did not start") from None
            time.sleep(0.1)
