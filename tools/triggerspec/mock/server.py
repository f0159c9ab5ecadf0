"""Serve the mock with uvicorn: in the foreground (the CLI) or on a thread (tests).

Both bind the listening socket themselves before uvicorn starts, so a busy port is a clear
error and port 0 picks a free one whose number is known at once.

uvicorn picks its fastest parts when they are installed (``httptools`` for HTTP/1.1,
``uvloop`` for the event loop): about twice the requests per second of its pure-Python
``h11`` and ``asyncio`` defaults. :func:`implementation` says which ones a server will use.
Access logging is off unless asked for: one log line per request costs about half the
throughput under load.

As a shared CI service it must outlast slow and idle clients (see :class:`Limits`): idle
keep-alive connections are closed after 5 s, a request head (request line and headers)
must arrive within 10 s and stay under 64 KiB (uvicorn's httptools protocol has neither
bound, so :func:`protocol` adds them), a body within ``MockSettings.body_timeout_s``, and
at most ``limit_concurrency`` connections are served at once (others get a prompt 503),
with the open-file limit raised as far as the hard limit allows so that the bound, not
the file descriptors, is what runs out.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import logging
import resource
import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType

import httpx
import uvicorn

from triggerspec.errors import UsageError
from triggerspec.mock.app import MockApp
from triggerspec.mock.auth import mask_query
from triggerspec.mock.control import TOKEN_HEADER
from triggerspec.mock.handles import MockHandle
from triggerspec.mock.memory import pin_mmap_threshold

START_TIMEOUT_S = 10.0

FD_RESERVE = 64
"""File descriptors kept back from ``limit_concurrency`` (log files, the listener, ...)."""


@dataclass(frozen=True)
class Limits:
    """Connection limits of the mock's uvicorn server.

    Args:
        keep_alive_s: idle time after which a keep-alive connection is closed.
        head_timeout_s: time a client has to send a request's line and headers.
        max_head_bytes: largest request head (431-like 400 above it, connection closed).
        max_connections: most connections served at once (default: 10,000, or what the
            open-file limit allows).
    """

    keep_alive_s: float = 5.0
    head_timeout_s: float = 10.0
    max_head_bytes: int = 64 * 1024
    max_connections: int | None = None


def raise_fd_limit(wanted: int = 65_536) -> int:
    """Raise the soft open-file limit towards ``wanted`` (never past the hard limit);
    return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def protocol(limits: Limits) -> type[asyncio.Protocol] | str:
    """uvicorn's httptools protocol with a request-head deadline and size bound ("auto"
    when httptools is not installed)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a dependency
        return "auto"

    class BoundedHead(HttpToolsProtocol):
        """Closes a connection whose request head is late or too large."""

        _head_timer: asyncio.TimerHandle | None = None
        _head_bytes = 0
        _in_head = False

        def _arm(self) -> None:
            self._in_head = True
            self._head_bytes = 0
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(limits.head_timeout_s, self._late)

        def _disarm(self) -> None:
            self._in_head = False
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _late(self) -> None:
            self._head_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._in_head and not self.transport.is_closing():
                # Only bytes of a head still incomplete count (not a body sent with it).
                self._head_bytes += len(data)
                if self._head_bytes > limits.max_head_bytes:
                    self._disarm()
                    self.send_400_response("Request head too large")

        def on_message_begin(self) -> None:
            self._arm()
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

    return BoundedHead


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


def config(app: MockApp, access_log: bool = False, limits: Limits | None = None) -> uvicorn.Config:
    """The uvicorn settings the mock runs with (access log off unless asked: it halves
    throughput under load; connection limits from ``limits``)."""
    limits = limits or Limits()
    fds = raise_fd_limit()
    most = limits.max_connections or 10_000
    return uvicorn.Config(
        app,
        http=protocol(limits),
        timeout_keep_alive=max(1, round(limits.keep_alive_s)),
        limit_concurrency=max(1, min(most, fds - FD_RESERVE)),
        h11_max_incomplete_event_size=limits.max_head_bytes,
        backlog=2048,
        access_log=access_log,
        log_level="info" if access_log else "warning",
        lifespan="off",
        proxy_headers=False,  # a local mock: X-Forwarded-* are the client's own headers
        server_header=False,
        date_header=True,
    )


class MaskedAccessLog(logging.Filter):
    """Masks credential-like query parameters in uvicorn's access log lines, as the journal
    does (``?token=...`` would otherwise be printed whole)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, sep, query = args[2].partition("?")
            if sep:
                record.args = (*args[:2], f"{path}?{mask_query(query)}", *args[3:])
        return True


def serve(
    app: MockApp, sock: socket.socket, access_log: bool = False, limits: Limits | None = None
) -> None:
    """Run uvicorn on ``sock`` until interrupted (Ctrl-C or SIGTERM).

    The app's routes, schemas and validators live as long as the process: they are moved
    out of the garbage collector's sight first (:func:`gc.freeze`), so its full passes
    under load walk only what requests leave behind (the journal), not the whole app.
    """
    gc.collect()
    gc.freeze()
    pin_mmap_threshold()  # large request bodies are unmapped when freed (see mock/memory.py)
    if access_log:
        logging.getLogger("uvicorn.access").addFilter(MaskedAccessLog())
    uvicorn.Server(config(app, access_log, limits)).run(sockets=[sock])


class LiveMock(MockHandle):
    """A mock behind a real uvicorn on ``127.0.0.1``, run on a daemon thread.

    Use as a context manager; leaving it stops the server (bounded waits).

    Example:
        >>> with LiveMock(app) as mock:
        ...     httpx.post(mock.base_url("northflank") + "/v1/projects/p/jobs/j/build")
    """

    def __init__(
        self, app: MockApp, host: str = "127.0.0.1", port: int = 0, limits: Limits | None = None
    ) -> None:
        self._sock = bind(host, port)
        bound_host, bound_port = self._sock.getsockname()[:2]
        super().__init__(app, f"http://{bound_host}:{bound_port}")
        self.port: int = bound_port
        self._server = uvicorn.Server(config(app, limits=limits))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def control_headers(self) -> dict[str, str]:
        """The header control requests over the socket need (the mock's control token)."""
        return {TOKEN_HEADER: self.app.control_token}

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
