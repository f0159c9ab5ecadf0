"""One task of a fuzz run: Schemathesis cases for one operation in one mode, each sent once.

Hypothesis draws the cases; each request is prepared once, its bytes judged with
triggerspec's own validator (and, on a real endpoint, with the vendor's view of the rules:
a side-effect case the vendor would act on is withheld), sent, and its answer judged by
the checks of :mod:`triggerspec.contract.checks`.

Every case is sent once. Hypothesis never sees a failure (it would replay the example, and
shrink it: a second build); the first failing exchange is recorded with its curl line and
the task ends. There is no example database. Rate limits are waited out within
:data:`~triggerspec.contract.safety.MAX_WAIT` and the run's ``max_time``; a request that
takes longer than ``request_timeout`` is a failure of its case.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable

from triggerspec.contract import har, interrupt
from triggerspec.contract.checks import CHECKS, Exchange
from triggerspec.contract.mutations import broken_inputs, mutations_for
from triggerspec.contract.ratelimit import RATE_LIMITED_BACKOFF, wait_for
from triggerspec.contract.request_check import request_problems, vendor_problems
from triggerspec.contract.safety import MAX_RATE_LIMITED, MAX_WAIT
from triggerspec.contract.tasks import Budget, Failure, RunConfig, StopTask, Task, TaskResult
from triggerspec.contract.wire import (
    body_schema,
    body_secrets,
    json_of,
    mask,
    prepare,
    redacted,
    redacted_case,
    response_schemas,
    sent_body,
    sent_path_parameters,
)
from triggerspec.runtime.auth import split_credentials
from triggerspec.spec.cache import cached_api
from triggerspec.spec.cut import cut_document
from triggerspec.spec.model import Api, Operation

_SCHEMAS: dict[tuple[Path, str, str], Any] = {}


def _operation(task: Task) -> tuple[Api, Operation, Any]:
    import schemathesis

    api = cached_api(task.spec, task.display)
    op = next(o for o in api.operations if o.operation_id == task.operation_id)
    op.detail  # noqa: B018 - an operation the spec leaves broken fails its task here
    key = (task.spec, task.path, task.method)
    if key not in _SCHEMAS:
        # Schemathesis reads the document every tool reads (files joined, 3.0 normalised),
        # cut to this operation and the components it reaches: handed a whole vendor API,
        # it would spend its time on every other operation.
        small = cut_document(api.document.raw, [(task.path, task.method)])
        if len(_SCHEMAS) >= 256:
            _SCHEMAS.clear()
        _SCHEMAS[key] = schemathesis.openapi.from_dict(small)
    return api, op, _SCHEMAS[key][task.path][task.method]


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


NOTHING_TO_BREAK = "Schemathesis could make no invalid request from the schema"
"""Why a negative task drew no case of Schemathesis' (the rules the contract model states
are still broken one by one)."""


class _TaskDone(Exception):
    """Raised out of a Hypothesis test once its task is done, so no more cases are drawn."""


class _TaskRun:
    """The state of one task while Hypothesis drives it: one send per case, first failure wins."""

    def __init__(
        self,
        task: Task,
        config: RunConfig,
        budget: Budget,
        on_case: Callable[[Task], None] | None,
    ) -> None:
        self.task = task
        self.config = config
        self.budget = budget
        self.on_case = on_case
        self.result = TaskResult(task)
        self.api, self.op, self.sop = _operation(task)
        self.session = config.session_factory()
        self.base_url = config.base_urls[self.api.name]
        self.credentials = config.auth_headers.get(self.api.name, {})
        self.headers, self.auth_query = split_credentials(self.credentials)
        self.done = False
        self.guarded = config.safety.guards(self.op.side_effects)
        self.replay = config.safety.may_replay and self.op.stateful.dedup is not None
        if config.record:
            self.session.hooks["response"].append(self._keep)

    # -- reports ------------------------------------------------------------------------------

    def _secrets(self, body: Any) -> dict[str, str]:
        return {**self.credentials, **body_secrets(self.api, self.op, body)}

    def _keep(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        # Bodies are masked structurally (text replacement inside JSON could match its
        # punctuation), then every credential and secret value sent is masked as text, in
        # the request and in the response (a server may echo what it got).
        sent = json_of(response.request.body)
        secrets = self._secrets(sent)
        request_body = (
            None if sent is None else json.dumps(redacted(body_schema(self.api, self.op), sent))
        )
        answer = json_of(response.content)
        response_body = None
        if answer is not None:
            for schema in response_schemas(self.api, self.op):
                answer = redacted(schema, answer)
            response_body = json.dumps(answer)
        self.result.har.append(
            har.entry(response, lambda text: mask(text, secrets), request_body, response_body)
        )

    def _fail(self, case: Any, failures: list[tuple[str, str]], status: int | None) -> None:
        secrets = self._secrets(case.body)
        curl = mask(
            redacted_case(self.api, self.op, self.sop, case).as_curl_command(
                headers=self.headers, base_url=self.base_url
            ),
            secrets,
        )
        for name, message in failures:
            self.result.failures.append(
                Failure(
                    self.task.label, name, mask(message, secrets), curl, self.config.seed, status
                )
            )
        self.done = True

    # -- sending ------------------------------------------------------------------------------

    def _before_send(self) -> None:
        if interrupt.stopping():
            self.result.interrupted = True
            raise StopTask("interrupted")
        if self.config.deadline is not None and time.time() >= self.config.deadline:
            raise StopTask("max-time reached")

    def _pause(self, seconds: float, why: str) -> None:
        if seconds > MAX_WAIT:
            raise StopTask(f"rate limited: asked to wait {seconds:.0f}s (over {MAX_WAIT:.0f}s)")
        deadline = self.config.deadline
        if deadline is not None and time.time() + seconds > deadline:
            raise StopTask(f"max-time reached (the server asked to wait {seconds:g}s: {why})")
        if interrupt.pause(seconds):
            self.result.interrupted = True
            raise StopTask("interrupted")

    def _timeout(self) -> float:
        timeout = self.config.request_timeout
        if self.config.deadline is not None:
            timeout = min(timeout, max(self.config.deadline - time.time(), 0.05))
        return timeout

    def send(self, prepared: requests.PreparedRequest) -> requests.Response:
        """Send once; re-send only after a 429 (never acted on), a bounded number of times."""
        for attempt in range(MAX_RATE_LIMITED + 1):
            self._before_send()
            self.budget.take()
            response = self.session.send(
                prepared.copy(), timeout=self._timeout(), allow_redirects=False
            )
            asked = wait_for(response.status_code, response.headers, self.api.envelope.rate_limit)
            if asked is None:
                return response
            if not asked.rate_limited:
                # The quota is spent: this answer stands, the next case waits for the reset.
                self._pause(min(asked.seconds or 0.0, MAX_WAIT), asked.reason)
                return response
            self.result.rate_limited += 1
            if attempt == MAX_RATE_LIMITED:
                break
            seconds = asked.seconds
            if seconds is None:
                seconds = RATE_LIMITED_BACKOFF[min(attempt, len(RATE_LIMITED_BACKOFF) - 1)]
            self._pause(seconds, asked.reason)
        raise StopTask(f"rate limited: {MAX_RATE_LIMITED + 1} answers of 429 for one case")

    # -- one case -----------------------------------------------------------------------------

    def exercise(self, case: Any) -> None:
        """Judge, send and check one case; never raises (Hypothesis would replay it)."""
        if self.done:
            return
        try:
            self._exercise(case)
        except StopTask as stop:
            self.result.stopped = str(stop)
            self.done = True
        except requests.Timeout:
            timeout = f"{self.config.request_timeout:g}s"
            self._fail(case, [("request_timeout", f"no answer within {timeout}")], None)
        except Exception as exc:  # the target or the generator broke: report it, stop the task
            self.result.error = mask(f"{type(exc).__name__}: {exc}", self._secrets(case.body))
            self.done = True

    def _exercise(self, case: Any) -> None:
        from schemathesis.core.failures import FailureGroup

        self._before_send()
        api, op = self.api, self.op
        prepared = prepare(case, self.session, self.base_url, self.headers, self.auth_query)
        sent, body_set = sent_body(op, prepared)
        params = sent_path_parameters(op, self.base_url, prepared.url or "")
        invalid = request_problems(api, op, params, sent, body_set)
        if params is None:
            invalid.append(f"the URL sent does not match {op.path}")
        if (
            self.guarded
            and params is not None
            and not vendor_problems(api, op, params, sent, body_set)
        ):
            # The vendor would act on this "negative" case (it breaks no rule the vendor
            # enforces): on a real endpoint it would start a build. It is never sent.
            self.result.withheld += 1
            return
        response = self.send(prepared)
        self.result.cases += 1
        status = response.status_code
        self.result.statuses[status] = self.result.statuses.get(status, 0) + 1
        if self.on_case is not None:
            self.on_case(self.task)
        failures: list[tuple[str, str]] = []
        checks = _schemathesis_checks(self.task.mode, status, not invalid)
        try:
            case.validate_response(
                response,
                checks=checks,
                headers=self.headers,
                transport_kwargs={"base_url": self.base_url},
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.append((_check_name(failure), _failure_text(failure)))
        except AssertionError as exc:
            failures.append(("schemathesis", str(exc)))
        replayed = self.send(prepared) if self.replay and status == 200 else None
        exchange = Exchange(
            api,
            op,
            self.task.mode,
            tuple(invalid),
            status,
            _json(response),
            replayed.status_code if replayed is not None else None,
            _json(replayed) if replayed is not None else None,
            request_body=sent if body_set else None,
        )
        for name, fn in CHECKS.items():
            problem = fn(exchange)
            if problem:
                failures.append((name, problem))
        self.result.checks_passed += len(checks) + len(CHECKS) - len(failures)
        if failures:
            if self.config.safety.real and any(n == "rejects_invalid_request" for n, _ in failures):
                self.result.stopped = "an invalid request was accepted by a real endpoint: stopped"
            self._fail(case, failures, status)


def run_task(
    task: Task,
    config: RunConfig,
    budget: Budget | None = None,
    on_case: Callable[[Task], None] | None = None,
) -> TaskResult:
    """Fuzz one operation in one mode; never raises for a contract failure.

    Each case is sent once: Hypothesis runs only its explicit and generate phases (no
    shrinking, no replay of a failing example, no example database), and the first failing
    exchange ends the task with its report.
    """
    from schemathesis import GenerationMode

    started = time.perf_counter()
    if config.deadline is None and config.max_time is not None:
        config = replace(config, deadline=time.time() + config.max_time)
    budget = budget or Budget(config.safety.max_requests)
    try:
        state = _TaskRun(task, config, budget, on_case)
    except Exception as exc:  # a spec Schemathesis cannot read is a usage error of this task
        result = TaskResult(task)
        result.error = f"cannot load {task.spec.name}: {exc}"
        return result
    result = state.result
    mode = GenerationMode.POSITIVE if task.mode == "positive" else GenerationMode.NEGATIVE
    strategy = state.sop.as_strategy(generation_mode=mode)

    def one_case(case: Any) -> None:
        state.exercise(case)
        if state.done:
            # Nothing more will be sent (a failure, max-time, the budget): stop drawing
            # cases. Hypothesis runs this case once more to report it; exercise() sends
            # nothing for a done task, so that run only raises again.
            raise _TaskDone

    test = settings(
        max_examples=config.max_examples,
        deadline=None,
        database=None,
        derandomize=config.seed is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )(given(case=strategy)(one_case))
    if config.seed is not None:
        test = hypothesis_seed(config.seed)(test)
    try:
        try:
            with contextlib.suppress(_TaskDone):
                test()
        except Unsatisfiable:
            if task.mode != "negative" or result.cases:
                raise
            # Every request Schemathesis can make is valid (say, one unconstrained string
            # in the path and no body): it has nothing to break here.
            result.stopped = NOTHING_TO_BREAK
        if task.mode == "negative" and config.broken_per_rule > 0 and not state.done:
            # Schemathesis' negative mode reaches a single documented rule only by luck;
            # these cases break exactly one rule each, so every rule is tried every run.
            for case in _broken_cases(state.api, state.op, state.sop, config.broken_per_rule):
                state.exercise(case)
                if state.done:
                    break
    except KeyboardInterrupt:
        result.interrupted = True
        result.stopped = "interrupted"
    except Exception as exc:  # Hypothesis or Schemathesis broke outside a case
        result.error = mask(f"{type(exc).__name__}: {exc}", state.credentials)
    if result.interrupted:
        result.stopped = "interrupted"
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
