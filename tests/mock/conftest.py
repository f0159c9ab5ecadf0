"""The mock's fixtures (from the plugin users load) plus request factories for the tests."""

from __future__ import annotations

from triggerspec.mock.plugin import (  # noqa: F401  (fixtures and the marker registration)
    live_mock_server,
    mock_server,
    mock_server_factory,
    pytest_configure,
    triggerspec_apis,
)
