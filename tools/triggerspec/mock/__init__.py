"""A spec-driven mock of the build-trigger APIs: validating, stateful, scriptable.

The mock reads only the contract model (:mod:`triggerspec.spec.model`). It serves every
operation at its vendor path, refuses what the vendor would refuse in the vendor's own
error envelope, answers valid requests with realistic, stateful bodies, and records every
request (credentials masked). The same app runs under uvicorn (``triggerspec mock``) and
in-process (:class:`MockTransport`, the pytest fixtures in :mod:`triggerspec.mock.plugin`).

Example:
    >>> app = create_app(load_apis(Project.discover()), MockSettings(seed=1))
    >>> client = httpx.Client(transport=MockTransport(app), base_url="http://mock.invalid")
"""

from triggerspec.mock.app import MockApp, create_app, load_apis
from triggerspec.mock.exchange import MockRequest, MockResponse
from triggerspec.mock.handles import InProcessMock, MockHandle
from triggerspec.mock.journal import Journal, JournalEntry
from triggerspec.mock.scenarios import Scenario, ScenarioBook, ScenarioError
from triggerspec.mock.server import LiveMock
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.transport import AsyncMockTransport, MockTransport, handler

__all__ = [
    "AsyncMockTransport",
    "InProcessMock",
    "Journal",
    "JournalEntry",
    "LiveMock",
    "MockApp",
    "MockHandle",
    "MockRequest",
    "MockResponse",
    "MockSettings",
    "MockTransport",
    "Scenario",
    "ScenarioBook",
    "ScenarioError",
    "create_app",
    "handler",
    "load_apis",
]
