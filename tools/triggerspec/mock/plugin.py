"""pytest fixtures for the mock: one in-process mock per test, or one behind uvicorn.

Load with ``pytest_plugins = ["triggerspec.mock.plugin"]`` (or import the fixtures and
``pytest_configure`` into a conftest). Configure a test's mock with the marker::

    @pytest.mark.triggerspec_mock(seed=7, token="t0k3n", scenarios=[{"status": 503}])
    def test_retries(mock_server): ...

Fixtures:
    mock_server: an :class:`~triggerspec.mock.handles.InProcessMock` (no port).
    live_mock_server: a :class:`~triggerspec.mock.server.LiveMock` on 127.0.0.1.
    mock_server_factory: ``make(**settings)`` for several mocks in one test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from triggerspec.mock.app import create_app, load_apis
from triggerspec.mock.handles import InProcessMock
from triggerspec.mock.scenarios import Scenario, scenarios_from
from triggerspec.mock.server import LiveMock
from triggerspec.mock.settings import MockSettings
from triggerspec.spec.model import Api

MARKER = "triggerspec_mock"
pytest_plugins = ["triggerspec.pytest_project"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (the suite runs with ``--strict-markers``)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): MockSettings of the mock_server fixture "
        "(seed=, token=, scenarios=[...], ...)",
    )


def settings_from(kwargs: dict[str, Any]) -> MockSettings:
    """``MockSettings`` from marker or factory keywords (scenarios may be plain dicts)."""
    kwargs = dict(kwargs)
    if "scenarios" in kwargs:
        raw = kwargs["scenarios"]
        kwargs["scenarios"] = tuple(
            s if isinstance(s, Scenario) else scenarios_from(s)[0] for s in raw
        )
    return MockSettings(**kwargs)


@pytest.fixture(scope="session")
def triggerspec_apis(request: pytest.FixtureRequest) -> list[Api]:
    """The contract model of every spec of the project under test, parsed once."""
    # Imported here: pytest imports it first, as a plugin (pytest_plugins above).
    from triggerspec.pytest_project import project_for

    return load_apis(project_for(request.config))


@pytest.fixture
def mock_server_factory(triggerspec_apis: list[Api]) -> Callable[..., InProcessMock]:
    """Make in-process mocks: ``make(seed=1, token="t")``."""

    def make(**settings: Any) -> InProcessMock:
        return InProcessMock(create_app(triggerspec_apis, settings_from(settings)))

    return make


def _marker_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    return dict(marker.kwargs) if marker is not None else {}


@pytest.fixture
def mock_server(
    request: pytest.FixtureRequest, mock_server_factory: Callable[..., InProcessMock]
) -> InProcessMock:
    """An in-process mock of every spec; settings from the ``triggerspec_mock`` marker."""
    mock: InProcessMock = mock_server_factory(**_marker_settings(request))
    return mock


@pytest.fixture
def live_mock_server(
    request: pytest.FixtureRequest, triggerspec_apis: list[Api]
) -> Iterator[LiveMock]:
    """A mock behind uvicorn on a free port of 127.0.0.1, stopped after the test."""
    app = create_app(triggerspec_apis, settings_from(_marker_settings(request)))
    with LiveMock(app) as mock:
        yield mock
