"""Valid requests get realistic, stateful answers that keep the documented success shapes."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.mock.helpers import (
    BUILD_PATH,
    CONNECTION,
    RUNS_PATH,
    SHA,
    TRIGGER_PATH,
    VALID,
    assert_documented,
    error_text,
    form,
    operation_of,
    send,
)
from triggerspec.mock.handles import InProcessMock
from triggerspec.spec.defects import DocDefects, example_cases
from triggerspec.spec.model import Api

OPERATIONS = sorted(VALID)


@pytest.fixture
def client(mock_server: InProcessMock) -> httpx.Client:
    return httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)


def test_every_listed_request_names_a_served_operation(mock_server: InProcessMock) -> None:
    # Operations of other specs are answered from their own examples (tests/corpus).
    assert set(OPERATIONS) <= {op for _, op in mock_server.app.compiled}


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_valid_request_gets_a_documented_success(
    mock_server: InProcessMock, client: httpx.Client, operation_id: str
) -> None:
    response = send(client, operation_id)
    assert response.status_code == 200, response.text
    assert_documented(mock_server.app, response, operation_id)
    (entry,) = mock_server.requests(operation_id)
    assert entry.status == 200


def _request_examples(apis: list[Api]) -> list[tuple[str, str, object]]:
    return [
        (case.operation_id, case.example.pointer, case.example.value)
        for api in apis
        for case in example_cases(api)
        if case.kind == "request" and case.operation_id != "createDeployment"
    ]


def test_every_spec_request_example_is_answered_as_documented(
    mock_server: InProcessMock,
    client: httpx.Client,
    triggerspec_apis: list[Api],
    project_defects: DocDefects,
) -> None:
    examples = [e for e in _request_examples(triggerspec_apis) if e[0] in VALID]
    assert len(examples) >= 8
    for operation_id, pointer, value in examples:
        method, path, _ = VALID[operation_id]
        response = client.request(method, path, json=value, headers={"Authorization": "Bearer t"})
        body = assert_documented(mock_server.app, response, operation_id)
        defect = next((d for d in project_defects.entries if d.example == pointer), None)
        if defect is None:
            _, op = operation_of(mock_server.app, operation_id)
            expected = int(op.success_for(value).status)
            assert response.status_code == expected, (pointer, response.text)
        else:  # a vendor example that breaks the vendor's own rule is refused for that rule
            assert response.status_code == 400
            assert defect.violates in error_text(body)


@pytest.fixture
def project_defects(triggerspec_apis: list[Api]) -> DocDefects:
    from tests.conftest import ROOT
    from triggerspec.project import Project

    return DocDefects.load(Project.from_root(ROOT).doc_defects)


def test_the_pages_form_example_is_answered(
    mock_server: InProcessMock, client: httpx.Client
) -> None:
    fields = {
        "branch": "staging",
        "commit_dirty": "false",
        "commit_hash": "a1b2c3d4e5f6",
        "commit_message": "Update homepage",
        "manifest": '{"index.html": "abc123", "style.css": "def456"}',
        "pages_build_output_dir": "dist",
    }
    response = send(client, "createDeployment", data=None, files=form(**fields))
    assert response.status_code == 200, response.text
    result = assert_documented(mock_server.app, response, "createDeployment")["result"]
    assert result["deployment_trigger"] == {
        "type": "ad_hoc",
        "metadata": {
            "branch": "staging",
            "commit_dirty": False,
            "commit_hash": "a1b2c3d4e5f6",
            "commit_message": "Update homepage",
        },
    }
    assert result["environment"] == "preview"
    assert result["build_config"]["destination_dir"] == "dist"
    assert result["aliases"] == ["https://staging.my-site.pages.dev"]
    assert result["url"] == f"https://{result['short_id']}.my-site.pages.dev"
    assert result["id"].startswith(result["short_id"])


def test_a_pages_deployment_is_queued_with_idle_stages(client: httpx.Client) -> None:
    result = send(client, "createDeployment").json()["result"]
    stages = {s["name"]: s for s in result["stages"]}
    assert list(stages) == ["queued", "initialize", "clone_repo", "build", "deploy"]
    assert stages["queued"]["status"] == "active"
    assert stages["queued"]["started_on"] == result["created_on"]
    assert all(
        s["status"] == "idle" and s["started_on"] is None
        for n, s in stages.items()
        if n != "queued"
    )
    assert result["latest_stage"] == stages["queued"]
    assert result["environment"] == "production"
    assert result["uses_functions"] is False


def test_a_worker_makes_the_deployment_use_functions(client: httpx.Client) -> None:
    files = {"_worker.js": ("_worker.js", b"export default {}", "application/javascript")}
    result = send(client, "createDeployment", files=files).json()["result"]
    assert result["uses_functions"] is True


def test_deployments_of_one_project_share_the_project_id(client: httpx.Client) -> None:
    first = send(client, "createDeployment").json()["result"]
    second = send(client, "createDeployment").json()["result"]
    assert first["project_id"] == second["project_id"]
    assert first["id"] != second["id"]


def test_each_manual_build_is_new(mock_server: InProcessMock, client: httpx.Client) -> None:
    first = send(client, "createManualBuild").json()["result"]
    second = send(client, "createManualBuild", json={"commit_hash": "abc"}).json()["result"]
    assert first["build_uuid"] != second["build_uuid"]
    assert second["created_on"] > first["created_on"]
    # Created resources are kept under their path and id (for a matching get or list).
    kept = mock_server.app.state.resources
    assert list(kept[("cloudflare-workers-builds", BUILD_PATH.removeprefix("/client/v4"))]) == [
        first["build_uuid"],
        second["build_uuid"],
    ]


def test_the_repo_connection_upsert_creates_then_updates(client: httpx.Client) -> None:
    created = send(client, "upsertRepoConnection").json()["result"]
    renamed = {**CONNECTION, "repo_name": "renamed"}
    updated = send(client, "upsertRepoConnection", json=renamed).json()["result"]
    assert updated["repo_connection_uuid"] == created["repo_connection_uuid"]
    assert updated["created_on"] == created["created_on"]
    assert updated["modified_on"] > created["modified_on"]
    assert updated["repo_name"] == "renamed"
    assert created["deleted_on"] is None
    other = send(client, "upsertRepoConnection", json={**CONNECTION, "repo_id": "other"})
    assert other.json()["result"]["repo_connection_uuid"] != created["repo_connection_uuid"]


def test_northflank_echoes_the_sha_and_reports_rate_limits(client: httpx.Client) -> None:
    response = send(client, "startJobBuild")
    data = response.json()["data"]
    assert data["sha"] == SHA
    assert (data["status"], data["concluded"], data["branch"]) == ("PENDING", False, "main")
    assert response.headers["x-ratelimit-limit"] == "1000"
    assert response.headers["x-ratelimit-remaining"] == "999"
    assert 0 < int(response.headers["x-ratelimit-reset"]) <= 3600
    again = send(client, "startJobBuild")
    assert again.headers["x-ratelimit-remaining"] == "998"
    assert again.json()["data"]["id"] != data["id"]


def test_northflank_without_a_sha_builds_the_job_head(client: httpx.Client) -> None:
    first = send(client, "startJobBuild", json=None).json()["data"]
    second = send(client, "startJobBuild", json={}).json()["data"]
    assert len(first["sha"]) == 40
    assert second["sha"] == first["sha"]


def test_sourcecraft_trigger_status_follows_the_repeat_window(
    mock_server: InProcessMock, client: httpx.Client
) -> None:
    first = send(client, "runWorkflow").json()
    again = send(client, "runWorkflow").json()
    assert first["trigger_status"] == "created"
    assert again == {**first, "trigger_status": "already_exists"}
    other_revision = send(client, "runWorkflow", json={"revision": "dev"}).json()
    assert other_revision["trigger_status"] == "created"
    mock_server.clock.advance(61)
    later = send(client, "runWorkflow").json()
    assert later["trigger_status"] == "created"
    assert later["flux_id"] != first["flux_id"]
    entries = mock_server.requests("runWorkflow")
    assert len(entries) == 4
    assert {e.headers["authorization"] for e in entries} == {"***"}


def test_sourcecraft_inputs_are_part_of_the_trigger(client: httpx.Client) -> None:
    one = {"revision": "main", "input": {"values": [{"name": "a", "value": "1"}]}}
    two = {"revision": "main", "input": {"values": [{"name": "a", "value": "2"}]}}
    assert send(client, "runWorkflow", json=one).json()["trigger_status"] == "created"
    assert send(client, "runWorkflow", json=two).json()["trigger_status"] == "created"
    assert send(client, "runWorkflow", json=one).json()["trigger_status"] == "already_exists"


def test_a_workflow_without_config_has_nothing_to_start(
    mock_server_factory: Callable[..., InProcessMock],
) -> None:
    mock = mock_server_factory(no_config_workflows=frozenset({"deploy"}))
    client = httpx.Client(transport=mock.transport, base_url=mock.origin)
    for name in ("none-such", "deploy"):
        path = TRIGGER_PATH.replace("/build/", f"/{name}/")
        body = (
            send(client, "runWorkflow").json()
            if False
            else client.post(
                path, json={"revision": "main"}, headers={"Authorization": "Bearer t"}
            ).json()
        )
        assert body == {"trigger_status": "nothing_to_start"}


def test_sourcecraft_run_lists_the_requested_workflows(
    mock_server: InProcessMock, client: httpx.Client
) -> None:
    body = {"head": {"commit": "abc"}, "workflows": [{"name": "build"}, {"name": "test"}]}
    run = send(client, "runWorkflows", json=body).json()
    assert (run["status"], run["event_type"], run["slug"]) == ("created", "manual", "1")
    assert [w["slug"] for w in run["workflows"]] == ["build", "test"]
    assert all(w["status"] == "created" for w in run["workflows"])
    assert run["error_messages"] == []
    assert send(client, "runWorkflows").json()["slug"] == "2"


def test_sourcecraft_run_of_unknown_workflows_fails(
    mock_server: InProcessMock, client: httpx.Client
) -> None:
    body = {"head": {"branch": "main"}, "workflows": [{"name": "none-x"}]}
    response = client.post(RUNS_PATH, json=body, headers={"Authorization": "Bearer t"})
    run = assert_documented(mock_server.app, response, "runWorkflows")
    assert run["status"] == "failed"
    assert run["workflows"] == []
    assert run["error_messages"] == ["workflow 'none-x' is not defined in the CI config"]


def test_the_deprecated_operation_names_its_successor(client: httpx.Client) -> None:
    response = send(client, "runWorkflow")
    assert response.headers["deprecation"] == "true"
    assert (
        response.headers["link"]
        == '</repos/{org_slug}/{repo_slug}/cicd/runs>; rel="successor-version"'
    )
    assert "deprecation" not in send(client, "runWorkflows").headers


def _run_all(mock: InProcessMock) -> list[object]:
    client = httpx.Client(transport=mock.transport, base_url=mock.origin)
    bodies: list[object] = []
    for operation_id in OPERATIONS:
        bodies.append(send(client, operation_id).json())
        bodies.append(send(client, operation_id, headers={"Authorization": "Basic x"}).json())
    return bodies


def test_a_seed_makes_every_answer_reproducible(
    mock_server_factory: Callable[..., InProcessMock],
) -> None:
    one, two = mock_server_factory(seed=7), mock_server_factory(seed=7)
    assert _run_all(one) == _run_all(two)
    assert _run_all(mock_server_factory(seed=8)) != _run_all(mock_server_factory(seed=7))
    one.reset()
    assert _run_all(one) == _run_all(mock_server_factory(seed=7))


def test_a_seeded_clock_starts_at_a_fixed_instant(
    mock_server_factory: Callable[..., InProcessMock],
) -> None:
    mock = mock_server_factory(seed=1)
    client = httpx.Client(transport=mock.transport, base_url=mock.origin)
    assert send(client, "createManualBuild").json()["result"]["created_on"] == (
        "2025-01-01T00:00:00.001Z"
    )


def test_without_a_seed_ids_differ_between_mocks(
    mock_server_factory: Callable[..., InProcessMock],
) -> None:
    first, second = _run_all(mock_server_factory()), _run_all(mock_server_factory())
    assert first != second


@pytest.mark.parametrize(
    ("branch", "alias"),
    [
        ("Feature/Login_Page", "feature-login-page"),
        ("--a--", "a"),
        ("x" * 40, "x" * 28),
        # The alias is made from the first 256 characters: a name that only starts being
        # one after them is as good as none.
        ("-" * 256 + "late", "branch"),
    ],
)
def test_a_pages_branch_alias(client: httpx.Client, branch: str, alias: str) -> None:
    response = send(client, "createDeployment", data=None, files=form(branch=branch))
    assert response.status_code == 200, response.text
    assert response.json()["result"]["aliases"] == [f"https://{alias}.my-site.pages.dev"]


def test_a_huge_hostile_branch_is_answered_promptly(client: httpx.Client) -> None:
    """A regex pass over all of a 16 MiB branch with a million runs to replace took about
    seven seconds; the alias reads a bounded prefix."""
    branch = "-A" * (8 * 1024 * 1024)
    started = time.monotonic()
    response = send(client, "createDeployment", data=None, files=form(branch=branch))
    assert response.status_code == 200
    assert response.json()["result"]["aliases"] == [
        "https://a-a-a-a-a-a-a-a-a-a-a-a-a-a.my-site.pages.dev"
    ]
    assert time.monotonic() - started < 3
