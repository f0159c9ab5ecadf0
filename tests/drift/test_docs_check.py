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
from tests.drift.conftest import Scenario, edited_spec, run_cli
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
    run = run_cli("docs", "check")
    assert run.code == 0, run.out
    assert "no unexplained drift" in run.out
    assert "0 stale decision(s)" in run.out
    assert "!!" not in run.out


def test_every_committed_finding_is_explained_with_a_reason() -> None:
    run = run_cli("docs", "check", "--json")
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


def test_all_lists_explained_findings_with_their_reasons() -> None:
    run = run_cli("docs", "check", "--all")
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
    original = yaml.safe_load((ROOT / "specs/docs/drift-decisions.yaml").read_text())
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
    original = yaml.safe_load((ROOT / "specs/docs/drift-decisions.yaml").read_text())
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
    shutil.copy(ROOT / "specs/docs" / P003, root / "specs/docs/005_unknown.txt")
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
    text = (ROOT / "specs/docs" / P003).read_text()
    (tmp_path / P003).write_text(text.replace('"branch": "main",', '"branch": "main",,'))
    run = run_cli("docs", "check", "--json", "--docs", tmp_path)
    assert run.code == 1
    broken = [f for f in findings(run.out) if f["kind"] == "page-unreadable"]
    assert [f["line"] for f in broken] == [158]  # the line of the syntax error
    assert "starting on line 155 does not parse" in str(broken[0]["message"])
