"""The fuzz runner: Schemathesis cases, sent to any target, judged by the contract checks.

A run is a list of tasks (one operation in one mode). Each task draws cases from
Schemathesis' Hypothesis strategy for the operation, prepares each request once, judges the
prepared bytes with triggerspec's own validator, sends them through a ``requests`` session
(the embedded mock's in-process adapter, or the network) and runs the checks of
:mod:`triggerspec.contract.checks`. Tasks are independent, so they spread over worker
processes (``workers``) or CI jobs (``shard``). The runner emits events; the CLI renders them.

One task's run (one send per case, rate limits, timeouts) is
:mod:`triggerspec.contract.execute`; its data types are :mod:`triggerspec.contract.tasks`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace

from triggerspec.contract import interrupt
from triggerspec.contract.execute import run_task
from triggerspec.contract.tasks import (
    MODES,
    Budget,
    Failure,
    RunConfig,
    SessionFactory,
    Task,
    TaskResult,
    plan,
)
from triggerspec.contract.wire import mask, sent_body, sent_path_parameters
from triggerspec.errors import UsageError
from triggerspec.runtime.auth import add_credential
from triggerspec.spec.model import Api

__all__ = [
    "MODES",
    "Budget",
    "Failure",
    "RunConfig",
    "RunResult",
    "SessionFactory",
    "Task",
    "TaskResult",
    "mask",
    "plan",
    "run",
    "run_task",
    "sent_body",
    "sent_path_parameters",
]


@dataclass
class RunResult:
    """Everything one run did."""

    results: list[TaskResult]
    seconds: float
    interrupted: bool = False
    """The run was stopped by Ctrl-C; ``results`` hold what ran."""

    @property
    def failures(self) -> list[Failure]:
        return [f for r in self.results for f in r.failures]

    @property
    def errors(self) -> list[str]:
        return [f"{r.task.label}: {r.error}" for r in self.results if r.error]

    @property
    def cases(self) -> int:
        return sum(r.cases for r in self.results)

    @property
    def withheld(self) -> int:
        return sum(r.withheld for r in self.results)


def _run_in_worker(task: Task, config: RunConfig) -> TaskResult:
    return run_task(task, config)


def run(
    tasks: list[Task],
    config: RunConfig,
    workers: int = 1,
    on_result: Callable[[TaskResult], None] | None = None,
    on_case: Callable[[Task], None] | None = None,
) -> RunResult:
    """Run every task, in this process or across ``workers`` processes.

    ``max_time`` bounds the whole run. The first Ctrl-C stops every worker within
    :data:`~triggerspec.contract.interrupt.GRACE` seconds and returns what ran (the result is
    marked ``interrupted``); a second one exits at once.
    """
    started = time.perf_counter()
    if config.max_time is not None and config.deadline is None:
        config = replace(config, deadline=time.time() + config.max_time)
    results: list[TaskResult] = []

    def done(result: TaskResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    interrupted = False
    with interrupt.interruptible():
        try:
            if workers <= 1 or len(tasks) <= 1:
                budget = Budget(config.safety.max_requests)
                for i, task in enumerate(tasks):
                    result = run_task(task, config, budget, on_case)
                    done(result)
                    if result.interrupted:
                        break
                    why = None
                    if result.stopped and config.safety.real:
                        why = "not started: an earlier task stopped against a real endpoint"
                    elif config.deadline is not None and time.time() >= config.deadline:
                        why = "not started: max-time reached"
                    if why is not None:
                        for rest in tasks[i + 1 :]:  # listed, so a report shows what never ran
                            done(TaskResult(rest, stopped=why))
                        break
            else:
                _run_pool(tasks, config, workers, done)
        except KeyboardInterrupt:
            pass
        interrupted = interrupt.stopping() or any(r.interrupted for r in results)
    order = {task: i for i, task in enumerate(tasks)}
    results.sort(key=lambda r: order[r.task])
    return RunResult(results, time.perf_counter() - started, interrupted)


def _run_pool(
    tasks: list[Task], config: RunConfig, workers: int, done: Callable[[TaskResult], None]
) -> None:
    event = interrupt.shared_event()
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=interrupt.worker_init, initargs=(event,)
    )
    pending: set[Future[TaskResult]] = set()
    interrupt.track(getattr(pool, "_processes", None))
    try:
        pending = {pool.submit(_run_in_worker, task, config) for task in tasks}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                done(future.result())
    except KeyboardInterrupt:
        # Workers see the event between cases; those still waiting on a server are ended.
        finished, pending = wait(pending, timeout=interrupt.GRACE)
        for future in finished:
            if not future.cancelled() and future.exception() is None:
                done(future.result())
        interrupt.end_workers()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


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
    """The credential map for ``api`` from its schemes' environment variables, if any option
    is set (``{}`` when an operation needs none): header name -> value, ``?name`` for a query
    apiKey, cookies in one ``Cookie`` header.

    A value with surrounding whitespace (a ``.env`` file with CRLF line endings) is refused
    with a ``UsageError`` naming the variable; the value is never printed.
    """
    env = os.environ if environ is None else environ
    options = sorted({req for op in api.operations for req in op.security})
    for option in options:
        creds: dict[str, str] = {}
        for name in option:
            scheme = api.schemes[name]
            variable = next((v for v in scheme.env if env.get(v)), None)
            if variable is None:
                break
            if not _sendable(env[variable]):  # no local holds the value (tracebacks)
                raise UsageError(
                    f"${variable} has surrounding whitespace, a control or a non-ASCII character "
                    "(a .env file with CRLF line endings?); fix it, the value is not shown"
                )
            add_credential(creds, scheme.kind, scheme.header, env[variable])
        else:
            if option or len(options) == 1:
                return creds
    return {} if not options else None


def _sendable(value: str) -> bool:
    return value == value.strip() and value.isascii() and value.isprintable()


def dummy_credentials(api: Api) -> dict[str, str]:
    """Well-formed credentials for a mock, which accepts any."""
    options = sorted({req for op in api.operations for req in op.security})
    creds: dict[str, str] = {}
    for name in next((o for o in options if o), ()):
        scheme = api.schemes[name]
        value = (
            "fuzz@example.com"
            if "mail" in scheme.header.lower()
            else "triggerspec:fuzz"
            if scheme.kind == "basic"
            else "triggerspec-fuzz"
        )
        add_credential(creds, scheme.kind, scheme.header, value)
    return creds


def with_seed(config: RunConfig, seed: int | None) -> RunConfig:
    """The same config with another seed."""
    return replace(config, seed=seed)


def to_json(result: RunResult) -> str:
    """The run as JSON (for machines; credentials are already masked)."""
    return json.dumps(
        {
            "seconds": round(result.seconds, 3),
            "cases": result.cases,
            "withheld": result.withheld,
            "interrupted": result.interrupted,
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
                    "withheld": r.withheld,
                    "rate_limited": r.rate_limited,
                }
                for r in result.results
            ],
        },
        indent=2,
    )
