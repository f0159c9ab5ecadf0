"""Client contract checks: the generated clients against the specs, with nothing on the wire.

For every operation the check draws spec-valid inputs (:mod:`triggerspec.contract.strategies`),
calls the generated client (sync and async) through an ``httpx.MockTransport`` that records
the request, and judges what was captured with its own reading of the spec: the method, the
path with every parameter escaped so the server sees the same value, the credential headers,
and the JSON or multipart body, validated by
:func:`triggerspec.contract.request_check.request_problems`. The transport answers with a
body drawn from the success schema (the client must return its typed result) or from an
error schema (the client must raise the status's error class with the vendor envelope
parsed).

Then every documented rule is broken one at a time (:mod:`triggerspec.contract.mutations`),
and the client must refuse before sending, with a message naming the field.

Example:
    >>> report = check_clients(Project.discover(), max_examples=20)
    >>> for row in report.rows(): print(*row)
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import re
import time
import typing
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from pydantic import BaseModel

from triggerspec.contract.mutations import Mutation, broken_inputs, mutations_for
from triggerspec.contract.request_check import FormPart, form_parts, request_problems
from triggerspec.contract.strategies import (
    TRICKY_SEGMENTS,
    Json,
    RequestInput,
    request_inputs,
    satisfies,
    value_strategy,
)
from triggerspec.project import Project
from triggerspec.runtime import AsyncAPIClient, SyncAPIClient
from triggerspec.runtime.auth import add_credential, split_credentials
from triggerspec.runtime.errors import (
    APIStatusError,
    RequestValidationError,
    UnsuccessfulResponseError,
    status_error_class,
)
from triggerspec.spec.model import Api, Operation, load_api
from triggerspec.spec.naming import PythonIdentifier
from triggerspec.spec.paths import match_segment
from triggerspec.spec.validate import violations

__all__ = [
    "ClientContractReport",
    "ClientFailure",
    "OperationReport",
    "check_clients",
    "check_operation",
    "check_request",
]

_STATUSES = {
    "4XX": (400, 401, 403, 404, 409, 422, 429),
    "5XX": (500, 502, 503),
    "default": (400, 404, 409, 422, 429, 500, 503),
}


def _kwargs(op: Operation, data: RequestInput) -> dict[str, Any]:
    """The generated method's keyword arguments for one call's inputs."""
    args: dict[str, Any] = {PythonIdentifier(k): v for k, v in data.path.items()}
    for name, value in (data.body or {}).items():
        as_bool = name in data.as_bool and value in ("true", "false")
        args[PythonIdentifier(name)] = value == "true" if as_bool else value
    return args


# -- checking a captured request ------------------------------------------------------------


def check_request(
    api: Api,
    op: Operation,
    request: httpx.Request,
    sent: RequestInput,
    credentials: Mapping[str, str],
) -> list[str]:
    """Every way a captured request differs from what the spec says the inputs must produce.

    ``credentials`` maps each scheme of the auth option in use to its bare value (a bearer
    token, a basic ``user:password``, an apiKey). Checked independently of the client:
    method, scheme/host, the path (every parameter comes back unchanged after unescaping),
    no query string, auth headers, content type, and the body (equal to the inputs and valid
    by :func:`request_problems`).
    """
    problems: list[str] = []
    if request.method != op.method:
        problems.append(f"method is {request.method}, the spec says {op.method}")
    base = urlsplit(api.base_url)
    if (request.url.scheme, request.url.host) != (base.scheme, base.hostname):
        problems.append(f"sent to {request.url.scheme}://{request.url.host}, not {api.base_url}")
    auth_query = {api.schemes[n].header for n in credentials if api.schemes[n].kind == "query"}
    problems += _path_problems(
        api, op, request.url.raw_path.decode("ascii"), sent.path, frozenset(auth_query)
    )
    problems += _auth_problems(api, request, credentials)
    if op.body is not None and sent.body is not None:
        problems += _body_problems(api, op, request, sent)
    return problems


def _path_problems(
    api: Api, op: Operation, raw: str, values: Mapping[str, str | int], auth_query: frozenset[str]
) -> list[str]:
    path, _, query = raw.partition("?")
    extra = [q for q in query.split("&") if q and unquote(q.partition("=")[0]) not in auth_query]
    problems = [f"query string {'&'.join(extra)!r} is not in the spec"] if extra else []
    prefix = urlsplit(api.base_url).path.rstrip("/")
    if not path.startswith(prefix + "/"):
        return [*problems, f"path {path!r} does not start with the base path {prefix!r}"]
    got = path[len(prefix) :].split("/")
    template = op.path.split("/")
    if len(got) != len(template):
        return [*problems, f"path {path!r} does not have the shape of {op.path!r}: {values}"]
    for segment, expected in zip(got, template, strict=True):
        found = match_segment(expected, unquote(segment))
        if found is None:
            problems.append(f"path segment {segment!r} does not match {expected!r}")
            continue
        for name, arrived in found.items():
            if arrived != str(values.get(name)):
                problems.append(
                    f"path parameter {name}: {values.get(name)!r} arrives as {arrived!r}"
                )
    return problems


def _auth_problems(api: Api, request: httpx.Request, credentials: Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    expected: dict[str, str] = {}
    for name, value in credentials.items():
        scheme = api.schemes[name]
        add_credential(expected, scheme.kind, scheme.header, value)
    headers, query = split_credentials(expected)
    for name, value in headers.items():
        got = request.headers.get_list(name)
        if got != [value]:
            shown = "missing" if not got else f"{len(got)} value(s), not the credential"
            problems.append(f"auth header {name} is {shown}")
    params = request.url.params
    for name, value in query.items():
        if params.get_list(name) != [value]:
            problems.append(f"auth query parameter {name} is missing or not the credential")
    chosen = {n.lower() for n in headers}
    for scheme in api.schemes.values():
        if scheme.location == "header" and scheme.header.lower() not in chosen:
            if scheme.header in request.headers:
                problems.append(f"auth header {scheme.header} is sent but was not configured")
        elif scheme.kind == "query" and scheme.header not in query and scheme.header in params:
            problems.append(f"auth query parameter {scheme.header} is sent but was not configured")
    return problems


def _body_problems(
    api: Api, op: Operation, request: httpx.Request, sent: RequestInput
) -> list[str]:
    assert op.body is not None and sent.body is not None
    content_type = request.headers.get("content-type", "")
    if not op.body.is_multipart:
        if content_type.split(";")[0].strip() != "application/json":
            return [f"content type is {content_type!r}, not application/json"]
        try:
            body = json.loads(request.content)
        except ValueError:
            return ["the body is not JSON"]
        problems = [] if body == sent.body else [f"body {_short(body)} differs from the inputs"]
    else:
        parts, problems = form_parts(content_type, request.content)
        body = {}
        for part in parts:
            body[part.name] = part.value
            problems += _part_problems(op, part)
        if body != sent.body:
            problems.append(f"form fields {_short(body)} differ from the inputs")
    invalid = request_problems(api, op, sent.path, body, True)
    return problems + [f"the body breaks the spec: {p}" for p in invalid]


def _part_problems(op: Operation, part: FormPart) -> list[str]:
    assert op.body is not None
    spec = next((p for p in op.body.parts if p.name == part.name), None)
    if spec is None:
        return [f"form field {part.name} is not in the spec"]
    if spec.is_file != (part.filename is not None):
        kind = "a file part" if spec.is_file else "a text field"
        return [f"form field {part.name} should be {kind}"]
    if spec.is_file and spec.content_type:
        allowed = [t.strip() for t in spec.content_type.split(",")]
        got = (part.content_type or "").split(";")[0].strip()
        if got not in allowed:
            return [f"file part {part.name} has content type {got!r}, not one of {allowed}"]
    return []


# -- the check itself -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClientFailure:
    """A contract failure of a generated client, with the inputs that show it."""

    operation_id: str
    check: str
    client: str
    message: str
    example: str

    def __str__(self) -> str:
        head = f"{self.operation_id} [{self.client}] {self.check}: {self.message}"
        return f"{head}\n    with {self.example}"


@dataclass
class OperationReport:
    """What the client contract check did for one operation."""

    api: str
    operation_id: str
    cases: int = 0
    checks_passed: int = 0
    mutations: int = 0
    failures: list[ClientFailure] = field(default_factory=list)
    failure_count: int = 0
    seconds: float = 0.0
    error: str | None = None

    def row(self) -> tuple[str, int, int, int, int]:
        """(operation, cases, mutations, checks passed, failures)."""
        failed = self.failure_count + (1 if self.error else 0)
        return (self.operation_id, self.cases, self.mutations, self.checks_passed, failed)


@dataclass
class ClientContractReport:
    """The client contract check of every operation."""

    operations: list[OperationReport]
    seconds: float

    @property
    def ok(self) -> bool:
        return not any(r.failure_count or r.error for r in self.operations)

    @property
    def failures(self) -> list[ClientFailure]:
        return [f for r in self.operations for f in r.failures]

    @property
    def cases(self) -> int:
        return sum(r.cases for r in self.operations)

    def rows(self) -> list[tuple[str, int, int, int, int]]:
        """One row per operation: (operation, cases, mutations, checks passed, failures)."""
        return [r.row() for r in self.operations]


MAX_SHOWN = 3
"""Failures kept per (check, client) in a report; the rest are only counted."""


class _Recorder:
    """An ``httpx.MockTransport`` handler: records each request, answers with ``reply``."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.reply: tuple[int, Json] = (200, {})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.reply
        return httpx.Response(status, json=body, headers={"content-type": "application/json"})


@dataclass
class _Clients:
    module: ModuleType
    sync_cls: type[SyncAPIClient]
    async_cls: type[AsyncAPIClient]
    method: str
    result_type: Any
    parameters: frozenset[str]
    recorder: _Recorder
    loop: asyncio.AbstractEventLoop
    made: dict[tuple[str, ...], tuple[SyncAPIClient, AsyncAPIClient]] = field(default_factory=dict)
    warned: list[type[Warning]] = field(default_factory=list)
    """The warning categories of the last call."""

    def pair(self, option: tuple[str, ...]) -> tuple[SyncAPIClient, AsyncAPIClient]:
        if option not in self.made:
            args: dict[str, Any] = {
                self.module.API.schemes[n].argument: _credential(n) for n in option
            }
            args.update(environ={}, max_retries=0, transport=httpx.MockTransport(self.recorder))
            self.made[option] = (self.sync_cls(**args), self.async_cls(**args))
        return self.made[option]

    def close(self) -> None:
        for sync, asynchronous in self.made.values():
            sync.close()
            self.loop.run_until_complete(asynchronous.close())


def _credential(scheme: str) -> str:
    return "contract@example.com" if "mail" in scheme else f"ts-{scheme}-Zk9_q.1~x"


def _load_clients(
    api: Api, op: Operation, package: str, loop: asyncio.AbstractEventLoop
) -> _Clients:
    module = importlib.import_module(f"{package}.{PythonIdentifier(api.name)}.client")
    classes = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and getattr(v, "api", None) is module.API
    ]
    sync_cls = next(c for c in classes if issubclass(c, SyncAPIClient))
    async_cls = next(c for c in classes if issubclass(c, AsyncAPIClient))
    method = PythonIdentifier(op.operation_id)
    hints = typing.get_type_hints(getattr(sync_cls, method))
    parameters = frozenset(inspect.signature(getattr(sync_cls, method)).parameters)
    return _Clients(
        module, sync_cls, async_cls, method, hints["return"], parameters, _Recorder(), loop
    )


class _Run:
    """One operation's check: counts, and failures kept up to :data:`MAX_SHOWN` per check."""

    def __init__(self, report: OperationReport) -> None:
        self.report = report
        self.shown: dict[tuple[str, str], int] = {}
        self.first: tuple[RequestInput, Json, tuple[str, ...]] | None = None
        """The first valid exchange, the base of the escaping pass."""

    def verdict(self, check: str, client: str, problems: Sequence[str], example: Any) -> None:
        if not problems:
            self.report.checks_passed += 1
            return
        self.report.failure_count += 1
        key = (check, client)
        self.shown[key] = self.shown.get(key, 0) + 1
        if self.shown[key] <= MAX_SHOWN:
            self.report.failures.append(
                ClientFailure(
                    self.report.operation_id, check, client, "; ".join(problems), _short(example)
                )
            )


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_operation(
    api: Api,
    op: Operation,
    *,
    max_examples: int = 20,
    mutation_examples: int = 4,
    seed: int | None = None,
    package: str = "triggerspec_clients",
) -> OperationReport:
    """Check the generated sync and async clients of one operation (see the module docstring).

    Args:
        api: the contract model of the operation's spec.
        op: the operation.
        max_examples: drawn (inputs, response) pairs; each is sent by both clients.
        mutation_examples: valid inputs each mutation is applied to.
        seed: the Hypothesis seed (``None``: derandomized, the same draws every run).
        package: the importable package the clients were generated into.
    """
    started = time.perf_counter()
    report = OperationReport(api.name, op.operation_id)
    loop = asyncio.new_event_loop()
    try:
        clients = _load_clients(api, op, package, loop)
    except (ImportError, AttributeError, StopIteration, KeyError, NameError) as exc:
        report.error = f"no generated client for {api.name}.{op.operation_id}: {exc!r}"
        loop.close()
        return report
    run = _Run(report)
    try:
        _exchanges(api, op, clients, run, _settings(max_examples, seed))
        for mutation in mutations_for(api, op):
            report.mutations += 1
            examples = 1 if mutation.kind == "too-large" else mutation_examples
            _refusals(api, op, clients, run, mutation, _settings(examples, seed))
    finally:
        clients.close()
        loop.close()
    report.seconds = time.perf_counter() - started
    return report


def _settings(
    max_examples: int, seed: int | None
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    chosen = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )

    def apply(test: Callable[..., None]) -> Callable[..., None]:
        test = chosen(test)
        return hypothesis_seed(seed)(test) if seed is not None else test

    return apply


def _call(clients: _Clients, client: str, option: tuple[str, ...], kwargs: dict[str, Any]) -> Any:
    sync, asynchronous = clients.pair(option)
    if client == "sync":
        return getattr(sync, clients.method)(**kwargs)
    return clients.loop.run_until_complete(getattr(asynchronous, clients.method)(**kwargs))


def _options(clients: _Clients) -> st.SearchStrategy[tuple[str, ...]]:
    return st.sampled_from(list(clients.module.API.security))


def _exchanges(
    api: Api, op: Operation, clients: _Clients, run: _Run, configure: Callable[..., Any]
) -> None:
    success = op.success
    success_schema = api.document.deref(success.schema) if success.schema else {}
    replies = value_strategy(success_schema, open_objects=True).filter(satisfies(success_schema))
    errors = _error_replies(api, op)
    envelope = api.envelope

    @configure
    @given(data=request_inputs(api, op), reply=replies, error=errors, option=_options(clients))
    def exchange(
        data: RequestInput, reply: Json, error: tuple[int, Json] | None, option: tuple[str, ...]
    ) -> None:
        run.report.cases += 1
        run.first = run.first or (data, reply, option)
        kwargs = _kwargs(op, data)
        unknown = sorted(set(kwargs) - clients.parameters)
        if unknown:
            run.verdict(
                "arguments", "sync", [f"the client has no argument {', '.join(unknown)}"], data
            )
            return
        credentials = {n: _credential(n) for n in option}
        failed = envelope.failed(reply)
        for client in ("sync", "async"):
            clients.recorder.requests.clear()
            clients.recorder.reply = (int(success.status), reply)
            outcome = _outcome(clients, client, option, kwargs)
            sent = clients.recorder.requests
            if len(sent) != 1:
                run.verdict(
                    "request", client, [f"{len(sent)} requests sent, expected 1 ({outcome})"], data
                )
                continue
            run.verdict("request", client, check_request(api, op, sent[0], data, credentials), data)
            if op.deprecated:
                warned = any(issubclass(w, DeprecationWarning) for w in clients.warned)
                missing = [] if warned else [f"calling deprecated {op.operation_id} did not warn"]
                run.verdict("deprecation", client, missing, data)
            if failed:
                expected: Any = UnsuccessfulResponseError
                problems = (
                    []
                    if isinstance(outcome, expected)
                    else [f"a 2xx with {envelope.success_flag}: false gave {outcome!r}"]
                )
            else:
                problems = _typed(outcome, clients.result_type)
            run.verdict("response", client, problems, reply)
            if error is not None:
                clients.recorder.reply = error
                run.verdict(
                    "error-response",
                    client,
                    _raised(_outcome(clients, client, option, kwargs), error[0]),
                    error,
                )

    exchange()
    if run.first is not None:
        _escapes(api, op, clients, run, *run.first)


def _escapes(
    api: Api,
    op: Operation,
    clients: _Clients,
    run: _Run,
    data: RequestInput,
    reply: Json,
    option: tuple[str, ...],
) -> None:
    """Every path parameter set to each value a client must escape, on every run.

    Random draws reach ``..`` only sometimes; a URL library that rewrites it (dot segments)
    would send the request to another resource, so each value is tried deterministically.
    """
    credentials = {n: _credential(n) for n in option}
    clients.recorder.reply = (int(op.success.status), reply)
    for param in op.path_parameters:
        schema = api.document.deref(param.schema)
        for value in (v for v in TRICKY_SEGMENTS if not violations(schema, v)):
            tricky = replace(data, path={**data.path, param.name: value})
            run.report.cases += 1
            for client in ("sync", "async"):
                clients.recorder.requests.clear()
                outcome = _outcome(clients, client, option, _kwargs(op, tricky))
                sent = clients.recorder.requests
                problems = (
                    check_request(api, op, sent[0], tricky, credentials)
                    if len(sent) == 1
                    else [f"{len(sent)} requests sent, expected 1 ({outcome!r})"]
                )
                run.verdict("request", client, problems, tricky)


def _outcome(
    clients: _Clients, client: str, option: tuple[str, ...], kwargs: dict[str, Any]
) -> Any:
    """What the call returned or raised (its warnings are kept in ``clients.warned``)."""
    with warnings.catch_warnings(record=True) as caught:
        # A deprecated operation warns on purpose; callers may run with warnings as errors.
        warnings.simplefilter("always")
        try:
            return _call(clients, client, option, kwargs)
        except Exception as exc:  # the outcome is judged by the caller, whatever it is
            return exc
        finally:
            clients.warned = [w.category for w in caught]


def _typed(outcome: Any, expected: Any) -> list[str]:
    if isinstance(outcome, BaseException):
        return [f"a spec-valid response was not accepted: {type(outcome).__name__}: {outcome}"]
    try:
        ok = isinstance(outcome, expected)
    except TypeError:  # a subscripted generic: fall back to the model check
        ok = isinstance(outcome, BaseModel)
    return [] if ok else [f"returned {type(outcome).__name__}, not {expected}"]


def _raised(outcome: Any, status: int) -> list[str]:
    expected = status_error_class(status)
    if type(outcome) is not expected:
        return [f"a spec-valid {status} gave {outcome!r}, not {expected.__name__}"]
    assert isinstance(outcome, APIStatusError)
    if not isinstance(outcome.envelope, BaseModel):
        return [f"the {status} envelope did not parse into its model: {_short(outcome.envelope)}"]
    return []


def _error_replies(api: Api, op: Operation) -> st.SearchStrategy[tuple[int, Json] | None]:
    choices: list[st.SearchStrategy[tuple[int, Json] | None]] = []
    for response in op.error_responses:
        if response.schema is None:
            continue
        schema = api.document.deref(response.schema)
        statuses = _STATUSES.get(response.status) or (int(response.status),)
        body = value_strategy(schema, open_objects=True).filter(satisfies(schema))
        choices.append(st.tuples(st.sampled_from(statuses), body))
    return st.one_of(*choices) if choices else st.none()


def _refusals(
    api: Api,
    op: Operation,
    clients: _Clients,
    run: _Run,
    mutation: Mutation,
    configure: Callable[..., Any],
) -> None:
    check = f"refuses {mutation.label}"

    @configure
    @given(broken=broken_inputs(api, op, mutation), option=_options(clients))
    def refuse(broken: RequestInput, option: tuple[str, ...]) -> None:
        run.report.cases += 1
        kwargs = _kwargs(op, broken)
        for client in ("sync", "async"):
            clients.recorder.requests.clear()
            outcome = _outcome(clients, client, option, kwargs)
            problems: list[str] = []
            if clients.recorder.requests:
                problems.append("the request was sent")
            if not isinstance(outcome, RequestValidationError):
                problems.append(f"not refused with RequestValidationError: {outcome!r}")
            else:
                missing = [n for n in mutation.names if not _names(str(outcome), n)]
                if missing:
                    problems.append(f"the refusal does not name {', '.join(missing)}: {outcome}")
            run.verdict(check, client, problems, _masked(broken))

    refuse()


def _masked(data: RequestInput) -> RequestInput:
    """Large file contents shortened for a report."""
    body = {
        k: (v[:16] + b"..." if isinstance(v, bytes) and len(v) > 64 else v)
        for k, v in (data.body or {}).items()
    }
    return replace(data, body=body if data.body is not None else None)


def _names(message: str, name: str) -> bool:
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", message) is not None


def check_clients(
    project: Project,
    *,
    max_examples: int = 20,
    mutation_examples: int = 4,
    seed: int | None = None,
    operation: str | None = None,
    package: str = "triggerspec_clients",
    apis: Sequence[Api] | None = None,
    on_result: Callable[[OperationReport], None] | None = None,
) -> ClientContractReport:
    """Check the generated clients of every operation of ``project``.

    Args:
        project: the project whose specs the clients were generated from.
        max_examples: drawn (inputs, response) pairs per operation, each sent sync and async.
        mutation_examples: valid inputs each single-rule mutation is applied to.
        seed: the Hypothesis seed (``None``: derandomized).
        operation: check only this operationId.
        package: the importable package holding the generated clients.
        apis: the contract model, when the caller has already parsed the specs.
        on_result: called with each operation's report as it finishes (progress).

    Example:
        >>> report = check_clients(Project.discover(), max_examples=10)
        >>> report.rows()[0]  # (operation, cases, mutations, checks passed, failures)
        ('createDeployment', 41, 5, 122, 0)
    """
    started = time.perf_counter()
    models = (
        list(apis)
        if apis is not None
        else [load_api(path, project.relative(path)) for path in project.spec_files()]
    )
    reports: list[OperationReport] = []
    for api in models:
        for op in api.operations:
            if operation not in (None, op.operation_id):
                continue
            report = check_operation(
                api,
                op,
                max_examples=max_examples,
                mutation_examples=mutation_examples,
                seed=seed,
                package=package,
            )
            reports.append(report)
            if on_result is not None:
                on_result(report)
    return ClientContractReport(reports, time.perf_counter() - started)
