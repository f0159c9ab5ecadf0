"""The journal and the other control endpoints, over HTTP and from the fixture."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.mock.helpers import AUTH, DEPLOY_PATH, SHA, VALID, assert_documented, send
from triggerspec.mock import responses
from triggerspec.mock.handles import InProcessMock


def _client(mock: InProcessMock) -> httpx.Client:
    return httpx.Client(transport=mock.transport, base_url=mock.origin)


def test_the_journal_records_what_was_triggered(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    send(client, "startJobBuild")
    send(client, "startJobBuild", json={"sha": "short"})
    entries = client.get("/__triggerspec/journal").json()["entries"]
    assert [(e["operation_id"], e["status"]) for e in entries] == [
        ("startJobBuild", 200),
        ("startJobBuild", 400),
    ]
    first = entries[0]
    assert first["method"] == "POST"
    assert first["path"] == VALID["startJobBuild"][1]
    assert first["api"] == "northflank"
    assert first["body"] == {"sha": SHA}
    assert first["auth"] == "bearerAuth"
    assert first["headers"]["authorization"] == "***"
    assert first["problems"] == []
    assert entries[1]["problems"] == ["/sha: 'short' is too short (minLength 40)"]
    assert entries[1]["seq"] == first["seq"] + 1


def test_the_journal_shows_file_parts_by_size(mock_server: InProcessMock) -> None:
    files: dict[str, tuple[str | None, bytes, str | None]] = {
        "_worker.bundle": ("bundle", b"x" * 1000, "multipart/form-data"),
        "branch": (None, b"feature", None),
    }
    _client(mock_server).post(DEPLOY_PATH, files=files, headers=AUTH)
    body = mock_server.journal[-1].body
    assert body["branch"] == "feature"
    assert body["_worker.bundle"] == {
        "filename": "bundle",
        "size": 1000,
        "content_type": "multipart/form-data",
        "sha256": hashlib.sha256(b"x" * 1000).hexdigest(),
    }


def test_a_refused_form_is_journaled_as_it_came(mock_server: InProcessMock) -> None:
    files = {"_worker.js": (None, "b'export default {}'")}
    _client(mock_server).post(DEPLOY_PATH, files=files, headers=AUTH)
    entry = mock_server.journal[-1]
    assert entry.status == 400
    assert entry.body == {"_worker.js": "b'export default {}'"}


def test_an_unparsable_body_is_journaled_by_size(mock_server: InProcessMock) -> None:
    send(
        _client(mock_server),
        "startJobBuild",
        json=None,
        content=b"{bad",
        headers={"content-type": "application/json"},
    )
    assert mock_server.journal[-1].body == {"size": 4, "parsed": False}


def test_the_journal_filters_and_clears(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    send(client, "startJobBuild")
    send(client, "runWorkflow")
    only = client.get("/__triggerspec/journal", params={"operation": "runWorkflow"}).json()
    assert [e["operation_id"] for e in only["entries"]] == ["runWorkflow"]
    assert client.delete("/__triggerspec/journal").json() == {"cleared": 2}
    assert client.get("/__triggerspec/journal").json() == {"entries": []}
    assert len(mock_server.journal) == 0


@pytest.mark.triggerspec_mock(journal_limit=3)
def test_the_journal_keeps_the_newest_entries(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    for _ in range(5):
        send(client, "startJobBuild")
    assert [e.seq for e in mock_server.journal] == [3, 4, 5]


def test_control_requests_are_not_journaled(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    client.get("/__triggerspec/journal")
    client.get("/__triggerspec/routes")
    assert len(mock_server.journal) == 0


def test_routes_report_calls_and_the_uncalled(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    send(client, "startJobBuild")
    routes = {r["operation_id"]: r for r in client.get("/__triggerspec/routes").json()["routes"]}
    assert routes["startJobBuild"] == {
        "api": "northflank",
        "operation_id": "startJobBuild",
        "method": "POST",
        "path": "/v1/projects/{projectId}/jobs/{jobId}/build",
        "calls": 1,
    }
    assert routes["createDeployment"]["path"].startswith("/client/v4/accounts/")
    every = {op.operation_id for api in mock_server.app.apis.values() for op in api.operations}
    assert sorted(mock_server.uncalled()) == sorted(every - {"startJobBuild"})


@pytest.mark.triggerspec_mock(seed=3)
def test_the_clock_can_be_read_and_advanced(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    assert client.get("/__triggerspec/clock").json() == {
        "now": "2025-01-01T00:00:00.000Z",
        "fake": True,
    }
    moved = client.post("/__triggerspec/clock", json={"advance_s": 61.5}).json()
    assert moved["now"] == "2025-01-01T00:01:01.500Z"
    for bad in ({"advance_s": -1}, {"advance_s": "1"}, {"advance_s": True}, [1]):
        assert client.post("/__triggerspec/clock", json=bad).status_code == 400


def test_reset_forgets_everything(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    send(client, "runWorkflow")
    mock_server.add_scenario("startJobBuild", status=500)
    assert client.post("/__triggerspec/reset").json() == {"reset": True}
    assert len(mock_server.journal) == 0
    assert mock_server.scenarios.list() == []
    assert send(client, "runWorkflow").json()["trigger_status"] == "created"
    assert all(r["calls"] <= 1 for r in mock_server.app.routes())


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/__triggerspec", 200),
        ("GET", "/__triggerspec/health", 200),
        ("GET", "/__triggerspec/nope", 404),
        ("POST", "/__triggerspec/journal", 405),
        ("GET", "/__triggerspec/reset", 405),
    ],
)
def test_control_endpoint_statuses(
    mock_server: InProcessMock, method: str, path: str, status: int
) -> None:
    response = _client(mock_server).request(method, path)
    assert response.status_code == status
    assert response.json()


def test_health_lists_the_base_paths(mock_server: InProcessMock) -> None:
    health = _client(mock_server).get("/__triggerspec/health").json()
    assert health == {
        "status": "ok",
        "apis": {name: api.base_path for name, api in mock_server.app.apis.items()},
    }
    assert health["apis"]["cloudflare-pages"] == "/client/v4"
    assert health["apis"]["northflank"] == ""


def test_a_failing_endpoint_answers_500_and_logs(
    mock_server: InProcessMock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(mock_server.app, "reset", broken)
    response = _client(mock_server).post("/__triggerspec/reset")
    assert response.status_code == 500
    assert "boom" in caplog.text


def test_a_bug_in_an_operation_still_gets_a_vendor_shaped_500(
    mock_server: InProcessMock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(ctx: object) -> object:
        raise RuntimeError("builder bug")

    monkeypatch.setitem(responses.BUILDERS, "job-build", broken)
    response = send(_client(mock_server), "startJobBuild")
    assert response.status_code == 500
    body = assert_documented(mock_server.app, response, "startJobBuild")
    assert body["error"]["message"].startswith("request: the mock failed")
    assert "builder bug" in caplog.text
    assert "mock-token" not in caplog.text
    assert mock_server.journal[-1].status == 500


@pytest.mark.triggerspec_mock(scenarios=[{"operation": "startJobBuild", "status": 503, "times": 1}])
def test_reset_restores_the_configured_scenarios(mock_server: InProcessMock) -> None:
    client = _client(mock_server)
    assert send(client, "startJobBuild").status_code == 503
    assert send(client, "startJobBuild").status_code == 200
    client.post("/__triggerspec/reset")
    assert send(client, "startJobBuild").status_code == 503
