"""Factories for runs of the fuzz runner against the embedded mock or a broken copy of it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from triggerspec.contract.runner import RunConfig, Task, dummy_credentials, plan
from triggerspec.contract.safety import Safety
from triggerspec.mock.app import MockApp, create_app
from triggerspec.mock.settings import MockSettings
from triggerspec.spec.model import Api

LOOPBACK = Safety(loopback=True)
BASE = "http://mock.invalid"


@pytest.fixture(scope="session")
def api_list(apis: dict[str, Api]) -> list[Api]:
    """Every spec's contract model, in a stable order."""
    return [apis[name] for name in sorted(apis)]


@pytest.fixture
def mock_app(api_list: list[Api]) -> MockApp:
    """A fresh, seeded embedded mock."""
    return create_app(api_list, MockSettings(seed=1))


@pytest.fixture
def run_config(api_list: list[Api]) -> Callable[..., RunConfig]:
    """``make(session_factory, max_examples=, seed=, broken_per_rule=)``: a loopback run.

    ``broken_per_rule`` defaults to 0 here so a test counts Schemathesis' cases alone.
    """

    def make(
        session_factory: Callable[[], requests.Session],
        *,
        max_examples: int = 25,
        seed: int | None = 1,
        broken_per_rule: int = 0,
    ) -> RunConfig:
        return RunConfig(
            base_urls={a.name: BASE + a.base_path for a in api_list},
            auth_headers={a.name: dummy_credentials(a) for a in api_list},
            session_factory=session_factory,
            safety=LOOPBACK,
            max_examples=max_examples,
            seed=seed,
            broken_per_rule=broken_per_rule,
        )

    return make


@pytest.fixture
def task_for(api_list: list[Api]) -> Callable[[str, str], Task]:
    """``task_for(operation_id, mode)``: the runner's task for one operation and mode."""

    def find(operation_id: str, mode: str) -> Task:
        return next(t for t in plan(api_list, LOOPBACK, operation=operation_id) if t.mode == mode)

    return find
