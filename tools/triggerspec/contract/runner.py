"""The fuzz runner: Schemathesis cases, sent to any target, judged by the contract checks.

A run is a list of tasks (one operation in one mode). Each task draws cases from
Schemathesis' Hypothesis strategy for the operation, sends them through a ``requests``
session (the embedded mock's in-process adapter, or the network), and runs the checks of
:mod:`triggerspec.contract.checks`. Tasks are independent, so they spread over worker
processes (``workers``) or CI jobs (``shard``). The runner emits events; the CLI renders them.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from triggerspec.contract import har
from triggerspec.contract.checks import CHECKS, Exchange
from triggerspec.contract.mutations import broken_inputs, mutations_for
from triggerspec.contract.request_check import form_fields, request_problems
from triggerspec.contract.safety import MAX_WAIT, Safety
from triggerspec.spec.model import Api, Operation, load_api
from triggerspec.spec.paths import match_segment
from triggerspec.spec.redact import Redactor
from triggerspec.spec.wire import FormError, read_urlencoded

MODES = ("positive", "negative")
SessionFactory = Callable[[], requests.Session]


@dataclass(frozen=True)
class Task:
    """One operation fuzzed in one mode."""

    spec: Path
    operation_id: str
    method: str
    path: str
    mode: str
    side_effects: str

    @property
    def label(self) -> str:
        return f"{self.operation_id} [{self.mode}]"


@dataclass(frozen=True)
class RunConfig:
    """How much to generate and where to send it."""

    base_urls: dict[str, str]
    """API name -> base URL the cases are sent to."""
    auth_headers: dict[str, dict[str, str]]
    """API name -> credentials headers (values are never printed)."""
    session_factory: SessionFactory
    safety: Safety
    max_examples: int = 50
    max_time: float | None = None
    seed: int | None = None
    broken_per_rule: int = 2
    """Explicit negative cases per documented rule (each breaks exactly that rule)."""
    record: bool = False
    """Keep every exchange as a HAR entry (credentials and secret fields masked)."""


@dataclass
class Failure:
    """A contract failure: which check, what, and how to reproduce it."""

    task: str
    check: str
    message: str
    curl: str
    seed: int | None
    status: int | None


@dataclass
class TaskResult:
    """What one task did."""

    task: Task
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    checks_passed: int = 0
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    stopped: str | None = None
    withheld: int = 0
    """Cases not sent: they turned out valid, and the target is real and the operation not safe."""
    har: list[dict[str, Any]] = field(default_factory=list)


class _CheckFailed(Exception):
    def __init__(self, failures: list[tuple[str, str]], case: Any, status: int | None) -> None:
        super().__init__("; ".join(f"{name}: {msg}" for name, msg in failures))
        self.failures = failures
        self.case = case
        self.status = status


class _Stop(Exception):
    """End the task early (time or request budget, or an accepted invalid request)."""


class Budget:
    """A request budget shared by the tasks of one process."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0

    def take(self) -> None:
        if self.limit is not None and self.used >= self.limit:
            raise _Stop(f"request budget of {self.limit} used up")
        self.used += 1


def plan(
    apis: list[Api],
    safety: Safety,
    *,
    operation: str | None = None,
    modes: tuple[str, ...] = MODES,
    shard: tuple[int, int] | None = None,
) -> list[Task]:
    """The tasks of a run, in a stable order, filtered and sharded."""
    tasks = [
        Task(api.document.path, op.operation_id, op.method, op.path, mode, op.side_effects)
        for api in apis
        for op in api.operations
        if operation in (None, op.operation_id)
        for mode in safety.modes_for(op.side_effects, modes)
    ]
    if shard is not None:
        index, count = shard
        tasks = [t for i, t in enumerate(tasks) if i % count == index - 1]
    return tasks


_SCHEMAS: dict[Path, Any] = {}
_APIS: dict[Path, Api] = {}


def _operation(task: Task) -> tuple[Api, Operation, Any]:
    import schemathesis

    if task.spec not in _SCHEMAS:
        _SCHEMAS[task.spec] = schemathesis.openapi.from_path(str(task.spec))
        _APIS[task.spec] = load_api(task.spec)
    api = _APIS[task.spec]
    op = next(o for o in api.operations if o.operation_id == task.operation_id)
    return api, op, _SCHEMAS[task.spec][task.path][task.method]


def _schemathesis_checks(mode: str, status: int, valid: bool) -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        positive_data_acceptance,
        response_schema_conformance,
        status_code_conformance,
    )

    chosen = [not_a_server_error, status_code_conformance, content_type_conformance]
    if 200 <= status < 300:
        chosen.append(response_schema_conformance)
    if mode == "positive" and valid:
        chosen.append(positive_data_acceptance)
    return chosen


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def mask(text: str, secrets: dict[str, str]) -> str:
    """``text`` with every credential value replaced by ``***``.

    A bearer token is masked without its scheme first (``Bearer ***``), in a fixed order, so
    the same text always masks the same way. Values under four characters are left alone:
    replacing them everywhere would garble the text (secret body fields are also masked
    structurally where the body is written).
    """
    parts = {p for value in secrets.values() for p in (value.removeprefix("Bearer "), value)}
    for part in sorted(parts, key=lambda p: (len(p), p)):
        if len(part) >= 4:
            text = text.replace(part, "***")
    return text


def _wait_for_rate_limit(response: requests.Response, reset_header: str | None) -> float | None:
    """Seconds to wait before the next request, when the server says so."""
    if response.status_code == 429:
        value = response.headers.get("retry-after", "1")
        try:
            return float(value)
        except ValueError:
            return 1.0
    if reset_header and response.headers.get("x-ratelimit-remaining") == "0":
        try:
            return float(response.headers.get(reset_header, "1"))
        except ValueError:
            return 1.0
    return None


def run_task(
    task: Task,
    config: RunConfig,
    budget: Budget | None = None,
    on_case: Callable[[Task], None] | None = None,
) -> TaskResult:
    """Fuzz one operation in one mode; never raises for a contract failure."""
    from schemathesis import GenerationMode
    from schemathesis.core.failures import FailureGroup

    started = time.perf_counter()
    result = TaskResult(task)
    budget = budget or Budget(config.safety.max_requests)
    try:
        api, op, sop = _operation(task)
    except Exception as exc:  # a spec Schemathesis cannot read is a usage error of this task
        result.error = f"cannot load {task.spec.name}: {exc}"
        return result
    session = config.session_factory()
    base_url = config.base_urls[api.name]
    headers = config.auth_headers.get(api.name, {})
    if config.record:

        def keep(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            # The body is masked structurally: replacing body values as text inside JSON
            # could match the JSON's own punctuation. Only credentials are masked as text.
            body = _json_of(response.request.body)
            masked_body = None if body is None else json.dumps(_redacted(api, op, body))
            result.har.append(har.entry(response, lambda text: mask(text, headers), masked_body))

        session.hooks["response"].append(keep)
    mode = GenerationMode.POSITIVE if task.mode == "positive" else GenerationMode.NEGATIVE
    strategy = sop.as_strategy(generation_mode=mode)
    deadline = started + config.max_time if config.max_time else None
    replay = config.safety.may_replay and op.operation_id == "runWorkflow"
    guarded = (
        not config.safety.loopback
        and op.side_effects != "none"
        and not (config.safety.allow_side_effects)
    )

    def send(case: Any) -> requests.Response:
        while True:
            budget.take()
            response: requests.Response = case.call(
                base_url=base_url, session=session, headers=headers, timeout=30
            )
            wait = _wait_for_rate_limit(response, api.profile.rate_limit_reset)
            if wait is None or response.status_code != 429:
                if wait:  # the quota is spent: pause before the next case
                    time.sleep(min(wait, MAX_WAIT))
                return response
            if wait > MAX_WAIT:
                raise _Stop(f"rate limited for {wait:.0f}s (over {MAX_WAIT:.0f}s)")
            time.sleep(wait)

    def exercise(case: Any) -> None:
        if deadline is not None and time.perf_counter() > deadline:
            raise _Stop("max-time reached")
        if guarded and not _problems_before_send(api, op, case, base_url, headers):
            # A "negative" case can be valid after all; on a real endpoint it would start a
            # build. It is never sent.
            result.withheld += 1
            return
        response = send(case)
        result.cases += 1
        result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
        if on_case is not None:
            on_case(task)
        failures: list[tuple[str, str]] = []
        sent, body_set = sent_body(op, response.request)
        params = sent_path_parameters(op, base_url, response.request.url or "")
        invalid = request_problems(api, op, params, sent, body_set)
        if params is None:
            invalid.append(f"the URL sent does not match {op.path}")
        checks = _schemathesis_checks(task.mode, response.status_code, not invalid)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.append((_check_name(failure), _failure_text(failure)))
        except AssertionError as exc:
            failures.append(("schemathesis", str(exc)))
        replayed = send(case) if replay and response.status_code == 200 else None
        exchange = Exchange(
            api,
            op,
            task.mode,
            tuple(invalid),
            response.status_code,
            _json(response),
            replayed.status_code if replayed is not None else None,
            _json(replayed) if replayed is not None else None,
            request_body=sent if body_set else None,
        )
        for name, fn in CHECKS.items():
            problem = fn(exchange)
            if problem:
                failures.append((name, problem))
        result.checks_passed += len(checks) + len(CHECKS) - len(failures)
        if failures:
            if not config.safety.loopback and any(
                n == "rejects_invalid_request" for n, _ in failures
            ):
                result.stopped = "an invalid request was accepted by a real endpoint: stopped"
            raise _CheckFailed(failures, case, response.status_code)

    phases = [Phase.explicit, Phase.generate]
    if config.safety.may_replay:
        phases.append(Phase.shrink)
    test = settings(
        max_examples=config.max_examples,
        deadline=None,
        database=None,
        derandomize=config.seed is None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )(given(case=strategy)(exercise))
    if config.seed is not None:
        test = hypothesis_seed(config.seed)(test)
    try:
        test()
        if task.mode == "negative" and config.broken_per_rule > 0:
            # Schemathesis' negative mode reaches a single documented rule only by luck;
            # these cases break exactly one rule each, so every rule is tried every run.
            for case in _broken_cases(api, op, sop, config.broken_per_rule):
                exercise(case)
    except _CheckFailed as failed:
        secrets = {**headers, **_body_secrets(api, op, failed.case.body)}
        curl = mask(
            _redacted_case(api, op, sop, failed.case).as_curl_command(headers=headers), headers
        )
        for name, message in failed.failures:
            result.failures.append(
                Failure(task.label, name, mask(message, secrets), curl, config.seed, failed.status)
            )
    except _Stop as stop:
        result.stopped = str(stop)
    except Exception as exc:  # the target or the generator broke: report, don't crash the run
        result.error = mask(f"{type(exc).__name__}: {exc}", headers)
    result.seconds = time.perf_counter() - started
    return result


def _broken_cases(api: Api, op: Operation, sop: Any, per_rule: int) -> list[Any]:
    """Schemathesis cases that each break exactly one rule the contract model states."""
    from schemathesis.core import NOT_SET

    cases: list[Any] = []
    for mutation in mutations_for(api, op):
        try:
            drawn = _draw(broken_inputs(api, op, mutation), per_rule)
        except Exception:
            continue
        for data in drawn[:per_rule]:
            cases.append(
                sop.Case(
                    path_parameters=dict(data.path),
                    body=data.body if data.body is not None else NOT_SET,
                    media_type=op.body.media_type if op.body is not None else None,
                )
            )
    return cases


def _json_of(body: Any) -> Any:
    try:
        return json.loads(body) if isinstance(body, (bytes, str)) and body else None
    except ValueError:
        return None


def _redacted(api: Api, op: Operation, body: Any) -> Any:
    """The body with every ``x-sensitive`` field replaced by ``***`` (structurally)."""
    if op.body is None or not isinstance(body, (dict, list)):
        return body
    masked, _ = Redactor.from_schemas([api.document.deref(op.body.schema)]).mask(body)
    return masked


def _redacted_case(api: Api, op: Operation, sop: Any, case: Any) -> Any:
    """A copy of ``case`` whose body has its secret fields masked, for the curl line."""
    redacted = _redacted(api, op, case.body)
    if redacted is case.body or redacted == case.body:
        return case
    return sop.Case(
        path_parameters=case.path_parameters,
        headers=case.headers,
        query=case.query,
        body=redacted,
        media_type=case.media_type,
    )


def _body_secrets(api: Api, op: Operation, body: Any) -> dict[str, str]:
    """The values of the body's ``x-sensitive`` fields, to mask in reports.

    Each value is listed as it is and as JSON writes it (non-ASCII escaped), since a curl
    line or a recorded body carries the serialized form.
    """
    if op.body is None or not isinstance(body, (dict, list)):
        return {}
    redactor = Redactor.from_schemas([api.document.deref(op.body.schema)])
    _, hidden = redactor.mask(body)
    forms = {form for value in hidden for form in (value, json.dumps(value)[1:-1])}
    return {f"body-secret-{i}": form for i, form in enumerate(sorted(forms))}


def _draw(strategy: Any, count: int) -> list[Any]:
    """``count`` deterministic draws from a Hypothesis strategy."""
    drawn: list[Any] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


def _problems_before_send(
    api: Api, op: Operation, case: Any, base_url: str, headers: dict[str, str]
) -> list[str]:
    """How the request ``case`` would send breaks the spec, read from the prepared bytes."""
    kwargs = case.as_transport_kwargs(base_url=base_url, headers=headers)
    fields = ("method", "url", "headers", "params", "json", "data", "files", "cookies")
    prepared = requests.Request(**{k: kwargs[k] for k in fields if k in kwargs}).prepare()
    body, body_set = sent_body(op, prepared)
    params = sent_path_parameters(op, base_url, prepared.url or "")
    problems = request_problems(api, op, params, body, body_set)
    return problems if params is not None else [*problems, f"the URL does not match {op.path}"]


def sent_path_parameters(op: Operation, base_url: str, url: str) -> dict[str, str] | None:
    """The path parameters as the URL sent carries them (``None``: it is another path)."""
    path = urlsplit(url).path
    prefix = urlsplit(base_url).path.rstrip("/")
    if not path.startswith(prefix):
        return None
    sent = path[len(prefix) :].split("/")
    template = op.path.split("/")
    if len(sent) != len(template):
        return None
    values: dict[str, str] = {}
    for want, got in zip(template, sent, strict=True):
        found = match_segment(want, unquote(got))
        if found is None:
            return None
        values.update(found)
    return values


def sent_body(op: Operation, prepared: requests.PreparedRequest) -> tuple[Any, bool]:
    """The body as it went on the wire: parsed JSON, or the multipart fields read back."""
    raw = prepared.body
    data = raw if isinstance(raw, bytes) else (raw or "").encode() if raw is not None else b""
    if not data:
        return None, False
    content_type = prepared.headers.get("content-type", "")
    if "multipart/form-data" in content_type:
        return form_fields(content_type, data), True
    form = op.body.media(content_type) if op.body is not None else None
    if form is not None and form.kind == "form":
        try:
            return read_urlencoded(form.schema, data), True
        except FormError:
            return data, True
    try:
        return json.loads(data), True
    except ValueError:
        return data, True  # not JSON: the validator refuses it as the wrong type


# Schemathesis failure classes -> the check that owns them (see contract/checks.py).
_CHECK_OF_FAILURE = {
    "ServerError": "not_a_server_error",
    "UndefinedStatusCode": "status_code_conformance",
    "UndefinedContentType": "content_type_conformance",
    "MissingContentType": "content_type_conformance",
    "MalformedMediaType": "content_type_conformance",
    "JsonSchemaError": "response_schema_conformance",
    "ContentDeserializationError": "response_schema_conformance",
    "RejectedPositiveData": "positive_data_acceptance",
}


def _check_name(failure: Any) -> str:
    name = type(failure).__name__
    return _CHECK_OF_FAILURE.get(name) or getattr(failure, "title", "") or name


def _failure_text(failure: Any) -> str:
    title = getattr(failure, "title", "")
    message = getattr(failure, "message", "") or str(failure)
    return f"{title}: {message}".strip(": ").replace("\n", " ")[:600]


@dataclass
class RunResult:
    """Everything one run did."""

    results: list[TaskResult]
    seconds: float

    @property
    def failures(self) -> list[Failure]:
        return [f for r in self.results for f in r.failures]

    @property
    def errors(self) -> list[str]:
        return [f"{r.task.label}: {r.error}" for r in self.results if r.error]

    @property
    def cases(self) -> int:
        return sum(r.cases for r in self.results)


def _run_in_worker(task: Task, config: RunConfig) -> TaskResult:
    return run_task(task, config)


def run(
    tasks: list[Task],
    config: RunConfig,
    workers: int = 1,
    on_result: Callable[[TaskResult], None] | None = None,
    on_case: Callable[[Task], None] | None = None,
) -> RunResult:
    """Run every task, in this process or across ``workers`` processes."""
    started = time.perf_counter()
    results: list[TaskResult] = []
    if workers <= 1 or len(tasks) <= 1:
        budget = Budget(config.safety.max_requests)
        for task in tasks:
            result = run_task(task, config, budget, on_case)
            results.append(result)
            if on_result is not None:
                on_result(result)
            if result.stopped and not config.safety.loopback:
                break
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_run_in_worker, task, config) for task in tasks]
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                if on_result is not None:
                    on_result(result)
    order = {task: i for i, task in enumerate(tasks)}
    results.sort(key=lambda r: order[r.task])
    return RunResult(results, time.perf_counter() - started)


def iter_summary_rows(result: RunResult) -> Iterator[tuple[str, str, int, str, int, int]]:
    """(operation, mode, cases, statuses, checks passed, failures) per task."""
    for r in result.results:
        statuses = " ".join(f"{k}x{v}" for k, v in sorted(r.statuses.items()))
        yield (
            r.task.operation_id,
            r.task.mode,
            r.cases,
            statuses,
            r.checks_passed,
            len(r.failures),
        )


def environ_credentials(api: Api, environ: dict[str, str] | None = None) -> dict[str, str] | None:
    """Auth headers for ``api`` from its schemes' environment variables, if any option is set."""
    env = os.environ if environ is None else environ
    options = sorted({req for op in api.operations for req in op.security})
    for option in options:
        headers: dict[str, str] = {}
        for name in option:
            scheme = api.schemes[name]
            value = next((env[v] for v in scheme.env if env.get(v)), None)
            if value is None:
                break
            headers[scheme.header] = f"Bearer {value}" if scheme.kind == "bearer" else value
        else:
            return headers
    return None


def dummy_credentials(api: Api) -> dict[str, str]:
    """Well-formed credentials for a mock, which accepts any."""
    option = sorted({req for op in api.operations for req in op.security})[0]
    return {
        api.schemes[n].header: "Bearer triggerspec-fuzz"
        if api.schemes[n].kind == "bearer"
        else ("fuzz@example.com" if "mail" in api.schemes[n].header.lower() else "triggerspec-fuzz")
        for n in option
    }


def with_seed(config: RunConfig, seed: int | None) -> RunConfig:
    """The same config with another seed."""
    return replace(config, seed=seed)


def to_json(result: RunResult) -> str:
    """The run as JSON (for machines; credentials are already masked)."""
    return json.dumps(
        {
            "seconds": round(result.seconds, 3),
            "cases": result.cases,
            "tasks": [
                {
                    "operation": r.task.operation_id,
                    "mode": r.task.mode,
                    "cases": r.cases,
                    "statuses": r.statuses,
                    "checks_passed": r.checks_passed,
                    "failures": [f.__dict__ for f in r.failures],
                    "error": r.error,
                    "stopped": r.stopped,
                }
                for r in result.results
            ],
        },
        indent=2,
    )
