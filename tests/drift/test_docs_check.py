"""``docs check`` on the committed snapshots, on modified copies, and on broken input."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator

from tests.conftest import ROOT
from tests.drift.conftest import BASELINE, Scenario, edited_spec, run_cli
from triggerspec.drift.findings import KINDS
from triggerspec.project import Project
from triggerspec.spec.defects import DocDefects, check_examples
from triggerspec.spec.model import load_api
from triggerspec.spec.patterns import check_portable

P000 = "000_76d2020eb65f967f.txt"
P001 = "001_fb4d4a9b99f56b25.txt"
P003 = "003_3d60e4de50c50917.txt"
P004 = "004_947342d99e78c575.txt"
OP001 = "/paths/~1accounts~1{account_id}~1pages~1projects~1{project_name}~1deployments/post"
OP003 = "/paths/~1v1~1projects~1{projectId}~1jobs~1{jobId}~1build/post"


def findings(run_output: str) -> list[dict[str, object]]:
    data = json.loads(run_output)
    return list(data["findings"])


def test_committed_snapshots_have_no_unexplained_drift() -> None:
    run = run_cli("docs", "check", root=ROOT)
    assert run.code == 0, run.out
    assert "no unexplained drift" in run.out
    assert "0 stale decision(s)" in run.out
    assert "!!" not in run.out


def test_every_committed_finding_is_explained_with_a_reason() -> None:
    run = run_cli("docs", "check", "--json", root=ROOT)
    assert run.code == 0
    data = json.loads(run.out)
    assert data["ok"] is True
    assert len(data["pages"]) == 5
    assert {p["operation"] for p in data["pages"]} == {
        "createManualBuild",
        "createDeployment",
        "upsertRepoConnection",
        "startJobBuild",
        "runWorkflow",
    }
    assert data["findings"], "the decisions list explains real differences"
    for finding in data["findings"]:
        assert finding["explained"], finding
        assert len(finding["explanation"]["reason"].split()) >= 8, finding
        assert finding["explanation"]["reference"].startswith("specs/docs/drift-decisions.yaml:")


def test_the_baseline_is_clean_too() -> None:
    run = run_cli("docs", "check")
    assert run.code == 0, run.out
    assert "0 stale decision(s)" in run.out


def test_all_lists_explained_findings_with_their_reasons() -> None:
    run = run_cli("docs", "check", "--all", root=ROOT)
    assert run.code == 0
    assert 'why: The page says "code: optional number"' in run.out
    assert "specs/docs/000_76d2020eb65f967f.txt" in run.out
    assert "notes (how the extractors read the pages):" in run.out
    assert "'buildFiles' is indented under 'overrides.buildArguments'" in run.out


# Each modified snapshot: the unexplained findings `docs check --docs` must report, as
# (kind, page line, spec file, spec pointer).
EXPECTED: dict[str, list[tuple[str, int | None, str, str]]] = {
    "new-trigger-status": [
        (
            "enum-value-not-in-spec",
            169,
            "specs/sourcecraft.yaml",
            "/components/schemas/TriggerStatus/enum",
        ),
    ],
    "new-optional-field": [
        (
            "field-not-in-spec",
            46,
            "specs/cloudflare-workers-builds.yaml",
            "/components/schemas/CreateBuildRequest/properties",
        ),
    ],
    "new-required-field": [
        (
            "field-not-in-spec",
            55,
            "specs/cloudflare-workers-builds.yaml",
            "/components/schemas/BuildSeedRepoInput/properties",
        ),
    ],
    "changed-dockerfile-pattern": [
        (
            "constraint-differs",
            72,
            "specs/northflank.yaml",
            "/components/schemas/DockerOverrides/properties/dockerFilePath/pattern",
        ),
    ],
    "renamed-form-field": [
        ("decision-stale", None, "specs/docs/drift-decisions.yaml", "/decisions/6"),
        (
            "no-field-list",
            10,
            "specs/cloudflare-pages.yaml",
            "/components/schemas/CreateDeploymentForm/properties",
        ),
        (
            "spec-example-not-on-page",
            21,
            "specs/cloudflare-pages.yaml",
            f"{OP001}/requestBody/content/multipart~1form-data/examples/doc-curl/value",
        ),
        (
            "example-field-not-in-spec",
            26,
            "specs/cloudflare-pages.yaml",
            "/components/schemas/CreateDeploymentForm/properties",
        ),
    ],
    "removed-response-field": [
        (
            "field-not-in-docs",
            90,
            "specs/northflank.yaml",
            "/components/schemas/JobBuild/properties/concluded",
        ),
        (
            "spec-example-not-on-page",
            151,
            "specs/northflank.yaml",
            f"{OP003}/responses/200/content/application~1json/examples/doc-response/value",
        ),
    ],
    "pages-size-cap": [
        (
            "constraint-differs",
            13,
            "specs/cloudflare-pages.yaml",
            "/components/schemas/CreateDeploymentForm/properties/_worker.bundle/x-max-bytes",
        ),
    ],
    "invalid-curl-body": [
        (
            "example-invalid",
            136,
            "specs/northflank.yaml",
            "/components/schemas/StartJobBuildRequest",
        ),
        (
            "spec-example-not-on-page",
            136,
            "specs/northflank.yaml",
            f"{OP003}/requestBody/content/application~1json/examples/doc-current-settings/value",
        ),
    ],
}


def _order(entry: tuple[str, object, str, str]) -> tuple[str, int, str, str]:
    line = entry[1]
    return (entry[0], line if isinstance(line, int) else 0, entry[2], entry[3])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_modified_snapshot_is_reported_at_the_right_place(name: str) -> None:
    scenario = Scenario.load(name)
    run = run_cli("docs", "check", "--json", "--docs", scenario.folder)
    assert run.code == 1, run.err
    unexplained = [f for f in findings(run.out) if not f["explained"]]
    got = sorted(
        ((str(f["kind"]), f["line"], str(f["spec"]), str(f["pointer"])) for f in unexplained),
        key=_order,
    )
    assert got == sorted(EXPECTED[name], key=_order), json.dumps(unexplained, indent=1)
    for f in unexplained:
        if f["kind"] != "decision-stale":
            assert str(f["page"]).endswith(scenario.pages[0].name)


def test_a_modified_snapshot_prints_page_line_and_spec_pointer() -> None:
    run = run_cli("docs", "check", "--docs", Scenario.load("new-trigger-status").folder)
    assert run.code == 1
    assert "tests/drift/fixtures/new-trigger-status/004_947342d99e78c575.txt" in run.out
    assert "line 169: the page lists 'queued' for 'trigger_status'" in run.out
    assert "spec: specs/sourcecraft.yaml:/components/schemas/TriggerStatus/enum" in run.out
    assert "1 unexplained" in run.out


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if Scenario.load(n).spec))
def test_the_matching_spec_edit_clears_the_drift_and_is_a_valid_spec(
    name: str, project_copy: Callable[[], Path]
) -> None:
    scenario = Scenario.load(name)
    assert scenario.spec is not None
    root = project_copy()
    spec = root / "specs" / scenario.spec
    spec.write_text(edited_spec(spec.read_text(), scenario.edits))
    run = run_cli("docs", "check", "--docs", scenario.folder, root=root)
    assert run.code == 0, run.out
    # The edit keeps a spec lint accepts: OpenAPI 3.1, examples valid, patterns portable.
    api = load_api(spec, scenario.spec)
    assert list(OpenAPIV31SpecValidator(api.document.raw).iter_errors()) == []
    defects = DocDefects.load(Project.from_root(root).doc_defects)
    assert check_examples(api, defects) == []
    for edit in scenario.edits:
        if edit["path"].endswith("/pattern"):
            assert check_portable(edit["value"]) is None


def test_a_reviewed_decision_explains_a_doc_example_defect(tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.yaml"
    original = yaml.safe_load((BASELINE / "specs/docs/drift-decisions.yaml").read_text())
    original["decisions"] += [
        {
            "kind": "example-invalid",
            "page": P003,
            "subject": "curl -d body",
            "reason": "Northflank's new capture shortens the sha in its example; reported.",
        },
        {
            "kind": "spec-example-not-on-page",
            "page": P003,
            "subject": "doc-current-settings",
            "reason": "The spec keeps the valid 40-character sha of the earlier capture.",
        },
    ]
    decisions.write_text(yaml.safe_dump(original))
    folder = Scenario.load("invalid-curl-body").folder
    run = run_cli("docs", "check", "--docs", folder, "--decisions", decisions)
    assert run.code == 0, run.out


def test_a_listed_doc_defect_is_an_expected_failure(project_copy: Callable[[], Path]) -> None:
    """A page example equal to a spec example listed in doc-defects fails as expected."""
    root = project_copy()
    spec = root / "specs" / "northflank.yaml"
    spec.write_text(
        edited_spec(
            spec.read_text(),
            [{"op": "replace", "path": "/components/schemas/Sha/maxLength", "value": 39}],
        )
    )
    examples = f"{OP003}/requestBody/content/application~1json/examples"
    defects = yaml.safe_load((root / "specs/doc-defects.yaml").read_text())
    defects["defects"].append(
        {
            "spec": "northflank.yaml",
            "example": f"{examples}/doc-current-settings/value",
            "violates": "is too long",
            "reason": "test: the page's sha breaks the (edited) length rule",
        }
    )
    (root / "specs/doc-defects.yaml").write_text(yaml.safe_dump(defects))
    run = run_cli("docs", "check", "--json", root=root)
    invalid = {f["line"]: f for f in findings(run.out) if f["kind"] == "example-invalid"}
    assert sorted(invalid) == [136, 144]
    assert invalid[136]["explanation"]["source"] == "doc-defect"
    assert "is too long" in str(invalid[136]["message"])
    assert not invalid[144]["explained"]  # the overrides example is not listed
    assert "1 known doc defect(s)" in run.err


def test_a_stale_decision_is_reported(tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.yaml"
    original = yaml.safe_load((BASELINE / "specs/docs/drift-decisions.yaml").read_text())
    original["decisions"].append(
        {
            "kind": "field-not-in-spec",
            "page": P004,
            "subject": "retired_field",
            "reason": "A field the page used to list and the spec deliberately omitted.",
        }
    )
    decisions.write_text(yaml.safe_dump(original))
    run = run_cli("docs", "check", "--json", "--decisions", decisions)
    assert run.code == 1
    stale = [f for f in findings(run.out) if f["kind"] == "decision-stale"]
    assert len(stale) == 1
    assert stale[0]["pointer"] == f"/decisions/{len(original['decisions']) - 1}"
    assert stale[0]["subject"] == "retired_field"


def test_decisions_about_pages_not_checked_are_not_stale() -> None:
    run = run_cli("docs", "check", "--docs", Scenario.load("new-trigger-status").folder)
    assert "decision-stale" not in run.out


def test_missing_and_unused_pages_are_findings(project_copy: Callable[[], Path]) -> None:
    root = project_copy()
    (root / "specs/docs" / P004).unlink()
    shutil.copy(BASELINE / "specs/docs" / P003, root / "specs/docs/005_unknown.txt")
    run = run_cli("docs", "check", "--json", root=root)
    assert run.code == 1
    got = {(f["kind"], f["page"]) for f in findings(run.out) if not f["explained"]}
    assert ("page-missing", f"specs/docs/{P004}") in got
    assert ("page-unused", "specs/docs/005_unknown.txt") in got


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--docs", "no/such/folder"), "not a folder of page snapshots"),
        (("--decisions", "no/such/file.yaml"), "no such decisions file"),
    ],
)
def test_usage_errors_exit_2(argv: tuple[str, ...], message: str) -> None:
    run = run_cli("docs", "check", *argv)
    assert run.code == 2
    assert message in run.err


@pytest.mark.parametrize(
    ("entry", "pointer", "message"),
    [
        ({"kind": "field-not-in-spec", "page": P000}, "/decisions/0/reason", "reason is required"),
        (
            {"kind": "nope", "page": P000, "reason": "a b c d"},
            "/decisions/0/kind",
            "unknown finding kind",
        ),
        (
            {"kind": "field-not-in-spec", "page": P000, "reason": "ok"},
            "/decisions/0/reason",
            "sentence",
        ),
        (
            {"kind": "field-not-in-spec", "page": P000, "reason": "a b c d", "subjct": "x"},
            "/decisions/0",
            "unknown key(s) ['subjct']",
        ),
    ],
)
def test_a_bad_decisions_file_names_file_and_pointer(
    tmp_path: Path, entry: dict[str, str], pointer: str, message: str
) -> None:
    decisions = tmp_path / "decisions.yaml"
    decisions.write_text(yaml.safe_dump({"decisions": [entry]}))
    run = run_cli("docs", "check", "--decisions", decisions)
    assert run.code == 2
    assert f"decisions.yaml:{pointer}: " in run.err
    assert message in run.err
    assert "Traceback" not in run.err


def test_an_unreadable_page_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / P003).write_bytes(b"\xff\xfe not text")
    run = run_cli("docs", "check", "--docs", tmp_path)
    assert run.code == 2
    assert f"{P003}: not UTF-8 text" in run.err


def test_a_broken_json_example_on_a_page_is_reported(tmp_path: Path) -> None:
    text = (BASELINE / "specs/docs" / P003).read_text()
    (tmp_path / P003).write_text(text.replace('"branch": "main",', '"branch": "main",,'))
    run = run_cli("docs", "check", "--json", "--docs", tmp_path)
    assert run.code == 1
    broken = [f for f in findings(run.out) if f["kind"] == "page-unreadable"]
    assert [f["line"] for f in broken] == [158]  # the line of the syntax error
    assert "starting on line 155 does not parse" in str(broken[0]["message"])


P002 = "002_d47a0dbb9f49205d.txt"
OP002 = "/paths/~1accounts~1{account_id}~1builds~1repos~1connections/put"
OP004 = "/paths/~1{org_slug}~1{repo_slug}~1ci_workflows~1{workflow_name}~1trigger/post"
OP000 = "/paths/~1accounts~1{account_id}~1builds~1triggers~1{trigger_uuid}~1builds/post"
REPLACEMENT = "please use POST /repos/{org_slug}/{repo_slug}/cicd/runs instead"

# One small page edit per finding kind: (page, old text, new text, expected unexplained
# findings as (kind, line, spec pointer)).
KIND_CASES: dict[str, tuple[str, str, str, set[tuple[str, int | None, str]]]] = {
    "curl method": (
        P002,
        "-X PUT \\",
        "-X POST \\",
        {("endpoint-differs", 16, OP002)},
    ),
    "curl host": (
        P003,
        "https://api.northflank.com/v1/projects/{projectId}/jobs/{jobId}/build\n      OR",
        "https://api.northflank.io/v1/projects/{projectId}/jobs/{jobId}/build\n      OR",
        {("endpoint-differs", 133, "/servers")},
    ),
    "replacement": (
        P004,
        REPLACEMENT,
        REPLACEMENT.replace("/runs", "/run"),
        {("deprecation-differs", 5, f"{OP004}/x-replaced-by")},
    ),
    "no longer deprecated": (
        P004,
        f"Deprecated\n\nEndpoint is deprecated, {REPLACEMENT}\n",
        "Run a workflow.\n",
        {("deprecation-differs", None, OP004)},
    ),
    "content type": (
        P000,
        "-H 'Content-Type: application/json'",
        "-H 'Content-Type: text/plain'",
        {
            (
                "curl-header-differs",
                86,
                f"{OP000}/requestBody/content/application~1json/schema",
            )
        },
    ),
    "auth header": (
        P003,
        '--header "Authorization: Bearer NORTHFLANK_API_TOKEN" \\\n        --request POST \\\n'
        '        --data \'{"sha"',
        '--header "X-Api-Key: NORTHFLANK_API_TOKEN" \\\n        --request POST \\\n'
        '        --data \'{"sha"',
        {
            ("curl-header-differs", 133, f"{OP003}/security"),
            ("curl-header-differs", 141, f"{OP003}/security"),
        },
    ),
    "response status": (
        P004,
        "200 OK",
        "201 Created",
        {
            ("response-not-in-docs", None, f"{OP004}/responses/200"),
            ("response-not-in-spec", 149, f"{OP004}/responses"),
        },
    ),
    "description without a field": (
        P001,
        "will be used by default.\n",
        "will be used by default.\nWhether to skip the build cache for this deployment.\n",
        {("description-unmatched", 17, "/components/schemas/CreateDeploymentForm/properties")},
    ),
    "required flag": (
        P000,
        "branch: optional string",
        "branch: string",
        {("required-differs", 38, "/components/schemas/CreateBuildRequest/required")},
    ),
    "rule in prose only": (
        P001,
        "will be used by default.",
        "will be used by default. Mutually exclusive with manifest.",
        {("rule-not-in-spec", 16, "/components/schemas/CreateDeploymentForm")},
    ),
    "constraint on the page only": (
        P000,
        "branch: optional string\n",
        "branch: optional string\nmaxLength255\n",
        {
            (
                "constraint-not-in-spec",
                39,
                "/components/schemas/CreateBuildRequest/properties/branch",
            )
        },
    ),
    "enum value in the spec only": (
        P004,
        "Enum: already_exists, created, nothing_to_start",
        "Enum: already_exists, created",
        {("enum-value-not-in-docs", 165, "/components/schemas/TriggerStatus/enum")},
    ),
    "type": (
        P003,
        "            number\n",
        "            string\n",
        {("type-differs", 102, "/components/schemas/JobBuild/properties/pullRequestId/type")},
    ),
    "enum on the page only": (
        P003,
        "            The status of the build.\n",
        "            The status of the build.\n            one of\n            PENDING, SUCCESS\n",
        {("constraint-not-in-spec", 114, "/components/schemas/JobBuild/properties/status")},
    ),
}


@pytest.mark.parametrize("case", sorted(KIND_CASES))
def test_each_kind_of_difference_is_found(case: str, tmp_path: Path) -> None:
    page, old, new, expected = KIND_CASES[case]
    text = (BASELINE / "specs/docs" / page).read_text()
    assert old in text
    (tmp_path / page).write_text(text.replace(old, new))
    run = run_cli("docs", "check", "--json", "--docs", tmp_path)
    assert run.code == 1
    got = {(f["kind"], f["line"], f["pointer"]) for f in findings(run.out) if not f["explained"]}
    assert got == expected


def test_a_rule_the_page_no_longer_states_is_reported(tmp_path: Path) -> None:
    text = (BASELINE / "specs/docs" / P000).read_text()
    for side in ("commit_hash", "branch"):
        text = text.replace(f" (required if {side} not provided)", "")
    (tmp_path / P000).write_text(text)
    run = run_cli("docs", "check", "--json", "--docs", tmp_path)
    got = {(f["kind"], f["line"], f["detail"]) for f in findings(run.out) if not f["explained"]}
    assert got == {("rule-not-in-docs", 37, "at-least-one-of")}


def test_every_finding_kind_is_exercised() -> None:
    exercised = {kind for case in KIND_CASES.values() for kind, _, _ in case[3]}
    exercised |= {kind for cases in EXPECTED.values() for kind, _, _, _ in cases}
    exercised |= {"page-missing", "page-unused", "page-unreadable", "rule-not-in-docs"}
    exercised |= {"operation-not-in-docs", "response-not-in-docs", "constraint-not-in-docs"}
    assert exercised == set(KINDS)


def test_a_broken_spec_is_one_clear_error(project_copy: Callable[[], Path]) -> None:
    root = project_copy()
    spec = root / "specs" / "northflank.yaml"
    spec.write_text(spec.read_text().replace('$ref: "#/components/schemas/Sha"', "$ref: x", 1))
    run = run_cli("docs", "check", root=root)
    assert run.code == 2
    assert "specs/northflank.yaml:/components/schemas/StartJobBuildPlain/properties/sha/$ref:" in (
        run.err
    )
    assert "Traceback" not in run.err
