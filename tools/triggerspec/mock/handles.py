"""One handle on a running mock, in-process or behind a real port.

Tests and the pytest fixture talk to a mock through :class:`MockHandle`: where each API is
served (:meth:`~MockHandle.base_url`), a transport for httpx clients, the journal, the
scenarios, the clock, and :meth:`~MockHandle.reset`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, overload

import httpx

from triggerspec.mock.app import MockApp
from triggerspec.mock.journal import Journal, JournalEntry
from triggerspec.mock.scenarios import Scenario, ScenarioBook
from triggerspec.mock.state import Clock
from triggerspec.mock.transport import AsyncMockTransport, MockTransport
from triggerspec.runtime import AsyncAPIClient

ClientT = TypeVar("ClientT")
MOCK_TOKEN = "mock-token"
"""The credential :meth:`MockHandle.client` sends (any well-formed one passes by default)."""

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

    @overload
    def client(self, api: str, token: str | None = ..., **kwargs: Any) -> httpx.Client: ...

    @overload
    def client(self, api: type[ClientT], token: str | None = ..., **kwargs: Any) -> ClientT: ...

    def client(self, api: str | type[Any], token: str | None = MOCK_TOKEN, **kwargs: Any) -> Any:
        """A client wired to this mock: a generated client class, or an API's spec name.

        ``mock.client(NorthflankClient)`` returns that generated client with the mock's
        base URL and transport, and ``token`` as every credential of the API's first way
        to authenticate (default: the mock's configured token, else ``"mock-token"``; pass
        your own credentials or options as keywords). With a spec
        name (``mock.client("northflank")``) it returns an ``httpx.Client`` sending
        ``Authorization: Bearer <token>`` unless ``token`` is None.

        Example:
            >>> client = mock_server.client(NorthflankClient)
            >>> client.start_job_build(project_id="p", job_id="j").status
        """
        if token == MOCK_TOKEN and self.app.settings.token:
            token = self.app.settings.token
        if isinstance(api, str):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            headers.update(kwargs.pop("headers", {}))
            return httpx.Client(
                base_url=self.base_url(api), transport=self.transport, headers=headers, **kwargs
            )
        return self._generated(api, token, kwargs, asynchronous=False)

    def async_client(
        self, api: type[ClientT], token: str | None = MOCK_TOKEN, **kwargs: Any
    ) -> ClientT:
        """The async twin of :meth:`client` for a generated ``Async...Client`` class."""
        if token == MOCK_TOKEN and self.app.settings.token:
            token = self.app.settings.token
        return self._generated(api, token, kwargs, asynchronous=True)

    def _generated(
        self, cls: type[ClientT], token: str | None, kwargs: dict[str, Any], *, asynchronous: bool
    ) -> ClientT:
        definition = getattr(cls, "api", None)
        if definition is None or not hasattr(definition, "schemes"):
            raise TypeError(f"{cls!r} is not a generated triggerspec client class")
        if asynchronous != issubclass(cls, AsyncAPIClient):
            want = "async_client" if issubclass(cls, AsyncAPIClient) else "client"
            raise TypeError(f"{cls.__name__}: use mock.{want}(...) for this class")
        if token is not None and definition.security:
            for scheme_name in definition.security[0]:
                kwargs.setdefault(definition.schemes[scheme_name].argument, token)
        kwargs.setdefault("base_url", self.base_url(definition.name))
        kwargs.setdefault("transport", self.async_transport if asynchronous else self.transport)
        return cls(**kwargs)

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
