"""``diff``: a table of change kinds on a small spec, the fixtures' spec edits, and the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.drift.conftest import BASELINE, Scenario, apply_edits, edited_spec, run_cli
from triggerspec.drift.diff import SpecDiff, diff_files

BASE = """
openapi: 3.1.0
info: {title: Tiny, version: "1", x-envelope: sourcecraft}
servers: [{url: "https://api.example.com"}]
security: [{token: []}]
paths:
  /items/{item_id}:
    parameters:
      - {name: item_id, in: path, required: true, schema: {type: string, minLength: 1}}
    post:
      operationId: createItem
      summary: Create an item
      parameters:
        - {name: dry_run, in: query, required: false, schema: {type: boolean}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ItemInput"}
      responses:
        "200":
          description: Created.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
        default:
          description: Error.
          content:
            application/json:
              schema: {type: object, properties: {message: {type: string}}}
    get:
      operationId: getItem
      summary: Get an item
      responses:
        "200":
          description: The item.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
components:
  securitySchemes:
    token: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-Key}
  schemas:
    ItemInput:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 20, pattern: "^[a-z]+$"}
        kind: {type: string, enum: [small, large]}
        size: {type: integer, minimum: 1, maximum: 10}
        tags: {type: array, items: {type: string}, maxItems: 5}
        labels: {type: object, additionalProperties: {type: string}, maxProperties: 5}
        color: {type: string}
        head:
          type: object
          properties: {branch: {type: string}, tag: {type: string}}
    Item:
      type: object
      required: [id, status]
      properties:
        id: {type: string}
        status: {type: string, enum: [queued, done]}
        note: {type: string}
        count: {type: integer}
        meta: {type: object, minProperties: 1, maxProperties: 3}
        created: {type: string, format: date-time}
"""

OP = "/paths/~1items~1{item_id}/post"
IN = "/components/schemas/ItemInput"
OUT = "/components/schemas/Item"


def add(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


def replace(path: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": path, "value": value}


def remove(path: str) -> dict[str, Any]:
    return {"op": "remove", "path": path}


# (case, edits, expected {(kind, impact, subject)})
CASES: list[tuple[str, list[dict[str, Any]], set[tuple[str, str, str]]]] = [
    (
        "new required request field",
        [add(f"{IN}/properties/owner", {"type": "string"}), add(f"{IN}/required/-", "owner")],
        {("request-field-added-required", "callers", "owner")},
    ),
    (
        "new optional request field",
        [add(f"{IN}/properties/owner", {"type": "string"})],
        {("request-field-added-optional", "none", "owner")},
    ),
    (
        "removed request field",
        [remove(f"{IN}/properties/color")],
        {("request-field-removed", "callers", "color")},
    ),
    (
        "request field made required",
        [add(f"{IN}/required/-", "kind")],
        {("request-field-made-required", "callers", "kind")},
    ),
    (
        "request field made optional",
        [remove(f"{IN}/required/0")],
        {("request-field-made-optional", "none", "name")},
    ),
    (
        "narrowed request enum",
        [replace(f"{IN}/properties/kind/enum", ["small"])],
        {("request-enum-narrowed", "callers", "kind")},
    ),
    (
        "widened request enum",
        [add(f"{IN}/properties/kind/enum/-", "huge")],
        {("request-enum-widened", "none", "kind")},
    ),
    (
        "new request enum",
        [add(f"{IN}/properties/color/enum", ["red", "blue"])],
        {("request-enum-narrowed", "callers", "color")},
    ),
    (
        "tightened request pattern",
        [replace(f"{IN}/properties/name/pattern", "^[a-z]{2,}$")],
        {("request-pattern-tightened", "callers", "name")},
    ),
    (
        "loosened request pattern",
        [replace(f"{IN}/properties/name/pattern", "^[a-z0-9]+$")],
        {("request-pattern-loosened", "none", "name")},
    ),
    (
        "rewritten request pattern",
        [replace(f"{IN}/properties/name/pattern", "^[a-z][a-z]*$")],
        {("request-pattern-rewritten", "none", "name")},
    ),
    (
        "request pattern changed both ways",
        [replace(f"{IN}/properties/name/pattern", "^[0-9]+$")],
        {("request-pattern-changed", "callers", "name")},
    ),
    (
        "new request pattern",
        [add(f"{IN}/properties/color/pattern", "^#[0-9a-f]{6}$")],
        {("request-pattern-tightened", "callers", "color")},
    ),
    (
        "tightened request length",
        [replace(f"{IN}/properties/name/maxLength", 10)],
        {("request-length-tightened", "callers", "name")},
    ),
    (
        "loosened request length",
        [replace(f"{IN}/properties/name/maxLength", 40)],
        {("request-length-loosened", "none", "name")},
    ),
    (
        "new request format",
        [add(f"{IN}/properties/color/format", "uuid")],
        {("request-format-tightened", "callers", "color")},
    ),
    (
        "tightened request range",
        [replace(f"{IN}/properties/size/maximum", 5)],
        {("request-range-tightened", "callers", "size")},
    ),
    (
        "loosened request range",
        [replace(f"{IN}/properties/size/minimum", 0)],
        {("request-range-loosened", "none", "size")},
    ),
    (
        "tightened request item count",
        [replace(f"{IN}/properties/tags/maxItems", 3)],
        {("request-items-tightened", "callers", "tags")},
    ),
    (
        "tightened request property count",
        [replace(f"{IN}/properties/labels/maxProperties", 3)],
        {("request-properties-tightened", "callers", "labels")},
    ),
    (
        "loosened request property count",
        [replace(f"{IN}/properties/labels/maxProperties", 25)],
        {("request-properties-loosened", "none", "labels")},
    ),
    (
        "new request minProperties",
        [add(f"{IN}/properties/labels/minProperties", 1)],
        {("request-properties-tightened", "callers", "labels")},
    ),
    (
        "loosened response property count",
        [replace(f"{OUT}/properties/meta/maxProperties", 10)],
        {("response-properties-loosened", "consumers", "meta")},
    ),
    (
        "tightened response property count",
        [replace(f"{OUT}/properties/meta/minProperties", 2)],
        {("response-properties-tightened", "none", "meta")},
    ),
    (
        "a second success response",
        [add(f"{OP}/responses/204", {"description": "nothing"})],
        {("success-status-added", "consumers", "204")},
    ),
    (
        "changed request type",
        [replace(f"{IN}/properties/size/type", "string")],
        {("request-type-changed", "callers", "size")},
    ),
    (
        "widened request type",
        [replace(f"{IN}/properties/size/type", "number")],
        {("request-type-widened", "none", "size")},
    ),
    (
        "request field made nullable",
        [replace(f"{IN}/properties/color/type", ["string", "null"])],
        {("request-field-made-nullable", "none", "color")},
    ),
    (
        "new cross-field rule",
        [add(f"{IN}/properties/head/oneOf", [{"required": ["branch"]}, {"required": ["tag"]}])],
        {("request-rule-added", "callers", "/head")},
    ),
    (
        "closed request object",
        [add(f"{IN}/additionalProperties", False)],
        {("request-object-closed", "callers", "(body)")},
    ),
    (
        "new required parameter",
        [
            add(
                f"{OP}/parameters/-",
                {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string"}},
            )
        ],
        {("parameter-added-required", "callers", "X-Trace")},
    ),
    (
        "new optional parameter",
        [
            add(
                f"{OP}/parameters/-",
                {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
            )
        ],
        {("parameter-added-optional", "none", "verbose")},
    ),
    (
        "removed parameter",
        [remove(f"{OP}/parameters/0")],
        {("parameter-removed", "callers", "dry_run")},
    ),
    (
        "parameter made required",
        [replace(f"{OP}/parameters/0/required", True)],
        {("parameter-field-made-required", "callers", "dry_run")},
    ),
    (
        "loosened parameter length",
        [remove("/paths/~1items~1{item_id}/parameters/0/schema/minLength")],
        {("parameter-length-loosened", "none", "item_id")},
    ),
    (
        "removed operation",
        [remove("/paths/~1items~1{item_id}/get")],
        {("operation-removed", "callers", "")},
    ),
    (
        "new operation",
        [
            add(
                "/paths/~1items~1{item_id}/delete",
                {
                    "operationId": "deleteItem",
                    "summary": "Delete",
                    "responses": {"204": {"description": "Gone."}},
                },
            )
        ],
        {("operation-added", "none", "")},
    ),
    (
        "renamed operation",
        [replace(f"{OP}/operationId", "makeItem")],
        {("operation-renamed", "callers", "operationId")},
    ),
    (
        "changed auth",
        [add(f"{OP}/security", [{"key": []}])],
        {("auth-removed", "callers", "token"), ("auth-added", "none", "key")},
    ),
    (
        "an extra way to authenticate",
        [add(f"{OP}/security", [{"token": []}, {"key": []}])],
        {("auth-added", "none", "key")},
    ),
    (
        "changed server",
        [replace("/servers/0/url", "https://api2.example.com")],
        {("server-changed", "callers", "")},
    ),
    (
        "changed media type",
        [
            add(
                f"{OP}/requestBody/content",
                {"multipart/form-data": {"schema": {"$ref": f"#{IN}"}}},
            )
        ],
        {("request-media-type-changed", "callers", "")},
    ),
    (
        "removed response field",
        [remove(f"{OUT}/properties/note")],
        {("response-field-removed", "consumers", "note")},
    ),
    (
        "new response field",
        [add(f"{OUT}/properties/owner", {"type": "string"})],
        {("response-field-added", "none", "owner")},
    ),
    (
        "response field made optional",
        [replace(f"{OUT}/required", ["id"])],
        {("response-field-made-optional", "consumers", "status")},
    ),
    (
        "response field made required",
        [add(f"{OUT}/required/-", "note")],
        {("response-field-made-required", "none", "note")},
    ),
    (
        "response field made nullable",
        [replace(f"{OUT}/properties/note/type", ["string", "null"])],
        {("response-field-made-nullable", "consumers", "note")},
    ),
    (
        "widened response enum",
        [add(f"{OUT}/properties/status/enum/-", "failed")],
        {("response-enum-widened", "consumers", "status")},
    ),
    (
        "narrowed response enum",
        [replace(f"{OUT}/properties/status/enum", ["done"])],
        {("response-enum-narrowed", "none", "status")},
    ),
    (
        "changed response type",
        [replace(f"{OUT}/properties/count/type", "string")],
        {("response-type-changed", "consumers", "count")},
    ),
    (
        "widened response type",
        [replace(f"{OUT}/properties/count/type", "number")],
        {("response-type-widened", "consumers", "count")},
    ),
    (
        "dropped response format",
        [remove(f"{OUT}/properties/created/format")],
        {("response-format-loosened", "consumers", "created")},
    ),
    (
        "new response pattern",
        [add(f"{OUT}/properties/id/pattern", "^[a-z]+$")],
        {("response-pattern-tightened", "none", "id")},
    ),
    (
        "changed success status",
        [
            add(
                f"{OP}/responses/201",
                {
                    "description": "Created.",
                    "content": {"application/json": {"schema": {"$ref": f"#{OUT}"}}},
                },
            ),
            remove(f"{OP}/responses/200"),
        ],
        {("success-status-changed", "consumers", "200")},
    ),
    (
        "new error response",
        [add(f"{OP}/responses/404", {"description": "Not found."})],
        {("response-added", "none", "404")},
    ),
    (
        "deprecated operation",
        [add(f"{OP}/deprecated", True)],
        {("operation-deprecated", "none", "")},
    ),
]


def diff_edits(tmp_path: Path, edits: list[dict[str, Any]], base: str = BASE) -> SpecDiff:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(base)
    new.write_text(yaml.safe_dump(apply_edits(yaml.safe_load(base), edits), sort_keys=False))
    return diff_files(old, new, "old.yaml", "new.yaml")


def test_the_table_covers_more_than_a_dozen_kinds() -> None:
    kinds = {kind for _, _, expected in CASES for kind, _, _ in expected}
    assert len(kinds) >= 40
    impacts = {impact for _, _, expected in CASES for _, impact, _ in expected}
    assert impacts == {"callers", "consumers", "none"}


@pytest.mark.parametrize(("edits", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_change_is_classified(
    tmp_path: Path, edits: list[dict[str, Any]], expected: set[tuple[str, str, str]]
) -> None:
    diff = diff_edits(tmp_path, edits)
    got = {(c.kind, c.impact, c.subject) for c in diff.changes}
    assert got == expected, [c.message for c in diff.changes]
    assert diff.breaking == any(impact != "none" for _, impact, _ in expected)


def test_no_change_is_no_change(tmp_path: Path) -> None:
    assert diff_edits(tmp_path, []).changes == ()


def test_a_change_points_into_both_specs_for_every_operation(tmp_path: Path) -> None:
    diff = diff_edits(tmp_path, [add(f"{OUT}/properties/status/enum/-", "failed")])
    assert [c.operation for c in diff.changes] == ["createItem", "getItem"]  # a shared schema
    for change in diff.changes:
        assert change.old == change.new == f"{OUT}/properties/status/enum"
        assert change.part == "response 200"
    removed = diff_edits(tmp_path, [remove(OP)]).changes
    assert [(c.kind, c.operation, c.old) for c in removed] == [
        ("operation-removed", "createItem", OP)
    ]


def test_a_tightened_pattern_names_a_string_it_now_rejects(tmp_path: Path) -> None:
    diff = diff_edits(tmp_path, [replace(f"{IN}/properties/name/pattern", "^[a-z]{2,}$")])
    (change,) = diff.changes
    assert change.witness == "a"
    assert "now rejects 'a'" in change.message


def test_removing_an_object_reports_it_once(tmp_path: Path) -> None:
    diff = diff_edits(tmp_path, [remove(f"{IN}/properties/head")])
    assert [(c.kind, c.subject) for c in diff.changes] == [("request-field-removed", "head")]


# The fixtures' spec edits, against the committed specs: (kind, impact, operation, subject).
FIXTURE_CHANGES: dict[str, set[tuple[str, str, str, str]]] = {
    "new-trigger-status": {
        ("response-enum-widened", "consumers", "runWorkflow", "trigger_status"),
    },
    "new-optional-field": {
        ("request-field-added-optional", "none", "createManualBuild", "clean"),
    },
    "new-required-field": {
        ("request-field-added-required", "callers", "createManualBuild", "seed_repo.token"),
    },
    "changed-dockerfile-pattern": {
        (
            "request-pattern-tightened",
            "callers",
            "startJobBuild",
            "overrides.docker.dockerFilePath",
        ),
    },
    "renamed-form-field": {
        ("request-field-removed", "callers", "createDeployment", "pages_build_output_dir"),
        ("request-field-added-optional", "none", "createDeployment", "build_output_dir"),
    },
    "removed-response-field": {
        ("response-field-removed", "consumers", "startJobBuild", "data.concluded"),
    },
    "pages-size-cap": {
        ("request-size-loosened", "none", "createDeployment", "_worker.bundle"),
    },
}


@pytest.mark.parametrize("name", sorted(FIXTURE_CHANGES))
def test_fixture_spec_edit_is_classified(tmp_path: Path, name: str) -> None:
    scenario = Scenario.load(name)
    assert scenario.spec is not None
    old = BASELINE / "specs" / scenario.spec
    new = tmp_path / scenario.spec
    new.write_text(edited_spec(old.read_text(), scenario.edits))
    diff = diff_files(old, new, "old", "new")
    got = {(c.kind, c.impact, c.operation, c.subject) for c in diff.changes}
    assert got == FIXTURE_CHANGES[name], [c.message for c in diff.changes]


def test_the_dockerfile_witness_is_a_dot_segment(tmp_path: Path) -> None:
    scenario = Scenario.load("changed-dockerfile-pattern")
    new = tmp_path / "northflank.yaml"
    new.write_text(edited_spec((BASELINE / "specs/northflank.yaml").read_text(), scenario.edits))
    (change,) = diff_files(BASELINE / "specs/northflank.yaml", new, "old", "new").changes
    assert change.witness == "/."
    assert change.old == "/components/schemas/DockerOverrides/properties/dockerFilePath/pattern"


@pytest.fixture
def trigger_status_edit(tmp_path: Path) -> Path:
    new = tmp_path / "sourcecraft.yaml"
    scenario = Scenario.load("new-trigger-status")
    new.write_text(edited_spec((BASELINE / "specs/sourcecraft.yaml").read_text(), scenario.edits))
    return new


def test_cli_text_exits_1_when_something_breaks(trigger_status_edit: Path) -> None:
    run = run_cli("diff", BASELINE / "specs/sourcecraft.yaml", trigger_status_edit)
    assert run.code == 1
    assert "Breaks consumers (response side):" in run.out
    assert "runWorkflow response 200 trigger_status: enum gains 'queued'" in run.out
    assert "0 break callers, 1 break consumers, 0 non-breaking" in run.out


def test_cli_allow_breaking_exits_0(trigger_status_edit: Path) -> None:
    run = run_cli(
        "diff", BASELINE / "specs/sourcecraft.yaml", trigger_status_edit, "--allow-breaking"
    )
    assert run.code == 0


def test_cli_markdown_is_a_pull_request_comment(trigger_status_edit: Path) -> None:
    run = run_cli(
        "diff", BASELINE / "specs/sourcecraft.yaml", trigger_status_edit, "--format", "markdown"
    )
    assert run.code == 1
    assert run.out.startswith("### triggerspec diff: `specs/sourcecraft.yaml` → `")
    assert "**Breaking:** 0 change(s) break callers, 1 break consumers" in run.out
    assert "#### Breaks consumers (response side)" in run.out
    assert "| runWorkflow | response 200 trigger_status | enum gains 'queued' |" in run.out


def test_cli_json(trigger_status_edit: Path) -> None:
    run = run_cli(
        "diff", BASELINE / "specs/sourcecraft.yaml", trigger_status_edit, "--format", "json"
    )
    data = json.loads(run.out)
    assert data["breaking"] is True
    assert [c["kind"] for c in data["changes"]] == ["response-enum-widened"]
    assert data["changes"][0]["new"] == "/components/schemas/TriggerStatus/enum"


def test_cli_non_breaking_diff_exits_0(tmp_path: Path) -> None:
    scenario = Scenario.load("new-optional-field")
    new = tmp_path / "cloudflare-workers-builds.yaml"
    old = BASELINE / "specs/cloudflare-workers-builds.yaml"
    new.write_text(edited_spec(old.read_text(), scenario.edits))
    run = run_cli("diff", old, new, "--format", "markdown")
    assert run.code == 0
    assert "**Nothing breaks.**" in run.out


def _git(repo: Path, *argv: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *argv],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_cli_against_a_git_ref(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    spec = repo / "specs" / "sourcecraft.yaml"
    shutil.copy(BASELINE / "specs/sourcecraft.yaml", spec)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "spec")
    edits = Scenario.load("new-trigger-status").edits
    spec.write_text(edited_spec(spec.read_text(), edits))
    run = run_cli("diff", spec, "--against", "HEAD", root=repo)
    assert run.code == 1, run.err
    assert "diff specs/sourcecraft.yaml@HEAD -> specs/sourcecraft.yaml" in run.out
    assert "[response-enum-widened]" in run.out
    unchanged = run_cli("diff", spec, "--against", "HEAD", root=repo)
    assert unchanged.code == 1  # the working file still differs from HEAD
    _git(repo, "commit", "-q", "-am", "queued")
    assert run_cli("diff", spec, "--against", "HEAD", root=repo).code == 0
    assert run_cli("diff", spec, "--against", "HEAD~1", root=repo).code == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("specs/sourcecraft.yaml",), "give two specs (diff OLD NEW)"),
        (("a.yaml", "b.yaml", "c.yaml"), "give two specs"),
        (("specs/sourcecraft.yaml", "specs/x.yaml", "--against", "HEAD"), "exactly one spec"),
        (("no/such.yaml", "--against", "HEAD"), "no/such.yaml: no such spec file"),
        (("specs/sourcecraft.yaml", "--against", "no-such-ref"), "is not a git revision"),
        (("specs/sourcecraft.yaml", "no/such.yaml"), "no/such.yaml:/: cannot read file"),
    ],
)
def test_cli_usage_errors_exit_2(
    argv: tuple[str, ...], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BASELINE)
    run = run_cli("diff", *argv)
    assert run.code == 2
    assert message in run.err
    assert "Traceback" not in run.err


def test_cli_a_file_missing_at_the_ref(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "empty")
    spec = repo / "specs" / "sourcecraft.yaml"
    shutil.copy(BASELINE / "specs/sourcecraft.yaml", spec)
    run = run_cli("diff", spec, "--against", "HEAD", root=repo)
    assert run.code == 2
    assert "specs/sourcecraft.yaml does not exist at HEAD" in run.err


def test_cli_a_broken_spec_names_file_and_place(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\npaths: [unclosed\n")
    run = run_cli("diff", BASELINE / "specs/sourcecraft.yaml", broken)
    assert run.code == 2
    assert "broken.yaml:/: not valid YAML" in run.err


def test_diff_reads_openapi_30_in_yaml_or_json(tmp_path: Path) -> None:
    old = ROOT / "tests/fixtures/foreign/gitlab-trigger/specs/gitlab-pipelines.yaml"
    document = yaml.safe_load(old.read_text())
    same = tmp_path / "gitlab-pipelines.json"
    same.write_text(json.dumps(document))
    run = run_cli("diff", old, same, root=ROOT)
    assert (run.code, run.err) == (0, ""), run.out
    pipeline = document["components"]["schemas"]["API_Entities_Ci_Pipeline"]["properties"]
    del pipeline["started_at"]["nullable"]  # a 3.0 keyword: null no longer answered
    document["components"]["schemas"]["postApiV4ProjectsIdTriggerPipeline"]["properties"]["ref"][
        "maxLength"
    ] = 10
    same.write_text(json.dumps(document))
    run = run_cli("diff", old, same, root=ROOT)
    assert run.code == 1, run.out + run.err
    assert "postApiV4ProjectsIdTriggerPipeline request ref: maxLength" in run.out
    assert "201 started_at: 'started_at' is now no longer allowed to be null" in run.out
