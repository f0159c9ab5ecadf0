"""The official ``cloudflare`` Python SDK (5.9.0), pointed at the mock by its base URL."""

from __future__ import annotations

from typing import Any

import cloudflare
import httpx
import pytest

from tests.mock.helpers import CONNECTION, TRIGGER, assert_documented
from triggerspec.mock.handles import InProcessMock, MockHandle
from triggerspec.mock.server import LiveMock

TOKEN = "sdk-token-123"


def sdk(mock: MockHandle, **kwargs: Any) -> cloudflare.Cloudflare:
    return cloudflare.Cloudflare(
        api_token=TOKEN,
        base_url=mock.base_url("cloudflare-pages"),
        http_client=httpx.Client(transport=mock.transport),
        _strict_response_validation=True,
        max_retries=0,
        **kwargs,
    )


def test_the_sdk_creates_a_pages_deployment(mock_server: InProcessMock) -> None:
    client = sdk(mock_server)
    deployment = client.pages.projects.deployments.create(
        "my-site",
        account_id="023e105f4ecef8ad9ca31a8372d0c353",
        branch="feature/login",
        commit_hash="ad9ccd918a81025731e10e40267e11273a263421",
        commit_message="Update index.html",
        commit_dirty="true",
        manifest='{"index.html": "abc"}',
        _headers=("_headers", b"/*\n  X-Frame-Options: DENY\n", "text/plain"),
        _redirects=b"/old /new 301\n",
    )
    assert deployment.project_name == "my-site"
    assert deployment.environment == "preview"
    assert deployment.deployment_trigger.type == "ad_hoc"
    assert deployment.deployment_trigger.metadata.branch == "feature/login"
    assert deployment.deployment_trigger.metadata.commit_dirty is True
    assert [s.name for s in deployment.stages] == [
        "queued",
        "initialize",
        "clone_repo",
        "build",
        "deploy",
    ]
    assert deployment.latest_stage.status == "active"
    (entry,) = mock_server.requests("createDeployment")
    assert entry.headers["authorization"] == "***"
    assert entry.body["_headers"]["filename"] == "_headers"
    assert entry.body["_redirects"]["size"] == len(b"/old /new 301\n")
    assert entry.body["manifest"] == '{"index.html": "abc"}'


def test_the_sdk_with_the_legacy_global_key(mock_server: InProcessMock) -> None:
    client = cloudflare.Cloudflare(
        api_email="me@example.com",
        api_key="0123456789abcdef0123456789abcdef01234",
        base_url=mock_server.base_url("cloudflare-pages"),
        http_client=httpx.Client(transport=mock_server.transport),
        _strict_response_validation=True,
    )
    deployment = client.pages.projects.deployments.create("site", account_id="acc")
    assert deployment.environment == "production"
    assert mock_server.journal[-1].auth == "api_email+api_key"


def test_the_sdks_dotted_file_params_are_refused_clearly(mock_server: InProcessMock) -> None:
    client = sdk(mock_server)
    with pytest.raises(cloudflare.BadRequestError) as caught:
        client.pages.projects.deployments.create(
            "my-site", account_id="acc", _worker_js=b"export default {}"
        )
    message = caught.value.body["errors"][0]["message"]  # type: ignore[index]
    assert message.startswith("/_worker.js: must be a file part")
    assert "Python bytes repr" in message
    assert "format binary" in message
    assert mock_server.journal[-1].body == {"_worker.js": "b'export default {}'"}


def test_the_sdks_generic_calls_reach_workers_builds(mock_server: InProcessMock) -> None:
    client = sdk(mock_server)
    build = client.post(
        f"/accounts/acc/builds/triggers/{TRIGGER}/builds",
        body={"branch": "main", "commit_hash": "abc123def456"},
        cast_to=object,
    )
    assert build["success"] is True  # type: ignore[index]
    created = client.put("/accounts/acc/builds/repos/connections", body=CONNECTION, cast_to=object)
    updated = client.put(
        "/accounts/acc/builds/repos/connections",
        body={**CONNECTION, "repo_name": "renamed"},
        cast_to=httpx.Response,
    )
    assert_documented(mock_server.app, updated, "upsertRepoConnection")
    first, second = created["result"], updated.json()["result"]  # type: ignore[index]
    assert first["repo_connection_uuid"] == second["repo_connection_uuid"]
    assert [e.operation_id for e in mock_server.journal] == [
        "createManualBuild",
        "upsertRepoConnection",
        "upsertRepoConnection",
    ]


def test_the_sdk_raises_its_own_errors_for_vendor_shaped_refusals(
    mock_server: InProcessMock,
) -> None:
    client = sdk(mock_server)
    with pytest.raises(cloudflare.BadRequestError) as bad:
        client.post(f"/accounts/acc/builds/triggers/{TRIGGER}/builds", body={}, cast_to=object)
    assert "at least one of branch, commit_hash is required" in str(bad.value)
    with pytest.raises(cloudflare.RateLimitError) as limited:
        client.pages.projects.deployments.create(
            "site", account_id="acc", extra_headers={"Prefer": "code=429, retry-after=1"}
        )
    assert limited.value.response.headers["retry-after"] == "1"
    # Cloudflare answers credential problems 400 (missing, malformed) and 403 (not usable),
    # as its spec's x-auth-errors says: the official SDK raises BadRequestError and
    # PermissionDeniedError, never AuthenticationError.
    with pytest.raises(cloudflare.BadRequestError) as malformed:
        cloudflare.Cloudflare(
            api_token="a b",
            base_url=mock_server.base_url("cloudflare-pages"),
            http_client=httpx.Client(transport=mock_server.transport),
        ).pages.projects.deployments.create("site", account_id="acc")
    assert malformed.value.body["errors"][0]["code"] == 6003  # type: ignore[index]


@pytest.mark.triggerspec_mock(token=TOKEN, seed=5)
def test_the_sdk_over_a_real_port(live_mock_server: LiveMock) -> None:
    client = cloudflare.Cloudflare(
        api_token=TOKEN,
        base_url=live_mock_server.base_url("cloudflare-pages"),
        _strict_response_validation=True,
        max_retries=0,
    )
    deployment = client.pages.projects.deployments.create(
        "site", account_id="acc", branch="main", _headers=b"/*\n"
    )
    assert deployment.environment == "production"
    assert deployment.created_on.year == 2025
    wrong = cloudflare.Cloudflare(
        api_token="other", base_url=live_mock_server.base_url("cloudflare-pages"), max_retries=0
    )
    with pytest.raises(cloudflare.PermissionDeniedError):
        wrong.pages.projects.deployments.create("site", account_id="acc")
