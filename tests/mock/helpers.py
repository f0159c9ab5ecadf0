"""Valid requests for every operation, and checks that answers keep the documented shapes."""

from __future__ import annotations

from typing import Any

import httpx

from triggerspec.mock.app import MockApp
from triggerspec.spec.model import Api, Operation
from triggerspec.spec.validate import violations

TOKEN = "mock-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TRIGGER = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
SHA = "262ed9817b3cad5142fbceabe0c9e371e390d616"

BUILD_PATH = f"/client/v4/accounts/acc/builds/triggers/{TRIGGER}/builds"
CONNECTION_PATH = "/client/v4/accounts/acc/builds/repos/connections"
DEPLOY_PATH = "/client/v4/accounts/acc/pages/projects/my-site/deployments"
JOB_PATH = "/v1/projects/default-project/jobs/example-job/build"
TEAM_JOB_PATH = "/v1/teams/example-team" + JOB_PATH[3:]
TRIGGER_PATH = "/my-org/my-repo/ci_workflows/build/trigger"
RUNS_PATH = "/repos/my-org/my-repo/cicd/runs"
DISPATCH_PATH = "/repos/octo-org/octo-repo/actions/workflows/main.yaml/dispatches"

CONNECTION = {
    "provider_account_id": "cloudflare",
    "provider_account_name": "Cloudflare",
    "provider_type": "github",
    "repo_id": "workers-sdk",
    "repo_name": "workers-sdk",
}

VALID: dict[str, tuple[str, str, dict[str, Any]]] = {
    "createManualBuild": ("POST", BUILD_PATH, {"json": {"branch": "main"}}),
    "upsertRepoConnection": ("PUT", CONNECTION_PATH, {"json": CONNECTION}),
    "createDeployment": (
        "POST",
        DEPLOY_PATH,
        {
            "data": {"branch": "main", "commit_hash": "a1b2c3", "commit_dirty": "false"},
            "files": {"_headers": ("_headers", b"/*\n  X-Frame-Options: DENY\n", "text/plain")},
        },
    ),
    "startJobBuild": ("POST", JOB_PATH, {"json": {"sha": SHA}}),
    "startJobBuildInTeam": ("POST", TEAM_JOB_PATH, {"json": {"sha": SHA}}),
    "runWorkflow": ("POST", TRIGGER_PATH, {"json": {"revision": "main"}}),
    "runWorkflows": (
        "POST",
        RUNS_PATH,
        {"json": {"head": {"branch": "main"}, "workflows": [{"name": "build"}]}},
    ),
    "actions/create-workflow-dispatch": (
        "POST",
        DISPATCH_PATH,
        {"json": {"ref": "main", "return_run_details": True}},
    ),
}
"""One valid request per operation: method, path, httpx keyword arguments."""


def form(**fields: str) -> dict[str, tuple[None, str]]:
    """Text fields as httpx ``files`` entries, so they go out as multipart text parts."""
    return {name: (None, value) for name, value in fields.items()}


def operation_of(app: MockApp, operation_id: str) -> tuple[Api, Operation]:
    for (api_name, op_id), compiled in app.compiled.items():
        if op_id == operation_id:
            return app.apis[api_name], compiled.operation
    raise LookupError(operation_id)


def send(
    client: httpx.Client, operation_id: str, headers: dict[str, str] | None = None, **overrides: Any
) -> httpx.Response:
    """The valid request of ``operation_id`` (with ``overrides`` of its httpx arguments)."""
    method, path, kwargs = VALID[operation_id]
    merged = {**kwargs, **overrides}
    return client.request(method, path, headers={**AUTH, **(headers or {})}, **merged)


def documented_schema(app: MockApp, status: int, operation_id: str | None, api: str) -> Any:
    """The schema documented for ``status``: the operation's, or any operation's of ``api``."""
    candidates = [
        c
        for (api_name, op_id), c in app.compiled.items()
        if (op_id == operation_id if operation_id else api_name == api)
    ]
    for compiled in candidates:
        response = compiled.response_for(status)
        if response is not None:
            return response.schema
    raise AssertionError(f"status {status} is not documented for {operation_id or api}")


def assert_documented(
    app: MockApp, response: httpx.Response, operation_id: str | None = None, api: str = ""
) -> Any:
    """The body, after checking it is JSON valid against the documented schema of its status
    (``None`` for a documented response without a body, which must come without one)."""
    candidates = [
        c for (_, op_id), c in app.compiled.items() if operation_id and op_id == operation_id
    ]
    documented = candidates[0].response_for(response.status_code) if candidates else None
    if documented is not None and documented.kind == "none":
        assert response.content == b"" and "content-type" not in response.headers
        return None
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    schema = documented_schema(app, response.status_code, operation_id, api)
    found = violations(schema, body)
    assert found == [], [str(v) for v in found]
    return body


def error_text(body: Any) -> str:
    """Every message of a vendor error body, joined (whatever the vendor's shape)."""
    if "errors" in body:
        return " | ".join(e["message"] for e in body["errors"])
    if "error" in body:
        return str(body["error"]["message"])
    return str(body["message"])
