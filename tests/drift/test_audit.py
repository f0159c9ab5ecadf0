"""``audit SPEC --official DOC``: the Cloudflare specs against Cloudflare's own OpenAPI.

The official document is a cut of ``cloudflare/api-schemas`` (OpenAPI 3.0.3, its commit in
``tests/fixtures/official/README.md``). Done means: no gap, every decided difference shows
its reason, and a reopened gap, a stale decision, a renamed path parameter and a JSON
document are each handled.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.drift.conftest import apply_edits, run_cli
from triggerspec.drift.audit import audit, load_official
from triggerspec.drift.loading import load_checked
from triggerspec.errors import SpecError

OFFICIAL = Path(__file__).parents[1] / "fixtures" / "official" / "cloudflare-api-schemas-cut.yaml"
CLOUDFLARE = ["cloudflare-workers-builds.yaml", "cloudflare-pages.yaml"]
BUILDS = ROOT / "specs" / "cloudflare-workers-builds.yaml"
PAGES = ROOT / "specs" / "cloudflare-pages.yaml"


@pytest.mark.parametrize("spec", CLOUDFLARE)
def test_the_cloudflare_specs_have_no_gap_and_every_difference_says_why(spec: str) -> None:
    report = audit(load_checked(ROOT / "specs" / spec), load_official(OFFICIAL))
    assert report.matched and report.ok
    assert report.gaps == [] and report.stale == ()
    assert report.decided, "the specs make deliberate choices; they must be listed"
    for d in report.decided:
        assert d.decision is not None and len(d.decision.reason) > 20, d
        assert d.change.new is not None or d.change.old is not None


def test_a_renamed_operation_is_matched_by_method_and_path() -> None:
    report = audit(load_checked(PAGES), load_official(OFFICIAL))
    assert report.matched == (("createDeployment", "pages-deployment-create-deployment"),)
    renamed = [d for d in report.decided if d.change.kind == "operation-renamed"]
    assert renamed and renamed[0].decision is not None
    assert "generated names" in renamed[0].decision.reason


def _edited(tmp_path: Path, source: Path, edits: list[dict[str, Any]]) -> Path:
    target = tmp_path / source.name
    target.write_text(
        yaml.safe_dump(apply_edits(yaml.safe_load(source.read_text()), edits), sort_keys=False)
    )
    return target


def test_a_reopened_gap_is_reported_with_both_pointers(tmp_path: Path) -> None:
    # the gap the issue found: the provider enum had github only
    edits = [
        {"op": "replace", "path": "/components/schemas/ScmProviderType/enum", "value": ["github"]}
    ]
    report = audit(load_checked(_edited(tmp_path, BUILDS, edits)), load_official(OFFICIAL))
    gaps = {(d.change.operation, d.change.part, d.change.subject) for d in report.gaps}
    assert ("createManualBuild", "request", "seed_repo.provider") in gaps
    assert ("upsertRepoConnection", "request", "provider_type") in gaps
    assert ("upsertRepoConnection", "response 200", "result.provider_type") in gaps
    for d in report.gaps:
        assert d.change.new == "/components/schemas/ScmProviderType/enum"
        assert d.change.old == "/components/schemas/builds_SCMProviderType/enum"
    assert not report.ok


def test_a_field_only_the_official_document_has_is_a_gap(tmp_path: Path) -> None:
    edits = [{"op": "remove", "path": "/components/schemas/Deployment/properties/skip_reason"}]
    report = audit(load_checked(_edited(tmp_path, PAGES, edits)), load_official(OFFICIAL))
    assert [(d.change.kind, d.change.subject) for d in report.gaps] == [
        ("response-field-removed", "result.skip_reason")
    ]


def test_a_decision_that_covers_nothing_is_stale(tmp_path: Path) -> None:
    decision = {"note": "The official enum lacks one value.", "differs": ["enum"]}
    edits = [
        {
            "op": "add",
            "path": "/components/schemas/Deployment/properties/environment/x-decision",
            "value": decision,
        }
    ]
    report = audit(load_checked(_edited(tmp_path, PAGES, edits)), load_official(OFFICIAL))
    assert [s.pointer for s in report.stale] == [
        "/components/schemas/Deployment/properties/environment"
    ]
    assert report.gaps == [] and not report.ok


def test_a_renamed_path_parameter_still_matches_and_json_is_read(tmp_path: Path) -> None:
    raw = yaml.safe_load(OFFICIAL.read_text())
    path = "/accounts/{account_id}/pages/projects/{project_name}/deployments"
    item = raw["paths"].pop(path)
    for op in ("get", "post"):
        for p in item[op]["parameters"]:
            if p["name"] == "project_name":
                p["name"] = "name"
    raw["paths"][path.replace("{project_name}", "{name}")] = item
    official = tmp_path / "openapi.json"
    official.write_text(json.dumps(raw, default=str))
    report = audit(load_checked(PAGES), load_official(official))
    assert report.matched == (("createDeployment", "pages-deployment-create-deployment"),)
    assert report.ok, [d.change.message for d in report.gaps]
    # the parameter's schema is still compared under its spec name
    raw["components"]["schemas"]["pages_project_name"]["pattern"] = "^[a-z]+$"
    official.write_text(json.dumps(raw, default=str))
    report = audit(load_checked(PAGES), load_official(official))
    gaps = {(d.change.kind, d.change.subject) for d in report.gaps}
    assert ("parameter-pattern-changed", "project_name") in gaps or (
        "parameter-pattern-loosened",
        "project_name",
    ) in gaps


def test_an_operation_the_official_document_lacks_is_a_gap(tmp_path: Path) -> None:
    raw = yaml.safe_load(OFFICIAL.read_text())
    del raw["paths"]["/accounts/{account_id}/builds/repos/connections"]
    official = tmp_path / "cut.yaml"
    official.write_text(yaml.safe_dump(raw))
    report = audit(load_checked(BUILDS), load_official(official))
    assert [(d.change.kind, d.change.operation) for d in report.gaps] == [
        ("operation-not-official", "upsertRepoConnection")
    ]


def test_an_unreadable_official_document_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.3\ninfo: {title: x}\n")
    with pytest.raises(SpecError, match=r"bad\.yaml:/paths: not an OpenAPI document"):
        load_official(bad)
    bad.write_text("{not json")
    with pytest.raises(SpecError, match="not valid JSON or YAML"):
        load_official(bad)
    raw = yaml.safe_load(OFFICIAL.read_text())
    raw["components"]["schemas"]["pages_identifier"]["nullable"] = "yes"
    bad.write_text(json.dumps(raw, default=str))
    official = load_official(bad)  # read as it is; only the cut is normalised
    with pytest.raises(SpecError, match=r"bad\.yaml:/components/schemas/pages_identifier"):
        audit(load_checked(PAGES), official)


def test_cli_text_markdown_json_and_exit_codes(tmp_path: Path) -> None:
    ok = run_cli("audit", PAGES, "--official", OFFICIAL, root=ROOT)
    assert ok.code == 0, ok.err
    assert "0 gaps" in ok.out and "why (x-stricter" in ok.out
    markdown = run_cli("audit", BUILDS, "--official", OFFICIAL, "--format", "markdown", root=ROOT)
    assert markdown.code == 0 and markdown.out.startswith("### triggerspec audit")
    assert "<summary>Decided differences</summary>" in markdown.out
    as_json = run_cli("audit", PAGES, "--official", OFFICIAL, "--format", "json", root=ROOT)
    data = json.loads(as_json.out)
    assert data["ok"] is True
    assert all(d["decision"]["reason"] for d in data["differences"] if d["label"] == "decided")
    shutil.copy(BUILDS, tmp_path / "b.yaml")
    gap = _edited(
        tmp_path,
        BUILDS,
        [
            {
                "op": "replace",
                "path": "/components/schemas/ScmProviderType/enum",
                "value": ["github"],
            }
        ],
    )
    failing = run_cli("audit", gap, "--official", OFFICIAL, root=ROOT)
    assert failing.code == 1 and "!! gap:" in failing.out
    missing = run_cli("audit", PAGES, "--official", tmp_path / "none.yaml", root=ROOT)
    assert missing.code == 2 and "none.yaml: no such file" in missing.err


@pytest.mark.parametrize("spec", [BUILDS, PAGES, ROOT / "specs" / "northflank.yaml"])
def test_a_31_document_against_itself_differs_nowhere(spec: Path) -> None:
    report = audit(load_checked(spec), load_official(spec))
    assert report.differences == ()
    assert len(report.matched) == len(load_checked(spec).operations)
    # every decision that says "this differs from the vendor" is then stale
    assert all(s.differs or s.any_difference for s in report.stale)
    assert report.ok == (report.stale == ())


def test_a_mirrored_schema_the_official_document_lacks_is_a_gap(tmp_path: Path) -> None:
    raw = yaml.safe_load(OFFICIAL.read_text())
    del raw["components"]["schemas"]["builds_ErrorResponse"]
    official = tmp_path / "cut.yaml"
    official.write_text(yaml.safe_dump(raw))
    report = audit(load_checked(BUILDS), load_official(official))
    missing = {(d.change.kind, d.change.new) for d in report.gaps}
    assert missing == {
        ("mirrored-schema-missing", "/components/responses/Failure/x-decision/official")
    }


def test_a_stricter_rule_and_a_decision_on_one_node_both_count(tmp_path: Path) -> None:
    at = "/components/schemas/FailureEnvelope/properties/errors"
    decision = {"note": "Also a decision.", "differs": ["nothing-matches-this"]}
    edits = [{"op": "add", "path": f"{at}/x-decision", "value": decision}]
    report = audit(load_checked(_edited(tmp_path, PAGES, edits)), load_official(OFFICIAL))
    covered = [d for d in report.decided if d.decision and d.decision.pointer == at]
    assert covered and report.ok
    (first,) = {d.decision for d in covered}
    assert first is not None and first.kind == "x-stricter, x-decision"
    assert (
        "A failure names at least one error" in first.reason and "Also a decision" in first.reason
    )
