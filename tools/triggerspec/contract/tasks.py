"""What a fuzz run is made of: tasks, the run's settings, budgets, and what a task found.

Plain data shared by :mod:`triggerspec.contract.execute` (one task) and
:mod:`triggerspec.contract.runner` (the whole run, across workers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from triggerspec.contract.safety import DEFAULT_REQUEST_TIMEOUT, Safety
from triggerspec.errors import UsageError
from triggerspec.spec.model import Api
from triggerspec.spec.naming import known_names

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
    display: str | None = None
    """The spec as errors name it (its path relative to the project)."""

    @property
    def label(self) -> str:
        return f"{self.operation_id} [{self.mode}]"


@dataclass(frozen=True)
class RunConfig:
    """How much to generate and where to send it."""

    base_urls: dict[str, str]
    """API name -> base URL the cases are sent to."""
    auth_headers: dict[str, dict[str, str]] = field(repr=False)
    """API name -> credentials headers (never printed: not even in this config's repr)."""
    session_factory: SessionFactory
    safety: Safety
    max_examples: int = 50
    max_time: float | None = None
    """Seconds the whole run may take, rate-limit waits included."""
    seed: int | None = None
    broken_per_rule: int = 2
    """Explicit negative cases per documented rule (each breaks exactly that rule)."""
    record: bool = False
    """Keep every exchange as a HAR entry (credentials and secret fields masked)."""
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    """Seconds one request may take; longer is a failure of its case."""
    deadline: float | None = None
    """Wall-clock time (``time.time()``) the run ends at; set by :func:`run` from max_time."""


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
    """Cases not sent: the vendor would act on them, the target is real, the operation not safe."""
    rate_limited: int = 0
    """Answers that were 429 (each waited out or the task stopped)."""
    interrupted: bool = False
    har: list[dict[str, Any]] = field(default_factory=list)


class StopTask(Exception):
    """End the task early (time or request budget, rate limit, interrupt)."""


class Budget:
    """A request budget shared by the tasks of one process."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0

    def take(self) -> None:
        if self.limit is not None and self.used >= self.limit:
            raise StopTask(f"request budget of {self.limit} used up")
        self.used += 1


def plan(
    apis: list[Api],
    safety: Safety,
    *,
    operation: str | None = None,
    modes: tuple[str, ...] = MODES,
    shard: tuple[int, int] | None = None,
) -> list[Task]:
    """The tasks of a run, in a stable order, filtered and sharded.

    An ``operation`` that no spec has is a ``UsageError`` naming the known ones.
    """
    known = sorted(op.operation_id for api in apis for op in api.operations)
    if operation is not None and operation not in known:
        raise UsageError(f"unknown operation {operation!r}; {known_names(operation, known)}")
    tasks = [
        Task(
            api.document.path,
            op.operation_id,
            op.method,
            op.path,
            mode,
            op.side_effects,
            api.document.display,
        )
        for api in apis
        for op in api.operations
        if operation in (None, op.operation_id)
        for mode in safety.modes_for(op.side_effects, modes)
    ]
    if shard is not None:
        index, count = shard
        tasks = [t for i, t in enumerate(tasks) if i % count == index - 1]
    return tasks
