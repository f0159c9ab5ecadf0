"""Serve the mock with uvicorn: in the foreground (the CLI) or on a thread (tests).

Both bind the listening socket themselves before uvicorn starts, so a busy port is a clear
error and port 0 picks a free one whose number is known at once.

uvicorn picks its fastest parts when they are installed (``httptools`` for HTTP/1.1,
``uvloop`` for the event loop): about twice the requests per second of its pure-Python
``h11`` and ``asyncio`` defaults. :func:`implementation` says which ones a server will use.
Access logging is off unless asked for: one log line per request costs about half the
throughput under load.
"""

from __future__ import annotations

import gc
import importlib.util
import socket
import threading
import time
from types import TracebackType

import httpx
import uvicorn

from triggerspec.errors import UsageError
from triggerspec.mock.app import MockApp
from triggerspec.mock.handles import MockHandle

START_TIMEOUT_S = 10.0


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port).

    Raises:
        UsageError: the address cannot be bound (in use, not local, ...).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say so, and
    # without it small answers wait out delayed ACKs (about 40 ms each).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def implementation() -> str:
    """The HTTP parser and event loop uvicorn will use: ``httptools + uvloop`` when both are
    installed, else ``h11``/``asyncio`` for the missing one."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"{http} + {loop}"


def config(app: MockApp, access_log: bool = False) -> uvicorn.Config:
    """The uvicorn settings the mock runs with (access log off unless asked: it halves
    throughput under load)."""
    return uvicorn.Config(
        app,
        access_log=access_log,
        log_level="info" if access_log else "warning",
        lifespan="off",
        proxy_headers=False,  # a local mock: X-Forwarded-* are the client's own headers
        server_header=False,
        date_header=True,
    )


def serve(app: MockApp, sock: socket.socket, access_log: bool = False) -> None:
    """Run uvicorn on ``sock`` until interrupted (Ctrl-C or SIGTERM).

    The app's routes, schemas and validators live as long as the process: they are moved
    out of the garbage collector's sight first (:func:`gc.freeze`), so its full passes
    under load walk only what requests leave behind (the journal), not the whole app.
    """
    gc.collect()
    gc.freeze()
    uvicorn.Server(config(app, access_log)).run(sockets=[sock])


class LiveMock(MockHandle):
    """A mock behind a real uvicorn on ``127.0.0.1``, run on a daemon thread.

    Use as a context manager; leaving it stops the server (bounded waits).

    Example:
        >>> with LiveMock(app) as mock:
        ...     httpx.post(mock.base_url("northflank") + "/v1/projects/p/jobs/j/build")
    """

    def __init__(self, app: MockApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._sock = bind(host, port)
        bound_host, bound_port = self._sock.getsockname()[:2]
        super().__init__(app, f"http://{bound_host}:{bound_port}")
        self.port: int = bound_port
        self._server = uvicorn.Server(config(app))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def transport(self) -> httpx.BaseTransport:
        """A transport for ``httpx.Client`` that reaches this mock."""
        return httpx.HTTPTransport()

    @property
    def async_transport(self) -> httpx.AsyncBaseTransport:
        """A transport for ``httpx.AsyncClient`` that reaches this mock."""
        return httpx.AsyncHTTPTransport()

    def start(self) -> LiveMock:
        """Start serving; return once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the mock server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Ask the server to exit and wait for it (bounded)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=START_TIMEOUT_S)
        self._sock.close()

    def __enter__(self) -> LiveMock:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
