"""A complete test file for your own repository: your code against the triggerspec mock.

Copy it next to your tests after `pip install triggerspec`; no conftest is needed (the
fixtures come with the package's pytest plugin) and no project either (without one, the
mock serves the vendor specs bundled with triggerspec). The suite of triggerspec itself
runs this file as it is, from an empty folder.

Fixtures: ``mock_server`` (in-process, no port), ``live_mock_server`` (a real uvicorn on
127.0.0.1, for code that needs a URL), ``mock_server_factory`` (several mocks). The
``triggerspec_mock`` marker configures one test's mock: ``seed=``, ``token=`` (require
exactly this credential), ``forbidden_token=`` (a credential that authenticates but lacks
the permission) and ``scenarios=[...]`` (force a status, a 429 with Retry-After,
a delay, or a named example, for ``times`` requests).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from triggerspec_clients import (
    AuthenticationError,
    PermissionDeniedError,
    RequestValidationError,
)
from triggerspec_clients.northflank import AsyncNorthflankClient, NorthflankClient

SHA = "262ed9817b3cad5142fbceabe0c9e371e390d616"


def trigger_nightly(client: NorthflankClient) -> str:
    """The code under test: your automation that starts a build."""
    return client.start_job_build(project_id="default-project", job_id="nightly", sha=SHA).id


def test_a_build_is_started(mock_server):
    client = mock_server.client(NorthflankClient)
    build_id = trigger_nightly(client)
    assert build_id
    [entry] = mock_server.requests("startJobBuild")
    assert entry.status == 200


def test_the_build_is_typed(mock_server):
    build = mock_server.client(NorthflankClient).start_job_build(
        project_id="p", job_id="j", sha=SHA, overrides={"build_arguments": {"MODE": "ci"}}
    )
    assert build.sha == SHA
    assert build.created_at.tzinfo is not None  # `createdAt` on the wire, an aware datetime here
    assert "MISSING" not in repr(build)  # unset optional fields stay out of reprs
    [entry] = mock_server.requests("startJobBuild")
    assert entry.body["overrides"] == {"buildArguments": {"MODE": "ci"}}  # wire names sent


def test_options_for_one_call_site(mock_server):
    client = mock_server.client(NorthflankClient)
    impatient = client.with_options(timeout=5, max_retries=0)  # shares the connection pool
    assert impatient.start_job_build(project_id="p", job_id="j").id
    assert client.retry_policy.max_retries == 2  # the original is unchanged


def test_an_invalid_sha_never_leaves_the_client(mock_server):
    client = mock_server.client(NorthflankClient)
    with pytest.raises(RequestValidationError, match="sha"):
        client.start_job_build(project_id="p", job_id="j", sha="not-a-sha")
    assert mock_server.requests() == []


RATE_LIMITED_ONCE = {"operation": "startJobBuild", "status": 429, "retry_after": 0, "times": 1}


@pytest.mark.triggerspec_mock(scenarios=[RATE_LIMITED_ONCE])
def test_a_rate_limited_trigger_is_retried_once(mock_server):
    client = mock_server.client(NorthflankClient)
    assert trigger_nightly(client)
    assert [e.status for e in mock_server.requests("startJobBuild")] == [429, 200]


@pytest.mark.triggerspec_mock(token="the-real-one")
def test_a_wrong_token_is_refused(mock_server):
    client = mock_server.client(NorthflankClient, token="a-wrong-one")
    # Northflank answers a wrong token 401 (a wrong Cloudflare token gets 403, as Cloudflare
    # does): each spec's x-auth-errors says which, and the exception follows the status.
    with pytest.raises(AuthenticationError) as refused:
        trigger_nightly(client)
    assert "a-wrong-one" not in str(refused.value)


@pytest.mark.triggerspec_mock(forbidden_token="read-only")
def test_a_token_without_the_permission_is_refused(mock_server):
    client = mock_server.client(NorthflankClient, token="read-only")
    with pytest.raises(PermissionDeniedError):
        trigger_nightly(client)


def test_the_async_client(mock_server):
    async def go() -> str:
        async with mock_server.async_client(AsyncNorthflankClient) as client:
            build = await client.start_job_build(project_id="p", job_id="j")
            return build.id

    assert asyncio.run(go())


def test_code_that_needs_a_url(live_mock_server):
    url = live_mock_server.base_url("northflank") + "/v1/projects/p/jobs/j/build"
    response = httpx.post(url, json={"sha": SHA}, headers={"Authorization": "Bearer t"})
    assert response.status_code == 200
    assert response.json()["data"]["sha"] == SHA
