"""The Pages form (multipart, with file parts) is fuzzed: cases are generated and sent.

Schemathesis 4.32's coverage phase fails on this schema ("Unsupported type: 'Binary'"); the
runner draws from ``as_strategy`` without that phase. These tests prove, from the mock's own
journal, that createDeployment cases reach the server in both modes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import requests

from triggerspec.contract.runner import MODES, RunConfig, Task, run, run_task
from triggerspec.mock.app import MockApp, create_app, load_apis
from triggerspec.mock.requests_adapter import mock_session
from triggerspec.mock.settings import MockSettings
from triggerspec.project import Project

EXAMPLES = 15


@pytest.mark.parametrize("mode", MODES)
def test_pages_cases_reach_the_mock(
    mode: str,
    mock_app: MockApp,
    run_config: Callable[..., RunConfig],
    task_for: Callable[[str, str], Task],
) -> None:
    config = run_config(lambda: mock_session(mock_app), max_examples=EXAMPLES)
    result = run_task(task_for("createDeployment", mode), config)

    assert result.error is None
    assert not result.failures
    assert result.cases == EXAMPLES
    entries = mock_app.journal.entries("createDeployment")
    assert len(entries) == result.cases
    assert all(e.headers["content-type"].startswith("multipart/form-data") for e in entries)
    assert all(e.method == "POST" and e.path.endswith("/deployments") for e in entries)
    if mode == "positive":
        assert {e.status for e in entries} == {200}
        files = [v for e in entries for v in e.body.values() if isinstance(v, dict)]
        assert files, "no case carried a file part"
        assert all({"filename", "size", "sha256"} <= set(f) for f in files)
    else:
        refused = [e for e in entries if e.status == 400]
        assert refused, "no negative case was refused"
        assert all(e.problems for e in refused)


def test_pages_is_fuzzed_in_worker_processes(
    project: Project,
    run_config: Callable[..., RunConfig],
    task_for: Callable[[str, str], Task],
) -> None:
    config = run_config(partial(_fresh_mock_session, project.root), max_examples=5)
    tasks = [task_for("createDeployment", mode) for mode in MODES]

    result = run(tasks, config, workers=2)

    assert result.errors == []
    assert [r.cases for r in result.results] == [5, 5]
    assert all(r.statuses for r in result.results)


def _fresh_mock_session(root: Path) -> requests.Session:
    """A session on a new mock (module level, so worker processes can unpickle it)."""
    return mock_session(create_app(load_apis(Project.from_root(root)), MockSettings(seed=1)))
