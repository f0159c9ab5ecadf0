"""The mock application: a function from request to response, and its ASGI face.

:meth:`MockApp.handle` is the whole mock: route, authenticate, check parameters, read and
validate the body, apply a scenario, build the answer, journal it (the journal entry is
made by :mod:`triggerspec.mock.recording`). Routes, envelopes and
credential masks are built in the constructor; each operation's compiled validators and
redactor on its first request (a whole vendor API starts in a second), and kept, so a
valid request costs a memoised route lookup and one call into a compiled (Rust) validator;
only a refused one pays for ``jsonschema`` to word its problems. The ASGI ``__call__`` only
reads the body (with a size cap and a time limit, so an over-large or stalled upload gets a
prompt 4xx), calls ``handle`` and sends the answer; the httpx transports call ``handle``
directly.

The order of checks, and so which error a request with several problems gets: unknown path
(404) or method (405), ``Prefer`` header (400), body size (413), credentials (as the spec's
``x-auth-errors`` declares; 401/403 by default), parameters (400), media type (415), body
syntax (400), body rules (400, or 413 for a size cap). Only a request that passes them all
meets a forced status.

An operation whose part of the spec cannot be read (a dangling ``$ref``, no 2xx response:
what ``triggerspec lint`` reports) is answered 501 in the API's error envelope, naming the
file, pointer and problem, and logged once; every other operation is served as usual.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from triggerspec.errors import SpecError, UsageError
from triggerspec.mock.bodies import MAX_JSON_BYTES, ParsedBody, media_type_of, parse_body
from triggerspec.mock.control import CONTROL_PREFIX, handle_control
from triggerspec.mock.deadlines import Deadlines
from triggerspec.mock.envelopes import MockEnvelope, Problem, Rejected, envelope_for, reason
from triggerspec.mock.exchange import MockRequest, MockResponse, answer, asgi_headers, json_response
from triggerspec.mock.journal import Journal
from triggerspec.mock.memory import trim
from triggerspec.mock.recording import Note, Recorder
from triggerspec.mock.responses import Context, build, check_payload_names, minimal
from triggerspec.mock.routes import BadPath, Match, Router, WrongMethod, split_target
from triggerspec.mock.scenarios import Scenario, ScenarioBook, ScenarioError, parse_prefer
from triggerspec.mock.settings import MiB, MockSettings
from triggerspec.mock.state import FAKE_EPOCH, Clock, Ids, MockState
from triggerspec.mock.validation import CompiledOperation, CompiledOperations
from triggerspec.project import Project
from triggerspec.spec.cache import cached_api
from triggerspec.spec.model import Api, Operation, Part, load_api
from triggerspec.spec.naming import known_names

log = logging.getLogger("triggerspec.mock")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


class MockApp:
    """A spec-driven mock of every operation in ``apis``: ASGI app and in-process core.

    Args:
        apis: the contract model of each spec to serve (at least one).
        settings: seed, token, limits and scenarios (see :class:`MockSettings`).

    Example:
        >>> app = MockApp(apis, MockSettings(seed=1))
        >>> response = app.handle(MockRequest("POST", "/v1/projects/p/jobs/j/build", ...))
    """

    def __init__(self, apis: Sequence[Api], settings: MockSettings | None = None) -> None:
        if not apis:
            raise UsageError("the mock needs at least one spec to serve")
        self.settings = settings or MockSettings()
        check_payload_names(apis)
        self.apis = {api.name: api for api in apis}
        self.router = Router(apis)
        self.compiled = CompiledOperations((r.api, r.operation) for r in self.router.routes)
        """Each operation's validators, compiled on its first request."""
        self._envelopes = {api.name: envelope_for(api.envelope) for api in apis}
        largest = max(
            (p.max_bytes or 0 for api in apis for op in api.operations for p in _parts(op)),
            default=0,
        )
        self.max_body_bytes = self.settings.max_body_bytes or max(largest + 4 * MiB, 8 * MiB)
        self.clock = Clock(FAKE_EPOCH if self.settings.seed is not None else None)
        self.ids = Ids(self.settings.seed)
        self.state = MockState()
        self.state.limit(self.settings.state_limit, self.settings.state_budget)
        self.journal = Journal(self.settings.journal_limit, self.settings.journal_budget)
        self.recorder = Recorder(
            apis,
            self.compiled,
            self.journal,
            self.clock,
            self.settings.journal_body_cap,
            self.max_body_bytes,
        )
        self._deadlines = Deadlines(self.settings.body_timeout_s)
        self.scenarios = ScenarioBook()
        self.calls: Counter[tuple[str, str]] = Counter()
        self.control_token = self.settings.control_token or secrets.token_urlsafe(24)
        """What control requests over a socket must send in ``X-Triggerspec-Control``."""
        self.failures = 0
        self.answers: Counter[int] = Counter()
        """Answers by status since the start (control endpoints not counted)."""
        """Requests the mock failed on (each answered with an enveloped 500 and logged)."""
        self._lock = threading.RLock()
        self.add_scenarios(*self.settings.scenarios)

    # -- public helpers ------------------------------------------------------------------

    def base_path(self, api_name: str) -> str:
        """The path prefix one API is served under (``/client/v4``, or ``""``)."""
        try:
            return self.apis[api_name].base_path
        except KeyError:
            raise KeyError(f"no API named {api_name!r}; served: {sorted(self.apis)}") from None

    def add_scenarios(self, *scenarios: Scenario) -> None:
        """Add scenarios to the mock's list after checking each against the operations.

        Raises:
            ScenarioError: an unknown operation, an undocumented status or example.
        """
        for scenario in scenarios:
            targets = [k for k in self.compiled if scenario.applies_to(k[1])]
            if not targets:
                known = sorted(op for _, op in self.compiled)
                raise ScenarioError(
                    f"no operation {scenario.operation!r}; "
                    + known_names(scenario.operation, known)
                )
            if scenario.operation != "*":
                for key in targets:
                    try:
                        compiled = self.compiled[key]
                    except SpecError as exc:
                        raise ScenarioError(f"{key[1]} cannot be served: {exc}") from None
                    self._check_scenario(compiled, scenario)
        self.scenarios.add(*scenarios)

    def reset(self) -> None:
        """Back to how the mock started: state, journal and call counts forgotten, ids and
        clock restarted, scenarios back to those of the settings (with their counts)."""
        with self._lock:
            self.state.reset()
            self.journal.clear()
            self.scenarios.clear()
            self.scenarios.add(*self.settings.scenarios)
            self.calls.clear()
            self.clock.reset()
            self.ids.reset()
            trim()  # give the forgotten journal and state back to the system

    def routes(self) -> list[dict[str, Any]]:
        """Every served route with how often it was called (unused ones show 0)."""
        return [
            {
                "api": r.api.name,
                "operation_id": r.operation.operation_id,
                "method": r.method,
                "path": r.template,
                "calls": self.calls[(r.api.name, r.operation.operation_id)],
            }
            for r in self.router.routes
        ]

    # -- the core ------------------------------------------------------------------------

    def handle(self, request: MockRequest) -> MockResponse:
        """Answer one request (the in-process entry point; never raises)."""
        return self._handle(request, None)

    def _handle(
        self, request: MockRequest, early: Rejected | None, trusted: bool = True
    ) -> MockResponse:
        if request.target == CONTROL_PREFIX or request.target.startswith(CONTROL_PREFIX + "/"):
            try:
                return handle_control(self, request, early, trusted)
            except Exception:
                return self._failed(request, None)
        with self._lock:
            note = Note()
            try:
                response = self._serve(request, early, note)
            except Exception:  # a bug in the mock: still answer, in the vendor's shape
                response = self._failed(request, note.api)
            self.answers[response.status] += 1
            try:
                self.recorder.record(request, response, note)
            except Exception:
                self.failures += 1
                log.exception("the mock failed to journal %s", request.target[:200])
            return response

    def _failed(self, request: MockRequest, api_name: str | None) -> MockResponse:
        """The enveloped 500 for a request the mock itself failed on (logged and counted)."""
        self.failures += 1
        log.exception("the mock failed on %s %s", request.method, request.target[:200])
        api = self.apis.get(api_name or "") or self.router.apis[0]
        problem = Problem("request", "", "internal", "the mock failed; see its log")
        try:
            return self._error(api, 500, [problem])
        except Exception:  # even the envelope failed: a plain JSON 500
            return json_response(500, {"error": "the mock failed; see its log"})

    def _serve(self, request: MockRequest, early: Rejected | None, note: Note) -> MockResponse:
        try:
            found = self.router.lookup(request.method, request.target)
        except BadPath as exc:
            api = self.router.nearest_api(request.target.split("/")[1:])
            note.api = api.name
            return self._error(api, 400, [Problem("request", "", "path", str(exc))])
        if found is None:
            nearest = self.router.nearest(split_target(request.target))
            api = nearest[0].api if nearest else self.router.apis[0]
            note.api = api.name
            where = request.target if len(request.target) <= 200 else request.target[:200] + "..."
            near = "; ".join(
                f"{r.method} {r.template} ({r.operation.operation_id})" for r in nearest
            )
            problem = Problem(
                "request", "", "route", f"no operation is served at {where}; nearest: {near}"
            )
            return self._error(api, 404, [problem])
        if isinstance(found, WrongMethod):
            note.api = found.api.name
            allowed = ", ".join(found.allowed)
            problem = Problem(
                "request", "", "method", f"{request.method} is not allowed here; use {allowed}"
            )
            return self._error(found.api, 405, [problem], [("allow", allowed)])
        return self._operation(found, request, early, note)

    def _operation(
        self, match: Match, request: MockRequest, early: Rejected | None, note: Note
    ) -> MockResponse:
        route = match.route
        note.api, note.operation_id = route.api.name, route.operation.operation_id
        self.calls[(note.api, note.operation_id)] += 1
        try:
            compiled = self.compiled[(note.api, note.operation_id)]
        except SpecError as exc:
            return self._unservable(route.api, note, exc)
        self.clock.tick()
        try:
            prefer = parse_prefer(request.header("prefer"))
            if prefer is not None:
                self._check_scenario(compiled, prefer)
        except ScenarioError as exc:
            note.problems = [Problem("header", "Prefer", "scenario", str(exc))]
            return self._error(route.api, 400, note.problems)
        try:
            body = self._validate(compiled, match, request, early, note)
        except Rejected as exc:
            note.problems = exc.problems
            response = self._error(
                route.api, exc.status, exc.problems, code=exc.code, compiled=compiled
            )
            response.delay_s = self._delay(prefer)
            return response
        scenario = prefer or self.scenarios.take(route.operation.operation_id)
        try:
            response = self._answer(compiled, match, body, scenario, note, request)
        except ScenarioError as exc:  # a mock-wide scenario that does not fit this operation
            note.problems = [Problem("request", "", "scenario", str(exc))]
            return self._error(route.api, 400, note.problems)
        response.delay_s = self._delay(scenario)
        return response

    def _validate(
        self,
        compiled: CompiledOperation,
        match: Match,
        request: MockRequest,
        early: Rejected | None,
        note: Note,
    ) -> ParsedBody:
        if early is not None:
            raise early
        if len(request.body) > self.max_body_bytes:
            raise self.too_large()
        note.auth = compiled.gate.check(
            request.headers, self.settings.token, request.query, self.settings.forbidden_token
        )
        problems = compiled.parameter_problems(match.params, request.query, request.headers)
        if problems:
            in_path = all(p.location == "path" for p in problems)
            raise Rejected(
                compiled.path_refusal_status if in_path else compiled.refusal_status, problems
            )
        content_type = request.header("content-type")
        body = parse_body(compiled.operation.body, content_type, request.body)
        note.body = body.describe()
        if body.kind == "json" and _is_json(content_type):
            note.raw_json = request.body
        status, problems = compiled.body_problems(body, note.raw_json)
        if problems:
            raise Rejected(status, problems)
        return body

    def too_large(self, limit: int | None = None) -> Rejected:
        """The refusal of a body beyond the mock's size limit (or ``limit``)."""
        limit = limit or self.max_body_bytes
        return Rejected(
            413,
            [
                Problem(
                    "body", "", "max-bytes", f"the body is larger than the limit of {limit} bytes"
                )
            ],
        )

    def _answer(
        self,
        compiled: CompiledOperation,
        match: Match,
        body: ParsedBody,
        scenario: Scenario | None,
        note: Note,
        request: MockRequest,
    ) -> MockResponse:
        op = compiled.operation
        envelope = self._envelopes[compiled.api.name]
        chosen = op.success_for(body.value if body.kind != "none" else None)
        success_status = int(chosen.status)
        status = success_status
        headers: list[tuple[str, str]] = []
        if scenario is not None:
            self._check_scenario(compiled, scenario)
            note.scenario = scenario.describe() or None
            status = scenario.status or success_status
            forced = compiled.response_for(status) if 200 <= status < 300 else None
            if forced is not None and forced.is_success:
                chosen, success_status = forced, status
            if scenario.retry_after is not None:
                headers.append(("retry-after", str(scenario.retry_after)))
        headers += self._rate_limit(compiled, envelope, status, scenario)
        if scenario is not None and scenario.example is not None:
            documented = compiled.response_for(status)
            assert documented is not None  # _check_scenario made sure
            example = next(e for e in documented.examples if e.name == scenario.example)
            return answer(documented, status, example.value, headers)
        if status != success_status:
            assert scenario is not None
            problem = Problem(
                "request",
                "",
                "scenario",
                f"{reason(status)} (forced by a mock scenario: {scenario.describe()})",
            )
            return self._error(compiled.api, status, [problem], headers, compiled=compiled)
        ctx = Context(
            api=compiled.api,
            operation=op,
            params=match.params,
            body=body,
            state=self.state,
            clock=self.clock,
            ids=self.ids,
            settings=self.settings,
            response=chosen,
            query={k: v[0] for k, v in parse_qs(request.query).items()} if request.query else {},
            headers=request.headers,
            size=len(request.body),
        )
        built = build(ctx)
        payload = (
            built.payload if built.raw or chosen.kind != "json" else envelope.success(built.payload)
        )
        return answer(chosen, status, payload, [*headers, *built.headers, *compiled.deprecation])

    # -- pieces ----------------------------------------------------------------------------

    def _unservable(self, api: Api, note: Note, error: SpecError) -> MockResponse:
        """501 for an operation whose spec part cannot be read (logged on its first call)."""
        if self.calls[(api.name, note.operation_id or "")] == 1:
            log.warning("triggerspec mock: %s cannot be served: %s", note.operation_id, error)
        note.problems = [
            Problem("request", "", "spec", f"this operation cannot be served: {error}")
        ]
        return self._error(api, 501, note.problems)

    def _check_scenario(self, compiled: CompiledOperation, scenario: Scenario) -> None:
        op = compiled.operation
        success = int(op.success.status)
        status = scenario.status or success
        documented = compiled.response_for(status)
        two_xx = documented is not None and documented.is_success
        if status != success and not two_xx and (status < 400 or documented is None):
            listed = ", ".join(r.status for r in op.responses)
            raise ScenarioError(
                f"status {status} is not a documented error of {op.operation_id} "
                f"(documented: {listed})"
            )
        if scenario.example is not None:
            names = [e.name for e in documented.examples] if documented else []
            if scenario.example not in names:
                raise ScenarioError(
                    f"{op.operation_id} documents no example {scenario.example!r} for status "
                    f"{status} (examples: {', '.join(names) or 'none'})"
                )

    def _delay(self, scenario: Scenario | None) -> float:
        if scenario is None or not scenario.delay_ms:
            return 0.0
        return min(scenario.delay_ms, self.settings.max_delay_ms) / 1000

    def _rate_limit(
        self,
        compiled: CompiledOperation,
        envelope: MockEnvelope,
        status: int,
        scenario: Scenario | None,
    ) -> list[tuple[str, str]]:
        """Rate-limit headers where the API declares them (reported, never enforced)."""
        api = compiled.api.name
        window_us = compiled.api.envelope.rate_limit.window_s * 1_000_000
        now = self.clock.now_us()
        start = self.state.window_start.get(api)
        if start is None or now - start >= window_us:
            start = self.state.window_start[api] = now
            self.state.requests[api] = 0
        self.state.requests[api] += 1
        limit = self.settings.rate_limit_per_hour
        remaining = max(0, limit - self.state.requests[api])
        reset_s = math.ceil((start + window_us - now) / 1_000_000)
        if status == 429:
            remaining = 0
            if scenario is not None and scenario.retry_after is not None:
                reset_s = scenario.retry_after
        return envelope.rate_limit_headers(limit, remaining, reset_s, now // 1_000_000)

    def _error(
        self,
        api: Api,
        status: int,
        problems: Sequence[Problem],
        headers: Sequence[tuple[str, str]] = (),
        code: str | int | None = None,
        compiled: CompiledOperation | None = None,
    ) -> MockResponse:
        body = self._envelopes[api.name].error(status, problems, self.ids.uuid(), code)
        if compiled is not None and isinstance(body, dict):
            for name, schema in compiled.error_members(status):
                if name not in body:  # the envelope's members stay as they are
                    body[name] = minimal(schema, self)
        return json_response(status, body, headers)

    @property
    def now(self) -> str:
        """The mock clock's time as the vendors print it (for values made outside a
        request's answer, see :class:`~triggerspec.mock.responses.Values`)."""
        return self.clock.iso_now()

    # -- ASGI ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection (HTTP and lifespan; WebSockets are refused)."""
        kind = scope["type"]
        if kind == "lifespan":
            await _lifespan(receive, send)
            return
        if kind != "http":
            await receive()
            await send({"type": "websocket.close", "code": 1003})
            return
        sent: list[bool] = []  # _http marks it before its first send
        try:
            await self._http(scope, receive, send, sent)
        except Exception:  # never let an exception escape to the server
            if sent:
                self.failures += 1
                log.exception("the mock failed while answering %s", scope.get("path", "")[:200])
                return
            head = MockRequest(scope.get("method", "GET"), str(scope.get("path", ""))[:2000])
            response = self._failed(head, None)
            await send(_start(response))
            await send({"type": "http.response.body", "body": response.body})

    async def _http(self, scope: Scope, receive: Receive, send: Send, sent: list[bool]) -> None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        method: str = scope["method"]
        target = raw_path.decode("latin-1").split("?", 1)[0]
        query = scope.get("query_string", b"").decode("latin-1")
        headers = asgi_headers(scope["headers"])
        head = MockRequest(method, target, query, headers)
        declared = head.content_length
        # A JSON body is never read past the JSON limit (a form may be much larger).
        limit = self.max_body_bytes
        if _is_json(head.header("content-type")):
            limit = min(limit, MAX_JSON_BYTES)
        if declared is not None and declared > limit:
            response = self._handle(head, self.too_large(limit), False)
        else:
            wait = self.settings.body_timeout_s
            try:
                data = await self._deadlines.within(_read_body(receive, limit))
            except _TooLarge:
                response = self._handle(head, self.too_large(limit), False)
            except TimeoutError:
                problem = Problem("body", "", "timeout", f"the body did not arrive within {wait} s")
                response = self._handle(head, Rejected(408, [problem]), False)
            except _Disconnected:
                return
            else:
                head.body = data
                response = self._handle(head, None, False)
        if response.delay_s > 0:
            await asyncio.sleep(response.delay_s)
        sent.append(True)
        await send(_start(response))
        await send({"type": "http.response.body", "body": response.body})


def _start(response: MockResponse) -> Message:
    return {
        "type": "http.response.start",
        "status": response.status,
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        + [(b"content-length", str(len(response.body)).encode("ascii"))],
    }


def _is_json(content_type: str | None) -> bool:
    media = media_type_of(content_type)
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _parts(op: Operation) -> tuple[Part, ...]:
    """The multipart fields of ``op`` (only a multipart body is read; a broken one has none:
    its requests are answered 501)."""
    if not any(media_type_of(m) == "multipart/form-data" for m in op.body_media_types):
        return ()
    try:
        return op.body.parts if op.body is not None else ()
    except SpecError:
        return ()


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def load_apis(project: Project, paths: Sequence[Path] = (), *, lazy: bool = False) -> list[Api]:
    """The contract model of ``paths`` (default: every spec of the project).

    With ``lazy``, each operation's parameters, body and responses are read on its first
    request, and a document already read by this process (unchanged) is not read again: a
    whole vendor API is served in about a second, and a broken operation is answered 501
    instead of stopping the mock. Otherwise the first broken operation raises ``SpecError``.
    """
    files = list(paths) or project.spec_files()
    if lazy:
        return [cached_api(path, project.relative(path)) for path in files]
    return [load_api(path, project.relative(path)) for path in files]


def create_app(apis: Sequence[Api], settings: MockSettings | None = None) -> MockApp:
    """The mock of ``apis`` as an ASGI app (also usable in-process via ``.handle``).

    Args:
        apis: the contract model of each spec to serve.
        settings: seed, token, limits and scenarios.

    Example:
        >>> app = create_app(load_apis(Project.discover()), MockSettings(seed=7))
        >>> uvicorn.run(app, host="127.0.0.1", port=8080)
    """
    return MockApp(apis, settings)


__all__ = ["CONTROL_PREFIX", "MockApp", "create_app", "load_apis"]
