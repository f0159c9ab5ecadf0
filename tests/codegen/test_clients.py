"""Every generated method, through respx: success, error envelopes, retries, auth, secrets."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

import triggerspec_clients as errors
from triggerspec.runtime import _base_client as runtime_client
from triggerspec_clients.cloudflare_pages import AsyncCloudflarePagesClient, CloudflarePagesClient
from triggerspec_clients.cloudflare_pages import models as pages_models
from triggerspec_clients.cloudflare_workers_builds import (
    AsyncCloudflareWorkersBuildsClient,
    CloudflareWorkersBuildsClient,
)
from triggerspec_clients.northflank import AsyncNorthflankClient, NorthflankClient
from triggerspec_clients.sourcecraft import AsyncSourcecraftClient, SourcecraftClient
from triggerspec_clients.sourcecraft import models as sc_models

CF = "https://api.cloudflare.com/client/v4"
NF = "https://api.northflank.com"
SC = "https://api.sourcecraft.tech"
TOKEN = "tok-3f9c1d2e-very-secret"
SHA = "262ed9817b3cad5142fbceabe0c9e371e390d616"
TRIGGER = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
BUILD_PATH = f"/accounts/acc/builds/triggers/{TRIGGER}/builds"
CONN_PATH = "/accounts/acc/builds/repos/connections"
PAGES_PATH = "/accounts/acc/pages/projects/site/deployments"
NF_PATH = "/v1/projects/p1/jobs/j1/build"
NO_ENV: dict[str, str] = {}


def cf_ok(result: Any) -> dict[str, Any]:
    return {"errors": [], "messages": [], "result": result, "success": True}


def cf_fail(code: int, message: str) -> dict[str, Any]:
    return {
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": None,
        "success": False,
    }


STAGE = {"ended_on": None, "name": "queued", "started_on": None, "status": "active"}
DEPLOYMENT: dict[str, Any] = {
    "id": "f64788e9-fccd-4d4a-a28a-cb84f88f6",
    "aliases": None,
    "build_config": {"web_analytics_tag": None, "web_analytics_token": None},
    "created_on": "2021-03-09T00:55:03.923456Z",
    "deployment_trigger": {
        "metadata": {
            "branch": "main",
            "commit_dirty": False,
            "commit_hash": SHA,
            "commit_message": "m",
        },
        "type": "ad_hoc",
    },
    "env_vars": {"foo": {"type": "plain_text", "value": "hello"}, "gone": None},
    "environment": "preview",
    "is_skipped": False,
    "latest_stage": STAGE,
    "modified_on": "2021-03-09T00:55:03.923456Z",
    "project_id": "p",
    "project_name": "site",
    "short_id": "f64788e9",
    "source": {
        "config": {
            "owner": "o",
            "pr_comments_enabled": True,
            "production_branch": "main",
            "repo_name": "r",
        },
        "type": "github",
    },
    "stages": [STAGE],
    "url": "https://f64788e9.site.pages.dev",
}
RUN = {"id": "run-1", "status": "created", "event_type": "manual", "workflows": []}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry delays instead of sleeping."""
    waited: list[float] = []

    async def no_async_sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(runtime_client.time, "sleep", waited.append)
    monkeypatch.setattr(runtime_client.asyncio, "sleep", no_async_sleep)
    return waited


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


# --- success: every method, sync and async ---------------------------------------------


def test_create_manual_build(mock: respx.MockRouter) -> None:
    route = mock.post(CF + BUILD_PATH).respond(
        200, json=cf_ok({"build_uuid": TRIGGER, "created_on": "2019-12-27T18:11:19.117Z"})
    )
    client = CloudflareWorkersBuildsClient(api_token=TOKEN, environ=NO_ENV)
    result = client.create_manual_build(account_id="acc", trigger_uuid=TRIGGER, branch="main")
    assert result is not None and str(result.build_uuid) == TRIGGER
    request = route.calls.last.request
    assert json.loads(request.content) == {"branch": "main"}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"


def test_create_manual_build_with_null_result(mock: respx.MockRouter) -> None:
    mock.post(CF + BUILD_PATH).respond(200, json=cf_ok(None))
    client = CloudflareWorkersBuildsClient(api_token=TOKEN, environ=NO_ENV)
    assert (
        client.create_manual_build(account_id="acc", trigger_uuid=TRIGGER, commit_hash=SHA) is None
    )


def test_upsert_repo_connection_with_email_and_key(mock: respx.MockRouter) -> None:
    route = mock.put(CF + CONN_PATH).respond(
        200,
        json=cf_ok(
            {"repo_connection_uuid": TRIGGER, "provider_type": "github", "deleted_on": None}
        ),
    )
    client = CloudflareWorkersBuildsClient(
        environ={"CLOUDFLARE_EMAIL": "user@example.com", "CLOUDFLARE_API_KEY": "k-secret"}
    )
    result = client.upsert_repo_connection(
        account_id="acc",
        provider_account_id="cloudflare",
        provider_account_name="Cloudflare",
        provider_type="github",
        repo_id="workers-sdk",
        repo_name="workers-sdk",
    )
    assert result is not None and result.provider_type is not None
    headers = route.calls.last.request.headers
    assert headers["x-auth-email"] == "user@example.com" and headers["x-auth-key"] == "k-secret"
    assert "authorization" not in headers


def test_create_deployment_multipart(mock: respx.MockRouter) -> None:
    route = mock.post(CF + PAGES_PATH).respond(200, json=cf_ok(DEPLOYMENT))
    client = CloudflarePagesClient(api_token=TOKEN, environ=NO_ENV)
    deployment = client.create_deployment(
        account_id="acc",
        project_name="site",
        branch="staging",
        commit_dirty=False,
        manifest='{"index.html": "abc123"}',
        worker_js=("index.js", b"export default {}"),
        headers=io.BytesIO(b"/*\n  X-Frame-Options: DENY\n"),
    )
    assert deployment.short_id == "f64788e9"
    assert deployment.env_vars is not None and "foo" in deployment.env_vars
    request = route.calls.last.request
    body = request.content
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="commit_dirty"\r\n\r\nfalse\r\n' in body  # a bool is sent as documented
    assert b'name="_worker.js"; filename="index.js"' in body
    assert b"Content-Type: application/javascript+module" in body
    assert b'name="_headers"; filename="_headers"' in body


def test_start_job_build(mock: respx.MockRouter) -> None:
    route = mock.post(NF + NF_PATH).respond(
        200, json={"data": {"id": "joyous-view-6290", "sha": SHA, "status": "PENDING"}}
    )
    client = NorthflankClient(environ={"NORTHFLANK_API_TOKEN": TOKEN})
    build = client.start_job_build(
        project_id="p1",
        job_id="j1",
        sha=SHA,
        overrides={"docker": {"dockerFilePath": "/Dockerfile"}},
    )
    assert build.id == "joyous-view-6290"
    assert json.loads(route.calls.last.request.content) == {
        "sha": SHA,
        "overrides": {"docker": {"dockerFilePath": "/Dockerfile"}},
    }


def test_path_parameters_are_escaped(mock: respx.MockRouter) -> None:
    route = mock.post(NF + "/v1/projects/a%2Fb/jobs/j%201/build").respond(
        200, json={"data": {"id": "b"}}
    )
    NorthflankClient(api_token=TOKEN).start_job_build(project_id="a/b", job_id="j 1")
    assert route.called


def test_run_workflow_deprecated_and_unknown_status(mock: respx.MockRouter) -> None:
    mock.post(SC + "/o/r/ci_workflows/build/trigger").respond(
        200, json={"flux_id": "f", "flux_public_id": "p", "trigger_status": "queued_for_later"}
    )
    client = SourcecraftClient(api_token=TOKEN)
    with pytest.warns(DeprecationWarning, match="runWorkflows"):
        result = client.run_workflow(org_slug="o", repo_slug="r", workflow_name="build")
    status = result.trigger_status
    assert isinstance(status, sc_models.TriggerStatus)
    assert status == "queued_for_later" and not status.is_known
    assert sc_models.TriggerStatus("created").is_known


def test_run_workflows(mock: respx.MockRouter) -> None:
    route = mock.post(SC + "/repos/o/r/cicd/runs").respond(200, json=RUN)
    run = SourcecraftClient(api_token=TOKEN).run_workflows(
        org_slug="o",
        repo_slug="r",
        head={"branch": "main"},
        workflows=[{"name": "build", "values": [{"name": "k", "value": "v"}]}],
    )
    assert run.status == "created" and run.status.is_known  # type: ignore[union-attr]
    assert json.loads(route.calls.last.request.content)["head"] == {"branch": "main"}


def test_async_clients(mock: respx.MockRouter) -> None:
    mock.post(CF + BUILD_PATH).respond(200, json=cf_ok({"build_uuid": TRIGGER}))
    mock.put(CF + CONN_PATH).respond(200, json=cf_ok({"repo_id": "x"}))
    mock.post(CF + PAGES_PATH).respond(200, json=cf_ok(DEPLOYMENT))
    mock.post(NF + NF_PATH).respond(200, json={"data": {"id": "b1"}})
    mock.post(SC + "/o/r/ci_workflows/w/trigger").respond(200, json={"trigger_status": "created"})
    mock.post(SC + "/repos/o/r/cicd/runs").respond(
        404, json={"error_code": "NOT_FOUND", "message": "no repo"}
    )

    async def scenario() -> None:
        async with AsyncCloudflareWorkersBuildsClient(api_token=TOKEN) as cf:
            assert (
                await cf.create_manual_build(account_id="acc", trigger_uuid=TRIGGER, branch="main")
                is not None
            )
            assert (
                await cf.upsert_repo_connection(
                    account_id="acc",
                    provider_account_id="a",
                    provider_account_name="A",
                    provider_type="github",
                    repo_id="x",
                    repo_name="x",
                )
                is not None
            )
        async with AsyncCloudflarePagesClient(api_token=TOKEN) as pages:
            assert (await pages.create_deployment(account_id="acc", project_name="site")).url
        async with AsyncNorthflankClient(api_token=TOKEN) as nf:
            assert (await nf.start_job_build(project_id="p1", job_id="j1")).id == "b1"
        async with AsyncSourcecraftClient(api_token=TOKEN) as sc:
            with pytest.warns(DeprecationWarning):
                done = await sc.run_workflow(org_slug="o", repo_slug="r", workflow_name="w")
            assert done.trigger_status == "created"
            with pytest.raises(errors.NotFoundError) as caught:
                await sc.run_workflows(org_slug="o", repo_slug="r", head={"tag": "v1"})
            assert caught.value.envelope.error_code == "NOT_FOUND"

    asyncio.run(scenario())


def test_raw_response_view(mock: respx.MockRouter) -> None:
    mock.post(NF + NF_PATH).respond(
        200, json={"data": {"id": "b1"}}, headers={"x-ratelimit-remaining": "999"}
    )
    raw = NorthflankClient(api_token=TOKEN).with_raw_response.start_job_build(
        project_id="p1", job_id="j1"
    )
    assert raw.status_code == 200 and raw.headers["x-ratelimit-remaining"] == "999"
    assert raw.parsed.data.id == "b1" and raw.retries == 0


# --- errors ----------------------------------------------------------------------------

STATUS_CLASSES = [
    (400, errors.BadRequestError),
    (401, errors.AuthenticationError),
    (403, errors.PermissionDeniedError),
    (404, errors.NotFoundError),
    (409, errors.ConflictError),
    (422, errors.UnprocessableEntityError),
    (429, errors.RateLimitError),
    (500, errors.InternalServerError),
    (503, errors.InternalServerError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_cloudflare_error_envelope(mock: respx.MockRouter, status: int, cls: type) -> None:
    mock.post(CF + BUILD_PATH).respond(status, json=cf_fail(12000, "Not found"))
    client = CloudflareWorkersBuildsClient(api_token=TOKEN, max_retries=0)
    with pytest.raises(cls) as caught:
        client.create_manual_build(account_id="acc", trigger_uuid=TRIGGER, branch="main")
    error = caught.value
    assert error.status_code == status and "[12000] Not found" in str(error)
    assert error.envelope.errors[0].message == "Not found"


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_northflank_error_envelope(mock: respx.MockRouter, status: int, cls: type) -> None:
    mock.post(NF + NF_PATH).respond(status, json={"error": {"status": status, "message": "nope"}})
    with pytest.raises(cls) as caught:
        NorthflankClient(api_token=TOKEN, max_retries=0).start_job_build(
            project_id="p1", job_id="j1"
        )
    assert caught.value.envelope.error.message == "nope"


def test_cloudflare_2xx_with_success_false_is_an_error(mock: respx.MockRouter) -> None:
    mock.post(CF + PAGES_PATH).respond(200, json=cf_fail(8000000, "busy"))
    with pytest.raises(errors.UnsuccessfulResponseError, match=r"\[8000000\] busy"):
        CloudflarePagesClient(api_token=TOKEN).create_deployment(
            account_id="acc", project_name="site"
        )


def test_error_body_that_is_not_the_envelope_is_kept_raw(mock: respx.MockRouter) -> None:
    mock.post(NF + NF_PATH).respond(502, text="<html>bad gateway</html>")
    with pytest.raises(errors.InternalServerError) as caught:
        NorthflankClient(api_token=TOKEN, max_retries=0).start_job_build(
            project_id="p1", job_id="j1"
        )
    assert caught.value.envelope == "<html>bad gateway</html>"


def test_response_that_breaks_the_spec(mock: respx.MockRouter) -> None:
    mock.post(NF + NF_PATH).respond(200, json={"id": "b1"})  # no data wrapper
    with pytest.raises(errors.ResponseValidationError, match="/data"):
        NorthflankClient(api_token=TOKEN).start_job_build(project_id="p1", job_id="j1")


def test_null_where_the_spec_forbids_it(mock: respx.MockRouter) -> None:
    body = {"data": {"id": "b1", "branch": None}}
    mock.post(NF + NF_PATH).respond(200, json=body)
    with pytest.raises(errors.ResponseValidationError, match="/data/branch"):
        NorthflankClient(api_token=TOKEN).start_job_build(project_id="p1", job_id="j1")


# --- refused before sending ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"sha": SHA[:39]}, "/sha: String should have at least 40 characters"),
        ({"sha": SHA + "0"}, "/sha: String should have at most 40 characters"),
        (
            {"overrides": {"docker": {"dockerFilePath": "Dockerfile"}}},
            "/overrides/docker/dockerFilePath: String should match pattern",
        ),
        (
            {"overrides": {"docker": {"dockerfileTarget": "a b"}}},
            "/overrides/docker/dockerfileTarget: String should match pattern",
        ),
        (
            {"overrides": {"buildFiles": {"dir/file": {"data": "x"}}}},
            "/overrides/buildFiles/dir/file: String should match pattern '^/'",
        ),
    ],
)
def test_northflank_rules_refused_before_sending(
    mock: respx.MockRouter, kwargs: dict[str, Any], says: str
) -> None:
    route = mock.post(NF + NF_PATH)
    with pytest.raises(errors.RequestValidationError) as caught:
        NorthflankClient(api_token=TOKEN).start_job_build(project_id="p1", job_id="j1", **kwargs)
    assert says in str(caught.value)
    assert not route.called


def test_manual_build_needs_branch_or_commit_hash(mock: respx.MockRouter) -> None:
    route = mock.post(CF + BUILD_PATH)
    with pytest.raises(
        errors.RequestValidationError, match="at least one of branch, commit_hash is required"
    ):
        CloudflareWorkersBuildsClient(api_token=TOKEN).create_manual_build(
            account_id="acc", trigger_uuid=TRIGGER
        )
    with pytest.raises(errors.RequestValidationError, match=r"trigger_uuid.*format uuid"):
        CloudflareWorkersBuildsClient(api_token=TOKEN).create_manual_build(
            account_id="acc", trigger_uuid="nope", branch="main"
        )
    assert not route.called


def test_pages_worker_parts_are_exclusive_and_capped(mock: respx.MockRouter) -> None:
    route = mock.post(CF + PAGES_PATH)
    client = CloudflarePagesClient(api_token=TOKEN)
    with pytest.raises(
        errors.RequestValidationError, match=r"_worker\.js and _worker\.bundle are mutually"
    ):
        client.create_deployment(
            account_id="acc", project_name="site", worker_js=b"a", worker_bundle=b"b"
        )
    big = io.BytesIO(b"\0" * (25 * 1024 * 1024 + 1))
    with pytest.raises(errors.RequestValidationError, match=r"_worker\.bundle must be at most"):
        client.create_deployment(account_id="acc", project_name="site", worker_bundle=big)
    with pytest.raises(errors.RequestValidationError, match="commit_dirty"):
        client.create_deployment(account_id="acc", project_name="site", commit_dirty="False")  # type: ignore[arg-type]
    assert not route.called


@pytest.mark.parametrize(
    ("account_id", "project_name", "says"),
    [
        ("a" * 33, "site", r"account_id: longer than 32 characters \(maxLength\)"),
        ("acc", "My Site", r"project_name: 'My Site' does not match the pattern \(pattern\)"),
        ("acc", "site\n", r"project_name: 'site\\n' does not match"),  # ECMAScript `$`
    ],
)
def test_pages_path_parameters_keep_cloudflares_rules(
    mock: respx.MockRouter, account_id: str, project_name: str, says: str
) -> None:
    route = mock.post(url__regex=r".*")
    with pytest.raises(errors.RequestValidationError, match=says):
        CloudflarePagesClient(api_token=TOKEN).create_deployment(
            account_id=account_id, project_name=project_name
        )
    assert not route.called


def test_git_revision_exactly_one(mock: respx.MockRouter) -> None:
    route = mock.post(SC + "/repos/o/r/cicd/runs")
    with pytest.raises(errors.RequestValidationError, match="/head: exactly one of"):
        SourcecraftClient(api_token=TOKEN).run_workflows(
            org_slug="o",
            repo_slug="r",
            head=sc_models.GitRevision.model_validate({"branch": "main", "tag": "v1"}),
        )
    assert not route.called


# --- retries ---------------------------------------------------------------------------


def test_post_that_timed_out_after_sending_is_not_resent(
    mock: respx.MockRouter, sleeps: list[float]
) -> None:
    route = mock.post(NF + NF_PATH).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(errors.APITimeoutError) as caught:
        NorthflankClient(api_token=TOKEN).start_job_build(project_id="p1", job_id="j1")
    assert route.call_count == 1 and caught.value.sent and sleeps == []


def test_connect_error_is_retried(
    mock: respx.MockRouter, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    route = mock.post(NF + NF_PATH).mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(200, json={"data": {"id": "b1"}}),
        ]
    )
    with caplog.at_level(logging.INFO, logger="triggerspec.client"):
        raw = NorthflankClient(api_token=TOKEN).with_raw_response.start_job_build(
            project_id="p1", job_id="j1"
        )
    assert route.call_count == 2 and raw.retries == 1 and len(sleeps) == 1
    assert "never sent" in caplog.text and TOKEN not in caplog.text


def test_connect_error_exhausts_retries(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.post(NF + NF_PATH).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(errors.APIConnectionError) as caught:
        NorthflankClient(api_token=TOKEN, max_retries=2).start_job_build(
            project_id="p1", job_id="j1"
        )
    assert route.call_count == 3 and not caught.value.sent and len(sleeps) == 2


def test_429_with_retry_after_is_retried(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.post(CF + BUILD_PATH).mock(
        side_effect=[
            httpx.Response(429, json=cf_fail(10000, "slow down"), headers={"Retry-After": "3"}),
            httpx.Response(200, json=cf_ok({"build_uuid": TRIGGER})),
        ]
    )
    CloudflareWorkersBuildsClient(api_token=TOKEN).create_manual_build(
        account_id="acc", trigger_uuid=TRIGGER, branch="main"
    )
    assert route.call_count == 2 and sleeps == [3.0]


def test_5xx_is_not_retried_for_a_build_trigger(
    mock: respx.MockRouter, sleeps: list[float]
) -> None:
    route = mock.post(CF + BUILD_PATH).respond(503, json=cf_fail(10001, "down"))
    with pytest.raises(errors.InternalServerError):
        CloudflareWorkersBuildsClient(api_token=TOKEN).create_manual_build(
            account_id="acc", trigger_uuid=TRIGGER, branch="main"
        )
    assert route.call_count == 1


def test_5xx_is_retried_for_the_idempotent_upsert(
    mock: respx.MockRouter, sleeps: list[float]
) -> None:
    route = mock.put(CF + CONN_PATH).mock(
        side_effect=[
            httpx.Response(503, json=cf_fail(10001, "down")),
            httpx.Response(200, json=cf_ok({"repo_id": "x"})),
        ]
    )
    CloudflareWorkersBuildsClient(api_token=TOKEN).upsert_repo_connection(
        account_id="acc",
        provider_account_id="a",
        provider_account_name="A",
        provider_type="github",
        repo_id="x",
        repo_name="x",
    )
    assert route.call_count == 2


def test_caller_may_opt_in_to_unsafe_retries(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.post(NF + NF_PATH).mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={"data": {"id": "b1"}})]
    )
    NorthflankClient(api_token=TOKEN, retry_unsafe=True).start_job_build(
        project_id="p1", job_id="j1"
    )
    assert route.call_count == 2


def test_async_post_timeout_is_not_resent(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.post(NF + NF_PATH).mock(side_effect=httpx.ReadTimeout("slow"))

    async def call() -> None:
        async with AsyncNorthflankClient(api_token=TOKEN) as client:
            await client.start_job_build(project_id="p1", job_id="j1")

    with pytest.raises(errors.APITimeoutError):
        asyncio.run(call())
    assert route.call_count == 1


# --- auth, base url, transport, secrets ---------------------------------------------------


def test_missing_credentials_names_the_ways() -> None:
    with pytest.raises(errors.MissingCredentialsError) as caught:
        CloudflareWorkersBuildsClient(environ={"CLOUDFLARE_EMAIL": "only@example.com"})
    message = str(caught.value)
    assert "api_token= (CLOUDFLARE_API_TOKEN)" in message
    assert "api_email= (CLOUDFLARE_EMAIL) and api_key= (CLOUDFLARE_API_KEY)" in message


def test_environment_token_is_used_and_argument_wins() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"data": {"id": "b"}})

    env = {"NORTHFLANK_API_TOKEN": "from-env"}
    NorthflankClient(environ=env, transport=httpx.MockTransport(handler)).start_job_build(
        project_id="p", job_id="j"
    )
    NorthflankClient(
        api_token="from-arg", environ=env, transport=httpx.MockTransport(handler)
    ).start_job_build(project_id="p", job_id="j")
    assert [r.headers["authorization"] for r in sent] == ["Bearer from-env", "Bearer from-arg"]


def test_base_url_override_and_injected_http_client() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"data": {"id": "b"}})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        NorthflankClient(
            api_token=TOKEN, base_url="http://127.0.0.1:9/nf/", http_client=http
        ).start_job_build(project_id="p", job_id="j")
    assert seen == ["http://127.0.0.1:9/nf/v1/projects/p/jobs/j/build"]


def test_secrets_never_show(mock: respx.MockRouter, caplog: pytest.LogCaptureFixture) -> None:
    mock.put(CF + CONN_PATH).respond(403, json=cf_fail(10000, "Authentication error"))
    client = CloudflareWorkersBuildsClient(
        api_email="user@example.com", api_key="k-9d8c7b6a", environ=NO_ENV, max_retries=0
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(errors.PermissionDeniedError) as caught:
        client.upsert_repo_connection(
            account_id="acc",
            provider_account_id="a",
            provider_account_name="A",
            provider_type="github",
            repo_id="x",
            repo_name="x",
        )
    shown = " ".join(
        [
            repr(client),
            str(caught.value),
            repr(caught.value),
            caplog.text,
            repr(client._auth_headers),
        ]
    )
    assert "k-9d8c7b6a" not in shown


def test_models_round_trip_the_doc_response() -> None:
    deployment = pages_models.Deployment.model_validate(DEPLOYMENT)
    assert pages_models.Deployment.model_validate(deployment.model_dump(mode="json")) == deployment
