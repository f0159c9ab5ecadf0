"""Each documented rule has an accepted and a rejected example, checked against the specs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import operation, request_schema, success_schema
from triggerspec.spec.model import Api
from triggerspec.spec.rules import Rule
from triggerspec.spec.validate import violations

SHA40 = "262ed9817b3cad5142fbceabe0c9e371e390d616"


def messages(schema: dict[str, Any], instance: object) -> list[str]:
    return [str(v) for v in violations(schema, instance)]


@pytest.mark.parametrize(("sha", "ok"), [(SHA40[:39], False), (SHA40, True), (SHA40 + "a", False)])
def test_northflank_sha_is_exactly_40_characters(apis: dict[str, Api], sha: str, ok: bool) -> None:
    found = messages(request_schema(apis, "startJobBuild"), {"sha": sha})
    assert (found == []) is ok, found
    if not ok:
        assert any("/sha" in m and "Length 40" in m for m in found), found


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("dockerFilePath", "/Dockerfile", True),
        ("dockerFilePath", "/build/docker/Dockerfile.prod", True),
        ("dockerFilePath", "Dockerfile", False),
        ("dockerFilePath", "/Dockerfile\n", False),
        ("dockerFilePath", "/", False),
        ("dockerWorkDir", "/", True),
        ("dockerWorkDir", "/app/", True),
        ("dockerWorkDir", "app", False),
        ("dockerfileTarget", "build-stage_2", True),
        ("dockerfileTarget", "build stage", False),
        ("dockerfileTarget", "", False),
    ],
)
def test_docker_override_patterns(apis: dict[str, Api], field: str, value: str, ok: bool) -> None:
    body = {"sha": SHA40, "overrides": {"docker": {field: value}}}
    found = messages(request_schema(apis, "startJobBuild"), body)
    assert (found == []) is ok, found


@pytest.mark.parametrize(("key", "ok"), [("/dir/file", True), ("dir/file", False)])
def test_build_files_keys_are_absolute_paths(apis: dict[str, Api], key: str, ok: bool) -> None:
    body = {"overrides": {"buildFiles": {key: {"data": "eA==", "encoding": "utf-8"}}}}
    found = messages(request_schema(apis, "startJobBuild"), body)
    assert (found == []) is ok, found


@pytest.mark.parametrize(
    ("status", "ok"),
    [("already_exists", True), ("created", True), ("nothing_to_start", True), ("started", False)],
)
def test_trigger_status_enum(apis: dict[str, Api], status: str, ok: bool) -> None:
    body = {"flux_id": "f", "flux_public_id": "p", "trigger_status": status}
    found = messages(success_schema(apis, "runWorkflow"), body)
    assert (found == []) is ok, found


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"branch": "main"}, True),
        ({"commit_hash": "abc123def456"}, True),
        ({"branch": "main", "commit_hash": "abc123def456"}, True),
        ({}, False),
        ({"seed_repo": None}, False),
    ],
)
def test_manual_build_needs_branch_or_commit_hash(
    apis: dict[str, Api], body: dict[str, Any], ok: bool
) -> None:
    found = messages(request_schema(apis, "createManualBuild"), body)
    assert (found == []) is ok, found
    if not ok:
        assert any("at least one of branch, commit_hash is required" in m for m in found), found


@pytest.mark.parametrize(
    ("form", "ok"),
    [
        ({"_worker.js": "export default {}"}, True),
        ({"_worker.bundle": "--bundle--"}, True),
        ({"_worker.js": "export default {}", "_worker.bundle": "--bundle--"}, False),
        ({"commit_dirty": "false"}, True),
        ({"commit_dirty": "False"}, False),
    ],
)
def test_pages_form_rules(apis: dict[str, Api], form: dict[str, str], ok: bool) -> None:
    found = messages(request_schema(apis, "createDeployment"), form)
    assert (found == []) is ok, found


def test_pages_worker_parts_rule_is_first_class(apis: dict[str, Api]) -> None:
    _, op = operation(apis, "createDeployment")
    assert Rule("mutually-exclusive", ("_worker.js", "_worker.bundle")) in op.rules
    cap = next(r for r in op.rules if r.kind == "max-bytes")
    assert cap.fields == ("_worker.bundle",) and cap.limit == 25 * 1024 * 1024
    assert cap.check({}, {"_worker.bundle": 25 * 1024 * 1024})
    assert not cap.check({}, {"_worker.bundle": 25 * 1024 * 1024 + 1})
    assert {p.name for p in op.body.parts if p.is_file} == {  # type: ignore[union-attr]
        "_headers",
        "_redirects",
        "_routes.json",
        "_worker.bundle",
        "_worker.js",
        "functions-filepath-routing-config.json",
    }


@pytest.mark.parametrize(
    ("head", "ok"),
    [
        ({"branch": "main"}, True),
        ({"tag": "v1"}, True),
        ({"commit": SHA40}, True),
        ({}, False),
        ({"branch": "main", "tag": "v1"}, False),
    ],
)
def test_git_revision_exactly_one(apis: dict[str, Api], head: dict[str, str], ok: bool) -> None:
    found = messages(request_schema(apis, "runWorkflows"), {"head": head})
    assert (found == []) is ok, found
    if not ok:
        assert any("/head" in m and "exactly one of branch, commit, tag" in m for m in found)


@pytest.mark.parametrize(
    ("result", "ok"),
    [
        ({"build_uuid": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"}, True),
        ({"build_uuid": "182bd5e5-6e1a-4fe4-a799"}, False),
        ({"created_on": "2019-12-27T18:11:19.117Z"}, True),
        ({"created_on": "27/12/2019"}, False),
        (None, True),
    ],
)
def test_manual_build_result_formats(apis: dict[str, Api], result: Any, ok: bool) -> None:
    body = {"errors": [], "messages": [], "result": result, "success": True}
    found = messages(success_schema(apis, "createManualBuild"), body)
    assert (found == []) is ok, found


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        (
            {
                "errors": [{"code": 12000, "message": "Not found"}],
                "messages": [],
                "result": None,
                "success": False,
            },
            True,
        ),
        (
            {
                "errors": [{"code": 12000, "message": "Not found"}],
                "messages": [],
                "result": None,
                "success": True,
            },
            False,
        ),
        ({"errors": [], "messages": [], "result": None, "success": False}, False),
    ],
)
def test_cloudflare_failure_envelope(apis: dict[str, Api], body: dict[str, Any], ok: bool) -> None:
    api, op = operation(apis, "createManualBuild")
    failure = next(r for r in op.error_responses if r.status == "4XX")
    assert failure.schema is not None
    found = messages(api.document.deref(failure.schema), body)
    assert (found == []) is ok, found


@pytest.mark.parametrize(
    ("body", "ok"),
    [({"data": {"id": "joyous-view-6290"}}, True), ({"id": "joyous-view-6290"}, False)],
)
def test_northflank_data_wrapper(apis: dict[str, Api], body: dict[str, Any], ok: bool) -> None:
    found = messages(success_schema(apis, "startJobBuild"), body)
    assert (found == []) is ok, found


def test_deprecated_operation_names_its_replacement(apis: dict[str, Api]) -> None:
    _, old = operation(apis, "runWorkflow")
    _, new = operation(apis, "runWorkflows")
    assert old.deprecated and old.replaced_by == new.operation_id
    assert new.path == "/repos/{org_slug}/{repo_slug}/cicd/runs" and not new.deprecated


def test_every_build_trigger_is_side_effecting(apis: dict[str, Api]) -> None:
    effects = {op.operation_id: op.side_effects for a in apis.values() for op in a.operations}
    expected = {
        "createManualBuild": "starts-build",
        "createDeployment": "starts-build",
        "startJobBuild": "starts-build",
        "runWorkflow": "starts-build",
        "runWorkflows": "starts-build",
        "upsertRepoConnection": "upsert",
    }
    assert {op: effects.get(op) for op in expected} == expected


def test_cloudflare_auth_is_token_or_email_and_key(apis: dict[str, Api]) -> None:
    for name in ("cloudflare-workers-builds", "cloudflare-pages"):
        api = apis[name]
        for op in api.operations:
            assert op.security == (("api_token",), ("api_email", "api_key"))
        assert api.schemes["api_email"].header == "X-Auth-Email"
        assert api.schemes["api_key"].header == "X-Auth-Key"
        assert api.schemes["api_token"].kind == "bearer"
