"""Secrets never reach the journal: x-sensitive body fields (found from the specs) and any
credential header are masked, and so is their text inside recorded problems."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import operation
from tests.mock.helpers import AUTH, JOB_PATH, SHA, operation_of
from triggerspec.mock.app import MockApp
from triggerspec.mock.handles import InProcessMock
from triggerspec.spec.model import Api
from triggerspec.spec.redact import MASK, Redactor, scrub, sensitive_paths

SECRET = "c2VjcmV0LWZpbGUtY29udGVudHM="
"""The contents of a Northflank secret build file."""


def _client(mock: InProcessMock) -> httpx.Client:
    return httpx.Client(transport=mock.transport, base_url=mock.origin)


def _journal(mock: InProcessMock) -> str:
    return json.dumps([e.to_dict() for e in mock.journal])


def _build_files(**files: object) -> dict[str, object]:
    return {"sha": SHA, "overrides": {"buildFiles": files}}


def test_the_sensitive_fields_come_from_the_specs(mock_server: InProcessMock) -> None:
    app: MockApp = mock_server.app
    _, start = operation_of(app, "startJobBuild")
    assert start.body is not None
    assert sensitive_paths(start.body.schema) == {
        ("overrides", "buildFiles", "*", "data"),
        ("overrides", "dockerSecretMounts", "*", "data"),
    }
    _, deploy = operation_of(app, "createDeployment")
    assert deploy.success.schema is not None
    assert sensitive_paths(deploy.success.schema) == {
        ("result", "env_vars", "*", "value"),
        ("result", "build_config", "web_analytics_token"),
    }


def test_a_secret_build_file_is_masked_in_the_journal(mock_server: InProcessMock) -> None:
    body = _build_files(**{"/app/.env": {"data": SECRET, "encoding": "utf-8"}})
    response = _client(mock_server).post(JOB_PATH, json=body, headers=AUTH)
    assert response.status_code == 200
    entry = mock_server.journal[-1]
    assert entry.body["overrides"]["buildFiles"]["/app/.env"] == {"data": MASK, "encoding": "utf-8"}
    assert entry.body["sha"] == SHA
    assert SECRET not in _journal(mock_server)
    listed = _client(mock_server).get("/__triggerspec/journal").text
    assert SECRET not in listed


@pytest.mark.parametrize(
    "files",
    [
        {"/app/.env": {"data": SECRET, "encoding": 8}},  # the problem is beside the secret
        {"/app/.env": {"data": [SECRET]}},  # the secret itself is refused
        {"/app/.env": {"data": {"nested": SECRET}}},
        {"relative/.env": {"data": SECRET}},  # the key breaks the rule, the secret rides along
        {"/app/.env": SECRET},  # no object at all: the secret is quoted by the type error
    ],
)
def test_a_refused_secret_is_masked_in_body_and_problems(
    mock_server: InProcessMock, files: dict[str, object]
) -> None:
    response = _client(mock_server).post(JOB_PATH, json=_build_files(**files), headers=AUTH)
    assert response.status_code == 400
    assert mock_server.journal[-1].problems
    assert SECRET not in _journal(mock_server)


def test_fields_that_are_not_sensitive_are_kept(mock_server: InProcessMock) -> None:
    body = _build_files(**{"/app/.env": {"data": SECRET, "encoding": "latin-1"}})
    _client(mock_server).post(JOB_PATH, json=body, headers=AUTH)
    recorded = mock_server.journal[-1].body["overrides"]["buildFiles"]["/app/.env"]
    assert recorded == {"data": MASK, "encoding": "latin-1"}


def test_a_refused_secret_value_is_not_quoted_in_the_journal(mock_server: InProcessMock) -> None:
    body = _build_files(**{"/app/.env": {"data": [SECRET]}})
    _client(mock_server).post(JOB_PATH, json=body, headers=AUTH)
    entry = mock_server.journal[-1]
    assert entry.body["overrides"]["buildFiles"]["/app/.env"]["data"] == MASK
    assert any("x-sensitive" in p for p in entry.problems), entry.problems


def test_a_body_sent_to_no_operation_is_masked_too(mock_server: InProcessMock) -> None:
    body = _build_files(**{"/a": {"data": SECRET}})
    response = _client(mock_server).post("/v1/projects/p/jobs/j/built", json=body, headers=AUTH)
    assert response.status_code == 404
    assert SECRET not in _journal(mock_server)


def test_a_malformed_request_with_a_secret_is_masked(mock_server: InProcessMock) -> None:
    body = _build_files(**{"/a": {"data": SECRET}})
    response = _client(mock_server).post(
        JOB_PATH, json=body, headers={**AUTH, "Prefer": "code=999"}
    )
    assert response.status_code == 400
    assert SECRET not in _journal(mock_server)


@pytest.mark.parametrize(
    "name",
    ["X-Auth-Key", "X-Auth-Token", "Private-Token", "X-Goog-Api-Key", "Cookie", "X-Api-Secret"],
)
def test_credential_headers_are_masked_whatever_their_name(
    mock_server: InProcessMock, name: str
) -> None:
    _client(mock_server).post(
        JOB_PATH, json={"sha": SHA}, headers={**AUTH, name: "hunter2-credential"}
    )
    entry = mock_server.journal[-1]
    assert entry.headers[name.lower()] == MASK
    assert entry.headers["content-type"] == "application/json"
    assert "hunter2" not in _journal(mock_server)


def test_redactor_masks_a_pages_deployment_payload(apis: dict[str, Api]) -> None:
    _, deploy = operation(apis, "createDeployment")
    redactor = Redactor.from_schemas([deploy.success.schema])
    payload: dict[str, Any] = {
        "result": {
            "env_vars": {
                "API_KEY": {"type": "secret_text", "value": "s3cr3t-value"},
                "GREETING": {"type": "plain_text", "value": "hello"},
                "GONE": None,
            },
            "build_config": {"web_analytics_token": "021e1057c18547eca7", "root_dir": "/"},
        }
    }
    masked, hidden = redactor.mask(payload)
    # Every env var's value is masked: the schema cannot tell the branches apart by path.
    assert masked["result"]["env_vars"]["API_KEY"] == {"type": "secret_text", "value": MASK}
    assert masked["result"]["env_vars"]["GONE"] is None
    assert masked["result"]["build_config"] == {"web_analytics_token": MASK, "root_dir": "/"}
    assert set(hidden) == {"s3cr3t-value", "hello", "021e1057c18547eca7"}
    assert payload["result"]["build_config"]["web_analytics_token"] == "021e1057c18547eca7"


@pytest.mark.parametrize(
    ("paths", "pointer", "covered"),
    [
        ([("a", "*", "data")], "/a/~1x/data", True),
        ([("a", "*", "data")], "/a/~1x/data/0", True),
        ([("a", "*", "data")], "/a/~1x", False),
        ([("a", "*", "data")], "/b/x/data", False),
        ([("a",)], "/a/b/c", True),
        ([()], "", True),
    ],
)
def test_redactor_covers(paths: list[tuple[str, ...]], pointer: str, covered: bool) -> None:
    assert Redactor(paths).covers(pointer) is covered


def test_redactor_wildcards_apply_under_named_siblings() -> None:
    redactor = Redactor([("a", "*", "s"), ("a", "x", "t")])
    masked, _ = redactor.mask(
        {"a": {"x": {"s": "1", "t": "2", "u": "3"}, "y": {"s": "4", "t": "5"}}}
    )
    assert masked == {"a": {"x": {"s": MASK, "t": MASK, "u": "3"}, "y": {"s": MASK, "t": "5"}}}


def test_recursive_schemas_are_walked_once() -> None:
    node: dict[str, object] = {"type": "object", "properties": {"secret": {"x-sensitive": True}}}
    node["properties"]["child"] = node  # type: ignore[index]
    assert sensitive_paths(node) == {("secret",)}


def test_scrub_keeps_short_secrets_where_they_are_not_quoted() -> None:
    text = "'ab' is not of type 'object' (minLength 1); {'data': 'ab'}"
    assert (
        scrub(text, ["ab", "1"]) == "'***' is not of type 'object' (minLength 1); {'data': '***'}"
    )
    assert scrub("long-secret-value here", ["long-secret-value"]) == "*** here"


# -- secrets where the schema does not expect them ---------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        # an array where an object belongs, at several levels
        _build_files(**{"/app/.env": [{"data": SECRET}]}),
        _build_files(**{"/app/.env": [SECRET]}),
        {"sha": SHA, "overrides": [{"buildFiles": {"/a": {"data": SECRET}}}]},
        {"sha": SHA, "overrides": {"buildFiles": [{"/a": {"data": SECRET}}]}},
        # nested under members the schema does not know
        {"sha": SHA, "extra": {"overrides": {"buildFiles": {"/a": {"data": SECRET}}}}},
        {"sha": SHA, "overrides": {"unknown": {"buildFiles": {"/a": {"data": SECRET}}}}},
        _build_files(**{"/app/.env": {"wrapper": {"data": SECRET}}}),
        [{"overrides": {"buildFiles": {"/a": {"data": SECRET}}}}],
    ],
)
def test_a_secret_in_an_unexpected_place_is_masked(
    mock_server: InProcessMock, body: object
) -> None:
    response = _client(mock_server).post(JOB_PATH, json=body, headers=AUTH)
    assert response.status_code in (200, 400)  # the second shape is open: some are valid
    assert SECRET not in _journal(mock_server)
    assert MASK in mock_server.journal[-1].body_json


def test_members_that_hold_no_secret_are_kept_beside_unexpected_ones(
    mock_server: InProcessMock,
) -> None:
    body = {"sha": SHA, "extra": {"encoding": "utf-8", "list": ["a", {"b": "c"}]}}
    _client(mock_server).post(JOB_PATH, json=body, headers=AUTH)
    assert mock_server.journal[-1].body == body


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"Authorization": "Bearer tok-3c1e0a9b77d2"}, ""),
        ({"Authorization": "Bearer x", "X-Api-Key": "tok-3c1e0a9b77d2"}, ""),
        (AUTH, "access_token=tok-3c1e0a9b77d2"),
    ],
)
def test_a_request_credential_is_masked_wherever_it_appears_in_the_body(
    mock_server: InProcessMock, headers: dict[str, str], query: str
) -> None:
    credential = "tok-3c1e0a9b77d2"
    body = {"sha": SHA, "note": credential, "more": [f"token was {credential}"]}
    path = JOB_PATH + (f"?{query}" if query else "")
    _client(mock_server).post(path, json=body, headers=headers)
    assert credential not in _journal(mock_server)
    assert mock_server.journal[-1].body["sha"] == SHA


def test_a_body_deeper_than_the_walk_is_masked_whole() -> None:
    """Sensitive paths are looked for at every depth, down to a bound (the mock refuses JSON
    deeper than 64 levels; a journaled body deeper than the walk is not shown)."""
    redactor = Redactor([("a", "*", "data")])
    deep: object = {"data": SECRET}
    for _ in range(500):
        deep = {"x": deep}
    masked, _ = redactor.mask({"a": {"f": deep}, "kept": "text"})
    assert SECRET not in json.dumps(masked)
    assert masked["kept"] == "text"
