"""Each broken server in the catalogue is caught by exactly the check meant for it.

The checks are disjoint by design (see the table in :mod:`triggerspec.contract.checks`): a
server breaking one contract must fail one check. A broken server that trips two checks
means two checks own the same contract, which is a design problem, not a flaky test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import ROOT
from tests.contract.catalogue import CATALOGUE, BrokenServer
from triggerspec.contract.checks import CHECKS
from triggerspec.contract.runner import MODES, RunConfig, Task, TaskResult, plan, run_task
from triggerspec.contract.safety import Safety
from triggerspec.mock.app import create_app
from triggerspec.mock.requests_adapter import mock_session
from triggerspec.mock.settings import MockSettings
from triggerspec.project import Project
from triggerspec.spec.model import Api, load_api

SCHEMATHESIS_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
}
ALL_CHECKS = SCHEMATHESIS_CHECKS | set(CHECKS)

SEEDS = (1, 2, 3, 4, 5, 6)
"""Tried in order until a run reaches the broken contract (bounded).

Schemathesis' negative mode changes whole values more often than it shortens a string by
one, so a given seed may not produce a sha of the wrong length within the examples.
"""
MAX_EXAMPLES = 50


def _run(
    server: BrokenServer | None,
    task: Task,
    api_list: list[Api],
    run_config: Callable[..., RunConfig],
    seed: int,
) -> TaskResult:
    app = create_app(api_list, MockSettings(seed=1))
    factory = (lambda: server.session(app)) if server else (lambda: mock_session(app))
    result = run_task(task, run_config(factory, max_examples=MAX_EXAMPLES, seed=seed))
    assert result.error is None, result.error
    return result


def _shown(result: TaskResult) -> str:
    return "\n".join(f"{f.check}: {f.message}\n  {f.curl}" for f in result.failures)


def test_every_check_is_owned_by_a_broken_server() -> None:
    assert {s.check for s in CATALOGUE.values()} == ALL_CHECKS


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_broken_server_fails_exactly_its_check(
    name: str,
    api_list: list[Api],
    run_config: Callable[..., RunConfig],
    task_for: Callable[[str, str], Task],
) -> None:
    server = CATALOGUE[name]
    task = task_for(server.operation_id, server.mode)
    for seed in SEEDS:
        result = _run(server, task, api_list, run_config, seed)
        if result.failures:
            break
    else:
        pytest.fail(f"{name}: no seed of {SEEDS} reached the broken contract ({server.check})")
    failed = {f.check for f in result.failures}
    assert failed == {server.check}, f"{name} ({server.description}):\n{_shown(result)}"
    assert result.cases > 0
    honest = _run(None, task, api_list, run_config, seed)
    assert not honest.failures, f"the honest mock fails with seed {seed}:\n{_shown(honest)}"


OPERATIONS = tuple(
    sorted(
        op.operation_id
        for path in Project.from_root(ROOT).spec_files()
        for op in load_api(path).operations
    )
)
"""Every operation the project's specs declare (read from them, never listed by hand)."""


def test_a_loopback_run_plans_every_operation_in_both_modes(api_list: list[Api]) -> None:
    tasks = plan(api_list, Safety(loopback=True))
    every = [op.operation_id for api in api_list for op in api.operations]
    assert sorted((t.operation_id, t.mode) for t in tasks) == sorted(
        (operation, mode) for operation in every for mode in MODES
    )
    assert set(OPERATIONS) <= set(every)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_the_honest_mock_passes_every_check(
    operation_id: str,
    mode: str,
    api_list: list[Api],
    run_config: Callable[..., RunConfig],
    task_for: Callable[[str, str], Task],
) -> None:
    app = create_app(api_list, MockSettings(seed=1))
    config = run_config(lambda: mock_session(app), max_examples=25, seed=1)

    result = run_task(task_for(operation_id, mode), config)

    assert result.error is None, result.error
    assert result.cases > 0
    assert not result.failures, _shown(result)
    assert result.checks_passed > 0
