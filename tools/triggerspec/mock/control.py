"""The mock's control endpoints under ``/__triggerspec``: journal, scenarios, clock, reset.

They answer plain JSON (``{"error": ...}`` on a mistake) and are not journaled. Over a
socket they are guarded, since a web page the developer visits can send requests to
127.0.0.1 too (and DNS rebinding can make it look same-origin):

- off entirely when the settings say so (``triggerspec mock`` turns them off when it listens
  on a non-loopback address, unless ``--control``);
- the ``Host`` (and ``Origin``, when sent) must name a loopback address or one of
  ``MockSettings.control_hosts``;
- every endpoint but ``health`` needs the control token in the ``X-Triggerspec-Control``
  header (a custom header: a cross-site page cannot send it without a CORS preflight,
  which the mock never grants);
- a body must be ``application/json``, at most 64 KiB; the clock moves at most a year per
  call and a century in all.

In-process callers (:meth:`MockApp.handle`, the httpx transports, the pytest fixtures) are
the test's own code and pass unchecked::

    GET    /__triggerspec/health       {"status": "ok"}
    GET    /__triggerspec/journal      {"entries": [...]}   (?operation=<operationId>)
    DELETE /__triggerspec/journal      {"cleared": n}
    GET    /__triggerspec/scenarios    {"scenarios": [...]}
    POST   /__triggerspec/scenarios    add one scenario, a list, or {"scenarios": [...]}
    DELETE /__triggerspec/scenarios    {"cleared": n}
    GET    /__triggerspec/routes       every route and how often it was called
    GET    /__triggerspec/stats        answers by status, failures, journal and state evictions
    GET    /__triggerspec/clock        {"now": ...}
    POST   /__triggerspec/clock        {"advance_s": 61} moves the mock clock forward
    POST   /__triggerspec/reset        back to the start: state, journal, configured scenarios
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from triggerspec.mock.bodies import media_type_of
from triggerspec.mock.envelopes import Rejected
from triggerspec.mock.exchange import MockRequest, MockResponse, json_response
from triggerspec.mock.scenarios import ScenarioError, scenarios_from
from triggerspec.mock.state import iso

if TYPE_CHECKING:
    from triggerspec.mock.app import MockApp

log = logging.getLogger("triggerspec.mock")

CONTROL_PREFIX = "/__triggerspec"
"""Where the mock's own control endpoints live."""

TOKEN_HEADER = "x-triggerspec-control"
"""The header that carries the control token."""

MAX_CONTROL_BODY = 64 * 1024
"""Largest control request body."""

MAX_ADVANCE_S = 366 * 86_400
"""Longest single clock advance (the total is bounded by the clock itself)."""

LOOPBACK_NAMES = frozenset({"localhost", "mock.invalid"})
"""Host names always accepted (``mock.invalid``: the in-process origin)."""

Endpoint = Callable[["MockApp", MockRequest], MockResponse]


class _ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json_body(request: MockRequest) -> Any:
    try:
        return json.loads(request.body.decode("utf-8")) if request.body else None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _ControlError(400, f"the body is not valid JSON: {exc}") from None


def _health(app: MockApp, request: MockRequest) -> MockResponse:
    return json_response(200, {"status": "ok", "apis": {n: app.base_path(n) for n in app.apis}})


def _journal(app: MockApp, request: MockRequest) -> MockResponse:
    operation = next(iter(parse_qs(request.query).get("operation", [])), None)
    return json_response(200, {"entries": [e.to_dict() for e in app.journal.entries(operation)]})


def _journal_clear(app: MockApp, request: MockRequest) -> MockResponse:
    count = len(app.journal)
    app.journal.clear()
    return json_response(200, {"cleared": count})


def _scenarios(app: MockApp, request: MockRequest) -> MockResponse:
    return json_response(200, {"scenarios": [s.to_dict() for s in app.scenarios.list()]})


def _scenarios_add(app: MockApp, request: MockRequest) -> MockResponse:
    try:
        app.add_scenarios(*scenarios_from(_json_body(request)))
    except ScenarioError as exc:
        raise _ControlError(400, str(exc)) from None
    return json_response(201, {"scenarios": [s.to_dict() for s in app.scenarios.list()]})


def _scenarios_clear(app: MockApp, request: MockRequest) -> MockResponse:
    count = len(app.scenarios.list())
    app.scenarios.clear()
    return json_response(200, {"cleared": count})


def _routes(app: MockApp, request: MockRequest) -> MockResponse:
    return json_response(200, {"routes": app.routes()})


def _clock(app: MockApp, request: MockRequest) -> MockResponse:
    return json_response(200, {"now": iso(app.clock.now()), "fake": app.clock.fake})


def _clock_advance(app: MockApp, request: MockRequest) -> MockResponse:
    data = _json_body(request)
    seconds = data.get("advance_s") if isinstance(data, dict) else None
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not math.isfinite(seconds)
        or not 0 <= seconds <= MAX_ADVANCE_S
    ):
        raise _ControlError(400, f'send {{"advance_s": <seconds, 0 to {MAX_ADVANCE_S}>}}')
    try:
        app.clock.advance(float(seconds))
    except ValueError as exc:
        raise _ControlError(400, str(exc)) from None
    return _clock(app, request)


def _stats(app: MockApp, request: MockRequest) -> MockResponse:
    journal = app.journal
    return json_response(
        200,
        {
            "answers": {str(k): v for k, v in sorted(app.answers.items())},
            "failures": app.failures,
            "journal": {
                "entries": len(journal),
                "bytes": journal.bytes,
                "evicted": journal.evicted,
            },
            "state_evicted": app.state.evictions(),
        },
    )


def _reset(app: MockApp, request: MockRequest) -> MockResponse:
    app.reset()
    return json_response(200, {"reset": True})


ENDPOINTS: dict[str, dict[str, Endpoint]] = {
    "": {"GET": _health},
    "/health": {"GET": _health},
    "/journal": {"GET": _journal, "DELETE": _journal_clear},
    "/scenarios": {"GET": _scenarios, "POST": _scenarios_add, "DELETE": _scenarios_clear},
    "/routes": {"GET": _routes},
    "/stats": {"GET": _stats},
    "/clock": {"GET": _clock, "POST": _clock_advance},
    "/reset": {"POST": _reset},
}


def _host_name(value: str) -> str:
    """``example.com`` from ``example.com:8080``, ``::1`` from ``[::1]:8080``."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _allowed_host(name: str, extra: frozenset[str]) -> bool:
    if name in LOOPBACK_NAMES or name in extra:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def guard(app: MockApp, request: MockRequest, endpoint: str) -> MockResponse | None:
    """The refusal of a control request from a socket, or ``None`` when it may proceed."""
    settings = app.settings
    if not settings.control:
        return json_response(404, {"error": "the control endpoints are off on this mock"})
    extra = settings.control_hosts
    host = _host_name(request.header("host") or "")
    if not _allowed_host(host, extra):
        return json_response(403, {"error": "the Host header must name a loopback address"})
    origin = request.header("origin")
    if origin is not None:
        origin_host = _host_name(urlsplit(origin).netloc) if "://" in origin else ""
        if not _allowed_host(origin_host, extra):
            return json_response(403, {"error": "cross-origin control requests are refused"})
    if endpoint not in ("", "/health"):
        sent = request.header(TOKEN_HEADER) or ""
        if not hmac.compare_digest(sent.encode("latin-1"), app.control_token.encode("latin-1")):
            return json_response(401, {"error": f"send the mock's control token in {TOKEN_HEADER}"})
    if request.body:
        if len(request.body) > MAX_CONTROL_BODY:
            return json_response(413, {"error": f"at most {MAX_CONTROL_BODY} bytes"})
        if media_type_of(request.header("content-type")) != "application/json":
            return json_response(415, {"error": "control bodies must be application/json"})
    return None


def handle_control(
    app: MockApp, request: MockRequest, early: Rejected | None, trusted: bool = True
) -> MockResponse:
    """Answer one control request (``early``: the body was refused before it was read;
    ``trusted``: it came in-process, not from a socket, and skips :func:`guard`)."""
    path = request.target[len(CONTROL_PREFIX) :].rstrip("/")
    if not trusted:
        refused = guard(app, request, path)
        if refused is not None:
            return refused
    methods = ENDPOINTS.get(path)
    if methods is None:
        return json_response(404, {"error": f"no control endpoint {request.target}"})
    endpoint = methods.get(request.method)
    if endpoint is None:
        allowed = ", ".join(sorted(methods))
        return json_response(405, {"error": f"use {allowed}"}, [("allow", allowed)])
    if early is not None:
        return json_response(early.status, {"error": str(early)})
    try:
        return endpoint(app, request)
    except _ControlError as exc:
        return json_response(exc.status, {"error": str(exc)})
    except Exception:  # a bug in the mock: answer, and leave the traceback in the log
        log.exception("control endpoint %s %s failed", request.method, request.target)
        return json_response(500, {"error": "the control endpoint failed; see the mock's log"})
