"""httpx transports that answer from the mock in-process, and a respx-ready handler.

The host of the request URL is ignored: the mock routes on method and path alone, so a
client can keep the vendor's real base URL (``https://api.cloudflare.com/client/v4``) and
only swap its transport. Nothing leaves the process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx

from triggerspec.mock.app import MockApp
from triggerspec.mock.exchange import MockRequest, MockResponse, headers_of


def to_mock_request(request: httpx.Request, body: bytes) -> MockRequest:
    """The mock's view of an httpx request whose body has been read."""
    target, _, query = request.url.raw_path.decode("ascii").partition("?")
    return MockRequest(
        method=request.method,
        target=target,
        query=query,
        headers=headers_of(
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
        ),
        body=body,
    )


def to_httpx_response(response: MockResponse, request: httpx.Request) -> httpx.Response:
    """An httpx response carrying the mock's answer."""
    return httpx.Response(
        response.status, headers=response.headers, content=response.body, request=request
    )


class MockTransport(httpx.BaseTransport):
    """A synchronous httpx transport answered by a :class:`MockApp`.

    Example:
        >>> client = httpx.Client(transport=MockTransport(app), base_url="https://x/client/v4")
    """

    def __init__(self, app: MockApp, sleep: Callable[[float], None] = time.sleep) -> None:
        self.app = app
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request, waiting out a scenario's delay."""
        response = self.app.handle(to_mock_request(request, request.read()))
        if response.delay_s > 0:
            self._sleep(response.delay_s)
        return to_httpx_response(response, request)


class AsyncMockTransport(httpx.AsyncBaseTransport):
    """The asynchronous twin of :class:`MockTransport` (delays do not block the loop)."""

    def __init__(self, app: MockApp) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request, waiting out a scenario's delay."""
        response = self.app.handle(to_mock_request(request, await request.aread()))
        if response.delay_s > 0:
            await asyncio.sleep(response.delay_s)
        return to_httpx_response(response, request)


def handler(app: MockApp) -> Callable[[httpx.Request], httpx.Response]:
    """A request → response function for ``httpx.MockTransport`` or a respx side effect.

    Example:
        >>> respx_mock.route(host="api.northflank.com").mock(side_effect=handler(app))
    """
    transport = MockTransport(app)
    return transport.handle_request
