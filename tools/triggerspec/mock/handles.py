"""One handle on a running mock, in-process or behind a real port.

Tests and the pytest fixture talk to a mock through :class:`MockHandle`: where each API is
served (:meth:`~MockHandle.base_url`), a transport for httpx clients, the journal, the
scenarios, the clock, and :meth:`~MockHandle.reset`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from triggerspec.mock.app import MockApp
from triggerspec.mock.journal import Journal, JournalEntry
from triggerspec.mock.scenarios import Scenario, ScenarioBook
from triggerspec.mock.state import Clock
from triggerspec.mock.transport import AsyncMockTransport, MockTransport

IN_PROCESS_ORIGIN = "http://mock.invalid"
"""The origin in-process base URLs use (``.invalid`` never resolves, so nothing leaks)."""


class MockHandle:
    """A mock and where to reach it."""

    def __init__(self, app: MockApp, origin: str) -> None:
        self.app = app
        self.origin = origin.rstrip("/")

    def base_url(self, api_name: str) -> str:
        """The base URL of one API (``.../client/v4`` for Cloudflare), by spec file stem."""
        return self.origin + self.app.base_path(api_name)

    @property
    def transport(self) -> httpx.BaseTransport:
        """A transport for ``httpx.Client`` that reaches this mock."""
        raise NotImplementedError

    @property
    def async_transport(self) -> httpx.AsyncBaseTransport:
        """A transport for ``httpx.AsyncClient`` that reaches this mock."""
        raise NotImplementedError

    def client(
        self, api_name: str, token: str | None = "mock-token", **kwargs: Any
    ) -> httpx.Client:
        """An ``httpx.Client`` for one API, with a bearer token unless ``token`` is None."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kwargs.pop("headers", {}))
        return httpx.Client(
            base_url=self.base_url(api_name), transport=self.transport, headers=headers, **kwargs
        )

    @property
    def journal(self) -> Journal:
        """Every request received, secrets masked."""
        return self.app.journal

    @property
    def scenarios(self) -> ScenarioBook:
        """The mock's own scenarios (use :meth:`add_scenario` to add checked ones)."""
        return self.app.scenarios

    @property
    def clock(self) -> Clock:
        """The mock's clock (``advance`` it to step past a repeat window)."""
        return self.app.clock

    def add_scenario(self, operation: str = "*", **fields: Any) -> Scenario:
        """Add one scenario, checked against the operations, and return it.

        Example:
            >>> mock.add_scenario("startJobBuild", status=429, retry_after=2, times=1)
        """
        scenario = Scenario(operation=operation, **fields)
        self.app.add_scenarios(scenario)
        return scenario

    def requests(self, operation_id: str | None = None) -> list[JournalEntry]:
        """The journal's entries, or those for one operation."""
        return self.app.journal.entries(operation_id)

    def uncalled(self) -> Sequence[str]:
        """operationIds no request has reached yet."""
        return [r["operation_id"] for r in self.app.routes() if not r["calls"]]

    def reset(self) -> None:
        """Back to how the mock started (state and journal forgotten, configured scenarios)."""
        self.app.reset()


class InProcessMock(MockHandle):
    """A mock answered inside this process: no port, no thread."""

    def __init__(self, app: MockApp, origin: str = IN_PROCESS_ORIGIN) -> None:
        super().__init__(app, origin)
        self._transport = MockTransport(app)
        self._async_transport = AsyncMockTransport(app)

    @property
    def transport(self) -> httpx.BaseTransport:
        """A transport for ``httpx.Client`` that reaches this mock."""
        return self._transport

    @property
    def async_transport(self) -> httpx.AsyncBaseTransport:
        """A transport for ``httpx.AsyncClient`` that reaches this mock."""
        return self._async_transport
