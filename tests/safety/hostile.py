"""A catalogue of hostile servers, each a real HTTP server on 127.0.0.1.

Each server answers every operation of the specs in one hostile way (echoes secrets, rate
limits, hangs, fails valid triggers, accepts unknown fields, accepts everything) and keeps a
ledger of what arrived: every request, and the **valid build triggers** among them, judged
the way the vendor would (``vendor_problems``: triggerspec's ``x-stricter`` rules left out).
The tests in this folder point ``triggerspec fuzz --real-endpoint`` at them and prove one
guarantee each.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from triggerspec.contract.request_check import form_fields, vendor_problems
from triggerspec.contract.wire import sent_path_parameters
from triggerspec.spec.model import Api, Operation


@dataclass
class Arrival:
    """One request as the server got it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    operation: Operation | None
    vendor_valid: bool
    """The vendor would act on it (it breaks no rule the vendor enforces)."""

    @property
    def valid_trigger(self) -> bool:
        return (
            self.operation is not None
            and self.operation.side_effects == "starts-build"
            and self.vendor_valid
        )


Answer = tuple[int, dict[str, str], Any]
"""Status, headers, JSON body (``None``: empty)."""
Behaviour = Callable[["HostileServer", Arrival], Answer]


@dataclass
class HostileServer:
    """A threaded HTTP server on 127.0.0.1 answering with ``behaviour``."""

    apis: list[Api]
    behaviour: Behaviour
    arrivals: list[Arrival] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    """Set on exit: a hanging answer returns at once."""

    def __enter__(self) -> HostileServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                arrival = server.identify(self.command, self.path, dict(self.headers), body)
                server.arrivals.append(arrival)
                status, headers, payload = server.behaviour(server, arrival)
                data = b"" if payload is None else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    headers = {"content-type": "application/json", **headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (a timeout): nothing to answer
                    self.close_connection = True

            do_POST = do_PUT = do_GET = do_PATCH = do_DELETE = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def identify(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Arrival:
        """Which operation the request addresses, and whether the vendor would act on it."""
        for api in self.apis:
            base = self.url + api.base_path
            for op in api.operations:
                if op.method.upper() != method:
                    continue
                params = sent_path_parameters(op, base, self.url + path)
                if params is None:
                    continue
                parsed, is_set = _body(headers, body)
                valid = not vendor_problems(api, op, params, parsed, is_set)
                return Arrival(method, path, headers, body, op, valid)
        return Arrival(method, path, headers, body, None, False)

    @property
    def valid_triggers(self) -> int:
        """How many build triggers arrived that the vendor would have acted on."""
        return sum(a.valid_trigger for a in self.arrivals)


def _body(headers: dict[str, str], body: bytes) -> tuple[Any, bool]:
    if not body:
        return None, False
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if "multipart/form-data" in content_type:
        return form_fields(content_type, body), True
    try:
        return json.loads(body), True
    except ValueError:
        return body, True


def success(arrival: Arrival) -> Any:
    """The operation's documented success example (a well-formed 2xx body)."""
    if arrival.operation is None:
        return {}
    examples = arrival.operation.success.examples
    return examples[0].value if examples else {}


def status_of(arrival: Arrival) -> int:
    return int(arrival.operation.success.status) if arrival.operation is not None else 200


# -- the behaviours -------------------------------------------------------------------------


def accepts_everything(server: HostileServer, arrival: Arrival) -> Answer:
    """Every request gets a success answer, valid or not."""
    return status_of(arrival), {}, success(arrival)


def refusal(server: HostileServer, arrival: Arrival) -> Answer:
    """A 400 in the API's error envelope (read from its declaration, as the vendor words it)."""
    api = next((a for a in server.apis if arrival.operation in a.operations), None)
    if api is None:  # a path no operation has: the API whose base path it is under
        api = next(
            (a for a in server.apis if a.base_path and arrival.path.startswith(a.base_path)), None
        )
    envelope = api.envelope if api is not None else None
    if envelope is not None and envelope.success_flag:
        error = {"code": 1000, "message": "refused"}
        return 400, {}, {"success": False, "errors": [error], "messages": [], "result": None}
    if envelope is not None and envelope.error.key:
        return 400, {}, {envelope.error.key: {"status": 400, "message": "refused"}}
    return 400, {}, {"error_code": "invalid_request", "message": "refused"}


def accepts_unknown_fields(server: HostileServer, arrival: Arrival) -> Answer:
    """Like the vendor: acts on anything that breaks no rule it enforces (unknown fields too)."""
    if arrival.vendor_valid:
        return status_of(arrival), {}, success(arrival)
    return refusal(server, arrival)


def fails_valid_triggers(server: HostileServer, arrival: Arrival) -> Answer:
    """A valid trigger gets a 500 (it may have started a build); the rest are refused."""
    if arrival.vendor_valid:
        return 500, {}, {"error": "internal"}
    return refusal(server, arrival)


def echoes_secrets(server: HostileServer, arrival: Arrival) -> Answer:
    """Answers with everything it got: the credentials and the body, secrets included."""
    try:
        body: Any = json.loads(arrival.body)
    except ValueError:
        body = arrival.body.decode("latin-1")
    return (
        400,
        {"x-echo-auth": arrival.headers.get("Authorization", "")},
        {"error": {"status": 400, "message": json.dumps(arrival.headers), "echo": body}},
    )


def rate_limited(retry_after: str | None) -> Behaviour:
    """Every request gets 429 (with this ``Retry-After``, or none)."""

    def answer(server: HostileServer, arrival: Arrival) -> Answer:
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        return 429, headers, {"error": {"status": 429, "message": "slow down"}}

    return answer


def hangs(server: HostileServer, arrival: Arrival) -> Answer:
    """Never answers in time (until the test ends)."""
    server.release.wait(30)
    return 504, {}, None
