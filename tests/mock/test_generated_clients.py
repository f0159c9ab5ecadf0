"""The generated clients (``generated/triggerspec_clients``) against the in-process mock."""

from __future__ import annotations

import pytest

from tests.mock.helpers import CONNECTION, SHA, TRIGGER
from triggerspec.mock.handles import InProcessMock

pytest.importorskip("triggerspec_clients")
from triggerspec_clients.cloudflare_pages import CloudflarePagesClient
from triggerspec_clients.cloudflare_workers_builds import (
    CloudflareWorkersBuildsClient,
)
from triggerspec_clients.github_actions import GithubActionsClient
from triggerspec_clients.northflank import NorthflankClient
from triggerspec_clients.sourcecraft import SourcecraftClient

ENV: dict[str, str] = {}


def test_every_generated_client_succeeds_against_the_mock(mock_server: InProcessMock) -> None:
    def kwargs(api: str) -> dict[str, object]:
        return {
            "api_token": "t0k",
            "base_url": mock_server.base_url(api),
            "transport": mock_server.transport,
            "environ": ENV,
        }

    pages = CloudflarePagesClient(**kwargs("cloudflare-pages"))  # type: ignore[arg-type]
    deployment = pages.create_deployment(
        account_id="acc", project_name="site", branch="dev", headers=b"/*\n", commit_dirty=True
    )
    assert deployment.environment == "preview"
    builds = CloudflareWorkersBuildsClient(**kwargs("cloudflare-workers-builds"))  # type: ignore[arg-type]
    build = builds.create_manual_build(account_id="acc", trigger_uuid=TRIGGER, branch="main")
    assert build is not None
    first = builds.upsert_repo_connection(account_id="acc", **CONNECTION)  # type: ignore[arg-type]
    again = builds.upsert_repo_connection(account_id="acc", **CONNECTION)  # type: ignore[arg-type]
    assert first is not None and again is not None
    assert first.repo_connection_uuid == again.repo_connection_uuid
    job = NorthflankClient(**kwargs("northflank")).start_job_build(  # type: ignore[arg-type]
        project_id="p", job_id="j", sha=SHA
    )
    assert job.sha == SHA
    in_team = NorthflankClient(**kwargs("northflank")).start_job_build_in_team(  # type: ignore[arg-type]
        team_id="t", project_id="p", job_id="j", sha=SHA
    )
    assert in_team.sha == SHA
    sourcecraft = SourcecraftClient(**kwargs("sourcecraft"))  # type: ignore[arg-type]
    with pytest.warns(DeprecationWarning, match="use runWorkflows"):
        created = sourcecraft.run_workflow(org_slug="o", repo_slug="r", workflow_name="build")
        repeated = sourcecraft.run_workflow(org_slug="o", repo_slug="r", workflow_name="build")
    assert (created.trigger_status, repeated.trigger_status) == ("created", "already_exists")
    run = sourcecraft.run_workflows(
        org_slug="o", repo_slug="r", head={"branch": "main"}, workflows=[{"name": "build"}]
    )
    assert run.status == "created"
    github = GithubActionsClient(**kwargs("github-actions"))  # type: ignore[arg-type]
    dispatch = github.actions_create_workflow_dispatch
    assert dispatch(owner="o", repo="r", workflow_id="main.yaml", ref="main") is None
    details = dispatch(owner="o", repo="r", workflow_id=42, ref="main", return_run_details=True)
    assert details is not None and details.workflow_run_id.root > 0
    assert [e.status for e in mock_server.journal] == [200] * 9 + [204, 200]
    assert mock_server.journal[-1].path.endswith("/workflows/42/dispatches")
    called = {
        "createDeployment",
        "createManualBuild",
        "upsertRepoConnection",
        "startJobBuild",
        "startJobBuildInTeam",
        "runWorkflow",
        "runWorkflows",
        "actions/create-workflow-dispatch",
    }
    assert not called & set(mock_server.uncalled())


@pytest.mark.triggerspec_mock(token="right-t0ken", forbidden_token="read-only-t0ken")
def test_each_vendors_auth_refusals_raise_the_class_of_their_status(
    mock_server: InProcessMock,
) -> None:
    """The README's table: a wrong token is AuthenticationError (401) everywhere but on
    Cloudflare, which answers 403 (PermissionDeniedError, code 10000) as for a token
    without the permission."""
    from triggerspec_clients import AuthenticationError, PermissionDeniedError

    def calls(token: str) -> dict[str, object]:
        def run(cls: type, call: str, **kwargs: object) -> object:
            client = mock_server.client(cls, token=token, environ=ENV, max_retries=0)
            return lambda: getattr(client, call)(**kwargs)

        return {
            "cloudflare": run(
                CloudflareWorkersBuildsClient,
                "create_manual_build",
                account_id="acc",
                trigger_uuid=TRIGGER,
                branch="main",
            ),
            "northflank": run(NorthflankClient, "start_job_build", project_id="p", job_id="j"),
            "sourcecraft": run(
                SourcecraftClient,
                "run_workflows",
                org_slug="o",
                repo_slug="r",
                head={"branch": "main"},
                workflows=[{"name": "build"}],
            ),
            "github": run(
                GithubActionsClient,
                "actions_create_workflow_dispatch",
                owner="o",
                repo="r",
                workflow_id="main.yaml",
                ref="main",
            ),
        }

    def raised(token: str) -> dict[str, type]:
        found: dict[str, type] = {}
        for vendor, call in calls(token).items():
            with pytest.raises((AuthenticationError, PermissionDeniedError)) as caught:
                call()  # type: ignore[operator]
            found[vendor] = type(caught.value)
        return found

    assert raised("wrong-t0ken") == {
        "cloudflare": PermissionDeniedError,
        "northflank": AuthenticationError,
        "sourcecraft": AuthenticationError,
        "github": AuthenticationError,
    }
    assert set(raised("read-only-t0ken").values()) == {PermissionDeniedError}
    assert all(e.status >= 400 for e in mock_server.journal)
