"""The mock's control endpoints under ``/__triggerspec``: journal, scenarios, clock, reset.

They answer plain JSON (``{"error": ...}`` on a mistake), need no credentials and are not
journaled::

    GET    /__triggerspec/health       {"status": "ok"}
    GET    /__triggerspec/journal      {"entries": [...]}   (?operation=<operationId>)
    DELETE /__triggerspec/journal      {"cleared": n}
    GET    /__triggerspec/scenarios    {"scenarios": [...]}
    POST   /__triggerspec/scenarios    add one scenario, a list, or {"scenarios": [...]}
    DELETE /__triggerspec/scenarios    {"cleared": n}
    GET    /__triggerspec/routes       every route and how often it was called
    GET    /__triggerspec/clock        {"now": ...}
    POST   /__triggerspec/clock        {"advance_s": 61} moves the mock clock forward
    POST   /__triggerspec/reset        back to the start: state, journal, configured scenarios
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from triggerspec.mock.envelopes import Rejected
from triggerspec.mock.exchange import MockRequest, MockResponse, json_response
from triggerspec.mock.scenarios import ScenarioError, scenarios_from
from triggerspec.mock.state import iso

if TYPE_CHECKING:
    from triggerspec.mock.app import MockApp

log = logging.getLogger("triggerspec.mock")

CONTROL_PREFIX = "/__triggerspec"
"""Where the mock's own control endpoints live."""

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
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise _ControlError(400, 'send {"advance_s": <seconds, not negative>}')
    app.clock.advance(float(seconds))
    return _clock(app, request)


def _reset(app: MockApp, request: MockRequest) -> MockResponse:
    app.reset()
    return json_response(200, {"reset": True})


ENDPOINTS: dict[str, dict[str, Endpoint]] = {
    "": {"GET": _health},
    "/health": {"GET": _health},
    "/journal": {"GET": _journal, "DELETE": _journal_clear},
    "/scenarios": {"GET": _scenarios, "POST": _scenarios_add, "DELETE": _scenarios_clear},
    "/routes": {"GET": _routes},
    "/clock": {"GET": _clock, "POST": _clock_advance},
    "/reset": {"POST": _reset},
}


def handle_control(app: MockApp, request: MockRequest, early: Rejected | None) -> MockResponse:
    """Answer one control request (``early``: the body was refused before it was read)."""
    methods = ENDPOINTS.get(request.target[len(CONTROL_PREFIX) :].rstrip("/"))
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
