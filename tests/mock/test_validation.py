"""Bad requests get the vendor's own error envelope and status, naming the field and rule."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.mock.helpers import (
    AUTH,
    BUILD_PATH,
    CONNECTION,
    DEPLOY_PATH,
    JOB_PATH,
    assert_documented,
    error_text,
    form,
    send,
)
from triggerspec.mock.handles import InProcessMock

JSON = {"content-type": "application/json"}

# (operation, httpx overrides, extra headers, status, every text the error must contain)
CASES: list[tuple[str, dict[str, Any], dict[str, str], int, tuple[str, ...]]] = [
    # Cloudflare Workers Builds
    ("createManualBuild", {"json": {}}, {}, 400, ("at least one of branch, commit_hash", "anyOf")),
    ("createManualBuild", {"json": {"branch": 1}}, {}, 400, ("/branch", "type")),
    (
        "createManualBuild",
        {"json": {"branch": "main", "seed_repo": {"branch": "x"}}},
        {},
        400,
        ("/seed_repo", "required"),
    ),
    (
        "createManualBuild",
        {
            "json": {
                "branch": "m",
                "seed_repo": {
                    "branch": "b",
                    "owner": "o",
                    "path": "/",
                    "provider": "bitbucket",
                    "repository": "r",
                },
            }
        },
        {},
        400,
        ("/seed_repo/provider", "enum"),
    ),
    ("createManualBuild", {"json": None, "content": b""}, {}, 400, ("body is required",)),
    ("createManualBuild", {"json": None, "content": b"{bad"}, JSON, 400, ("not valid JSON",)),
    (
        "createManualBuild",
        {"json": None, "content": b'{"branch": "a"}'},
        {"content-type": "text/plain"},
        415,
        ("application/json",),
    ),
    (
        "createManualBuild",
        {"json": None, "content": b'{"branch": "a"}'},
        {"content-type": ""},
        415,
        ("no Content-Type",),
    ),
    (
        "upsertRepoConnection",
        {"json": {"repo_id": "x"}},
        {},
        400,
        ("required", "provider_account_id"),
    ),
    # Cloudflare Pages
    (
        "createDeployment",
        {"files": {"_worker.js": ("w.js", b"a"), "_worker.bundle": ("b", b"b")}},
        {},
        400,
        ("_worker.js and _worker.bundle are mutually exclusive", "(not)"),
    ),
    ("createDeployment", {"files": form(commit_dirty="maybe")}, {}, 400, ("/commit_dirty", "enum")),
    (
        "createDeployment",
        {"files": form(**{"_worker.js": "export {}"})},
        {},
        400,
        ("/_worker.js", "file part", "format binary"),
    ),
    (
        "createDeployment",
        {"files": {"branch": ("b.txt", b"main")}},
        {},
        400,
        ("/branch", "text field"),
    ),
    (
        "createDeployment",
        {"files": {"branch": (None, b"\xff\xfe")}},
        {},
        400,
        ("/branch", "not UTF-8"),
    ),
    (
        "createDeployment",
        {"files": None, "data": None, "json": {"branch": "x"}},
        {},
        415,
        ("multipart/form-data",),
    ),
    (
        "createDeployment",
        {"files": None, "data": None, "content": b"--x\r\n"},
        {"content-type": "multipart/form-data; boundary=x"},
        400,
        ("multipart",),
    ),
    (
        "createDeployment",
        {"files": None, "data": None, "content": b"a"},
        {"content-type": "multipart/form-data"},
        400,
        ("no boundary",),
    ),
    # Northflank
    ("startJobBuild", {"json": {"sha": "abc"}}, {}, 400, ("/sha", "minLength 40")),
    ("startJobBuild", {"json": {"sha": "a" * 41}}, {}, 400, ("/sha", "maxLength 40")),
    (
        "startJobBuild",
        {"json": {"overrides": {"docker": {"dockerFilePath": "/Dockerfile\n"}}}},
        {},
        400,
        ("/overrides/docker/dockerFilePath", "pattern"),
    ),
    (
        "startJobBuild",
        {"json": {"overrides": {"buildFiles": {"relative/path": {"data": "x"}}}}},
        {},
        400,
        ("/overrides/buildFiles", "relative/path", "pattern ^/"),
    ),
    ("startJobBuild", {"json": [1]}, {}, 400, ("type",)),
    ("startJobBuild", {"json": None, "content": b'{"sha": NaN}'}, JSON, 400, ("NaN",)),
    (
        "startJobBuild",
        {"json": None, "content": b'{"sha": "a", "sha": "b"}'},
        JSON,
        400,
        ("duplicate key",),
    ),
    (
        "startJobBuild",
        {"json": None, "content": "\ufeff{}".encode()},
        JSON,
        400,
        ("not valid JSON",),
    ),
    ("startJobBuild", {"json": None, "content": b'{"a": "\xff"}'}, JSON, 400, ("not UTF-8",)),
    (
        "startJobBuild",
        {"json": None, "content": b"[" * 100_000},
        JSON,
        400,
        ("nests deeper than 64 levels",),
    ),
    ("startJobBuild", {"json": None, "content": b"1" * 5000}, JSON, 400, ("not valid JSON",)),
    (
        "startJobBuild",
        {"json": None, "content": b"{}"},
        {"content-type": "application/json; charset=latin-1"},
        415,
        ("charset",),
    ),
    # SourceCraft
    (
        "runWorkflows",
        {"json": {"head": {}}},
        {},
        400,
        ("/head", "exactly one of branch, commit, tag"),
    ),
    (
        "runWorkflows",
        {"json": {"config_revision": {"tag": "a", "commit": "b"}}},
        {},
        400,
        ("/config_revision", "exactly one of"),
    ),
    ("runWorkflows", {"json": {"workflows": {"name": "x"}}}, {}, 400, ("/workflows", "type")),
    (
        "runWorkflow",
        {"json": {"input": {"values": [{"name": 1}]}}},
        {},
        400,
        ("/input/values/0/name",),
    ),
]


def _id(case: tuple[Any, ...]) -> str:
    return f"{case[0]}-{case[3]}-{case[4][0]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_bad_request_gets_the_vendor_error(
    mock_server: InProcessMock,
    case: tuple[str, dict[str, Any], dict[str, str], int, tuple[str, ...]],
) -> None:
    operation_id, overrides, headers, status, texts = case
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    if any(overrides.get(k) is not None for k in ("content", "json", "files")):
        overrides = {"files": None, "data": None, **overrides}
    response = send(client, operation_id, headers=headers, **overrides)
    assert response.status_code == status, response.text
    body = assert_documented(mock_server.app, response, operation_id)
    message = error_text(body)
    for text in texts:
        assert text in message, message
    (entry,) = mock_server.requests(operation_id)
    assert entry.status == status
    assert entry.problems


def test_every_problem_is_reported_at_once(mock_server: InProcessMock) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    body = {"overrides": {"docker": {"dockerFilePath": "x", "dockerfileTarget": "a b"}}, "sha": 1}
    response = send(client, "startJobBuild", json=body)
    error = response.json()["error"]
    assert error["status"] == 400
    assert set(error["details"]) >= {"/sha"}


def test_cloudflare_lists_one_error_per_problem(mock_server: InProcessMock) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    response = send(client, "upsertRepoConnection", json={"provider_type": "bitbucket"})
    errors = response.json()["errors"]
    assert len(errors) >= 2
    assert {e["code"] for e in errors} == {10400}


def test_a_bad_path_parameter_is_named(mock_server: InProcessMock) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    response = client.post(
        BUILD_PATH.replace("182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e", "not-a-uuid"),
        json={"branch": "main"},
        headers=AUTH,
    )
    assert response.status_code == 400
    message = error_text(assert_documented(mock_server.app, response, "createManualBuild"))
    assert message == "path parameter trigger_uuid: 'not-a-uuid' is not a 'uuid' (format uuid)"


def test_an_empty_path_segment_breaks_min_length(mock_server: InProcessMock) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    response = client.post(JOB_PATH.replace("default-project", ""), json={}, headers=AUTH)
    assert response.status_code == 400
    assert "path parameter projectId" in error_text(response.json())


def test_percent_encoded_path_parameters_are_decoded(mock_server: InProcessMock) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    path = DEPLOY_PATH.replace("my-site", "my%2Dsite%2D2")
    response = client.post(path, files=form(branch="main"), headers=AUTH)
    assert response.status_code == 200
    assert response.json()["result"]["project_name"] == "my-site-2"


def test_a_path_that_is_not_utf8_is_refused(mock_server: InProcessMock) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    response = client.post(DEPLOY_PATH.replace("my-site", "%ff"), headers=AUTH)
    assert response.status_code == 400
    assert_documented(mock_server.app, response, api="cloudflare-pages")
    assert "not UTF-8" in error_text(response.json())


@pytest.mark.parametrize(
    ("path", "api"),
    [
        ("/client/v4/zones", "cloudflare-pages"),
        ("/v1/projects/p/jobs/j/builds", "northflank"),
        ("/repos/o/r/cicd", "sourcecraft"),
        ("/", "sourcecraft"),
        ("/v1/projects/p/jobs/j/build/", "northflank"),
    ],
)
def test_unknown_paths_get_the_nearest_vendors_404(
    mock_server: InProcessMock, path: str, api: str
) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    response = client.post(path, json={}, headers=AUTH)
    assert response.status_code == 404
    vendor = mock_server.app.apis[api].envelope.name
    documented_by = []
    for other in mock_server.app.apis.values():
        if other.envelope.name == vendor:
            try:
                assert_documented(mock_server.app, response, api=other.name)
            except Exception:  # another API of that envelope, with other error shapes
                continue
            documented_by.append(other.name)
    assert api in documented_by
    (entry,) = mock_server.journal.entries()
    assert (entry.status, entry.operation_id) == (404, None)


@pytest.mark.parametrize("method", ["GET", "DELETE", "PATCH", "HEAD", "OPTIONS"])
def test_a_wrong_method_gets_405_with_allow(mock_server: InProcessMock, method: str) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    response = client.request(method, JOB_PATH, headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    if method != "HEAD":
        assert_documented(mock_server.app, response, api="northflank")


def test_unknown_form_fields_are_refused_as_the_closed_form_says(
    mock_server: InProcessMock,
) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    response = client.post(DEPLOY_PATH, files=form(_worker_js="x"), headers=AUTH)
    assert response.status_code == 400
    message = error_text(assert_documented(mock_server.app, response, "createDeployment"))
    assert message == (
        "body: Additional properties are not allowed ('_worker_js' was unexpected) "
        "(additionalProperties)"
    )
    assert mock_server.journal[-1].body == {"_worker_js": "x"}


def test_a_form_field_sent_twice_is_refused(mock_server: InProcessMock) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    response = client.post(
        DEPLOY_PATH, files=[("branch", (None, "a")), ("branch", (None, "b"))], headers=AUTH
    )
    assert response.status_code == 400
    assert "/branch: the field is sent more than once" in error_text(response.json())


def test_every_scm_provider_of_cloudflares_openapi_is_accepted(mock_server: InProcessMock) -> None:
    client = httpx.Client(transport=mock_server.transport, base_url=mock_server.origin)
    for provider in ("github", "gitlab", "gitlab_internal"):
        response = send(
            client, "upsertRepoConnection", json={**CONNECTION, "provider_type": provider}
        )
        assert response.status_code == 200, response.text
        assert response.json()["result"]["provider_type"] == provider
