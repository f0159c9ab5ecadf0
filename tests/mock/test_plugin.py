"""The pytest fixtures, the transports and the respx hook, as a user's tests would use them."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import respx

from tests.mock.helpers import JOB_PATH, SHA, TRIGGER_PATH, send
from triggerspec.mock.handles import IN_PROCESS_ORIGIN, InProcessMock
from triggerspec.mock.server import LiveMock
from triggerspec.mock.transport import handler


def test_the_fixture_serves_every_api_at_its_base_url(mock_server: InProcessMock) -> None:
    assert mock_server.base_url("cloudflare-pages") == f"{IN_PROCESS_ORIGIN}/client/v4"
    assert mock_server.base_url("northflank") == IN_PROCESS_ORIGIN
    with pytest.raises(KeyError, match="no API named 'nope'"):
        mock_server.base_url("nope")


def test_a_client_keeps_the_vendors_real_base_url(mock_server: InProcessMock) -> None:
    client = httpx.Client(
        base_url="https://api.northflank.com",
        transport=mock_server.transport,
        headers={"Authorization": "Bearer t"},
    )
    assert client.post(JOB_PATH, json={"sha": SHA}).json()["data"]["sha"] == SHA
    assert mock_server.journal[-1].headers["host"] == "api.northflank.com"


def test_the_fixture_client_helper(mock_server: InProcessMock) -> None:
    with mock_server.client("sourcecraft") as client:
        assert client.post(TRIGGER_PATH, json={}).status_code == 200
    with mock_server.client("sourcecraft", token=None) as client:
        assert client.post(TRIGGER_PATH, json={}).status_code == 401


def test_journal_scenarios_and_reset_from_the_fixture(mock_server: InProcessMock) -> None:
    client = mock_server.client("northflank")
    mock_server.add_scenario("startJobBuild", status=503, times=1)
    assert client.post(JOB_PATH, json={}).status_code == 503
    assert client.post(JOB_PATH, json={}).status_code == 200
    assert [e.status for e in mock_server.requests("startJobBuild")] == [503, 200]
    mock_server.scenarios.add()
    mock_server.reset()
    assert len(mock_server.journal) == 0
    assert mock_server.uncalled() != []


@pytest.mark.triggerspec_mock(seed=11)
def test_the_marker_configures_the_fixture(mock_server: InProcessMock) -> None:
    assert mock_server.app.settings.seed == 11
    assert mock_server.clock.fake


def test_each_test_gets_a_fresh_mock(mock_server: InProcessMock) -> None:
    assert len(mock_server.journal) == 0
    assert mock_server.app.settings.seed is None


def test_the_async_transport(mock_server: InProcessMock) -> None:
    async def trigger() -> tuple[int, float]:
        async with httpx.AsyncClient(
            transport=mock_server.async_transport, base_url=mock_server.origin
        ) as client:
            started = time.monotonic()
            results = await asyncio.gather(
                *(
                    client.post(
                        TRIGGER_PATH,
                        json={"revision": str(i)},
                        headers={"Authorization": "Bearer t", "Prefer": "delay=100"},
                    )
                    for i in range(5)
                )
            )
            return sum(r.status_code == 200 for r in results), time.monotonic() - started

    ok, elapsed = asyncio.run(trigger())
    assert ok == 5
    assert 0.1 <= elapsed < 0.45  # the delays overlapped: the loop was not blocked


def test_the_asgi_app_under_httpx_asgi_transport(mock_server: InProcessMock) -> None:
    async def trigger() -> httpx.Response:
        transport = httpx.ASGITransport(app=mock_server.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            return await client.post(
                JOB_PATH, json={"sha": SHA}, headers={"Authorization": "Bearer t"}
            )

    assert asyncio.run(trigger()).json()["data"]["sha"] == SHA


def test_respx_routes_a_vendor_host_to_the_mock(mock_server: InProcessMock) -> None:
    with respx.mock(assert_all_called=True) as router:
        router.route(host="api.sourcecraft.tech").mock(side_effect=handler(mock_server.app))
        with httpx.Client(base_url="https://api.sourcecraft.tech") as client:
            response = client.post(
                TRIGGER_PATH, json={"revision": "main"}, headers={"Authorization": "Bearer t"}
            )
    assert response.json()["trigger_status"] == "created"
    assert mock_server.journal[-1].operation_id == "runWorkflow"


def test_httpx_mock_transport_with_the_handler(mock_server: InProcessMock) -> None:
    client = httpx.Client(
        transport=httpx.MockTransport(handler(mock_server.app)), base_url="http://x"
    )
    assert send(client, "startJobBuild").status_code == 200


def test_the_live_fixture_runs_a_real_server(live_mock_server: LiveMock) -> None:
    assert live_mock_server.base_url("northflank").startswith("http://127.0.0.1:")
    with httpx.Client(base_url=live_mock_server.origin, transport=live_mock_server.transport) as c:
        assert send(c, "startJobBuild").status_code == 200
    assert live_mock_server.journal[-1].operation_id == "startJobBuild"


def test_a_live_server_stops_and_frees_its_port(mock_server: InProcessMock) -> None:
    live = LiveMock(mock_server.app).start()
    port = live.port
    live.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/__triggerspec/health", timeout=1)
