"""Size caps: the Pages bundle's 25 MiB (a max-bytes rule) and the mock's body limit."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.mock.helpers import AUTH, DEPLOY_PATH, JOB_PATH, assert_documented, error_text
from triggerspec.mock.handles import InProcessMock

CAP = 25 * 1024 * 1024


def _deploy(mock: InProcessMock, size: int) -> httpx.Response:
    client = httpx.Client(transport=mock.transport, base_url=mock.origin)
    files = {"_worker.bundle": ("bundle", b"\0" * size, "multipart/form-data")}
    return client.post(DEPLOY_PATH, files=files, headers=AUTH)


def test_a_bundle_of_exactly_25_mib_is_accepted(mock_server: InProcessMock) -> None:
    response = _deploy(mock_server, CAP)
    assert response.status_code == 200
    assert mock_server.journal[-1].body["_worker.bundle"]["size"] == CAP


def test_a_bundle_over_25_mib_is_refused_naming_the_rule(mock_server: InProcessMock) -> None:
    response = _deploy(mock_server, CAP + 1)
    assert response.status_code == 413
    message = error_text(assert_documented(mock_server.app, response, "createDeployment"))
    assert message == "/_worker.bundle: _worker.bundle must be at most 26214400 bytes (max-bytes)"


def test_the_default_body_limit_is_slightly_above_the_bundle_cap(
    mock_server: InProcessMock,
) -> None:
    assert mock_server.app.max_body_bytes == CAP + 4 * 1024 * 1024


def test_a_body_over_the_mock_limit_gets_413(
    mock_server_factory: Callable[..., InProcessMock],
) -> None:
    mock = mock_server_factory(max_body_bytes=1000)
    client = httpx.Client(transport=mock.transport, base_url=mock.origin)
    response = client.post(JOB_PATH, json={"pad": "x" * 2000}, headers=AUTH)
    assert response.status_code == 413
    body = assert_documented(mock.app, response, "startJobBuild")
    assert (
        body["error"]["message"]
        == "body: the body is larger than the limit of 1000 bytes (max-bytes)"
    )
    assert mock.journal[-1].body == {"size": len(response.request.content), "parsed": False}
