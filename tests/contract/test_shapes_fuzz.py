"""Fuzzing the shapes real APIs use (the ``shapes`` fixture spec) against the mock.

Every operation passes every check in both modes: 200 or 204 as ``x-when`` selects, text
and bytes answers, a mixed path segment, integer path parameters, and a body offered as
JSON and as a urlencoded form, which the cases cover both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triggerspec.contract.runner import (
    MODES,
    RunConfig,
    dummy_credentials,
    plan,
    run_task,
)
from triggerspec.contract.safety import Safety
from triggerspec.mock.app import MockApp, create_app
from triggerspec.mock.requests_adapter import mock_session
from triggerspec.mock.settings import MockSettings
from triggerspec.spec.model import Api, load_api

SPEC = Path(__file__).parents[1] / "codegen/golden/shapes/specs/shapes.yaml"
BASE = "http://mock.invalid"


@pytest.fixture(scope="module")
def api() -> Api:
    return load_api(SPEC)


def _config(api: Api, app: MockApp, max_examples: int = 20) -> RunConfig:
    return RunConfig(
        base_urls={api.name: BASE + api.base_path},
        auth_headers={api.name: dummy_credentials(api)},
        session_factory=lambda: mock_session(app),
        safety=Safety(loopback=True),
        max_examples=max_examples,
        seed=1,
        broken_per_rule=0,
    )


@pytest.mark.parametrize("mode", MODES)
def test_every_shape_passes_every_check(api: Api, mode: str) -> None:
    app = create_app([api], MockSettings(seed=1))
    tasks = [t for t in plan([api], Safety(loopback=True)) if t.mode == mode]
    assert {t.operation_id for t in tasks} == {o.operation_id for o in api.operations}
    for task in tasks:
        result = run_task(task, _config(api, app))
        assert result.error is None, result.error
        assert result.cases > 0, task.label
        assert not result.failures, "\n".join(f"{f.check}: {f.message}" for f in result.failures)


def test_positive_cases_cover_each_media_type_and_both_2xx(api: Api) -> None:
    app = create_app([api], MockSettings(seed=1))
    by_id = {t.operation_id: t for t in plan([api], Safety(loopback=True)) if t.mode == "positive"}
    for operation_id in ("triggerPipeline", "dispatch"):
        result = run_task(by_id[operation_id], _config(api, app, max_examples=40))
        assert not result.failures
    pipeline = [e for e in app.journal if e.operation_id == "triggerPipeline"]
    kinds = {(e.headers.get("content-type") or "").split(";")[0] for e in pipeline}
    assert {"application/json", "application/x-www-form-urlencoded"} <= kinds
    assert 201 in {e.status for e in pipeline}
    dispatched = {e.status for e in app.journal if e.operation_id == "dispatch"}
    assert dispatched == {200, 204}
