"""The reviewed decisions list: loading, matching, and staleness."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from triggerspec.drift.findings import KINDS, Finding
from triggerspec.drift.known import Decision, Decisions
from triggerspec.errors import SpecError


def finding(**overrides: str) -> Finding:
    base = {
        "kind": "type-differs",
        "message": "m",
        "page": "000.txt",
        "page_display": "specs/docs/000.txt",
        "operation": "createManualBuild",
        "part": "response 200",
        "subject": "result_info.count",
        "detail": "number!=integer",
    }
    base.update(overrides)
    return Finding(**base)  # type: ignore[arg-type]


def decision(**overrides: str) -> Decision:
    base = {"index": 0, "kind": "type-differs", "page": "000.txt", "reason": "why it is so"}
    base.update(overrides)
    return Decision(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "matches"),
    [
        ({}, True),
        ({"subject": "result_info.*"}, True),
        ({"subject": "result_info.page"}, False),
        ({"detail": "number!=integer", "part": "response *"}, True),
        ({"operation": "other"}, False),
        ({"page": "001.txt"}, False),
        ({"kind": "field-not-in-docs"}, False),
        ({"subject": "*[]*"}, False),
    ],
)
def test_matching(overrides: dict[str, str], matches: bool) -> None:
    assert decision(**overrides).matches(finding()) is matches


def test_a_glob_is_literal_apart_from_the_star() -> None:
    assert decision(subject="errors[].code").matches(finding(subject="errors[].code"))
    assert not decision(subject="errors[].code").matches(finding(subject="errorsX.code"))


def test_explain_marks_findings_and_reports_stale_entries() -> None:
    decisions = Decisions(
        "d.yaml",
        (decision(), decision(index=1, subject="gone"), decision(index=2, page="999.txt")),
    )
    out = decisions.explain([finding(), finding(subject="other")], checked={"000.txt"})
    assert [f.explained for f in out] == [True, True, False]
    assert out[0].explanation is not None
    assert out[0].explanation.reference == "d.yaml:/decisions/0"
    stale = out[2]
    assert (stale.kind, stale.pointer, stale.subject) == ("decision-stale", "/decisions/1", "gone")


def test_the_first_matching_entry_wins_and_a_duplicate_is_stale() -> None:
    decisions = Decisions("d.yaml", (decision(), decision(index=1)))
    out = decisions.explain([finding()], checked={"000.txt"})
    assert [f.kind for f in out] == ["type-differs", "decision-stale"]


def test_the_committed_list_loads_and_names_only_known_kinds() -> None:
    decisions = Decisions.load(ROOT / "specs/docs/drift-decisions.yaml")
    assert len(decisions.entries) >= 15
    for entry in decisions.entries:
        assert entry.kind in KINDS
        assert (ROOT / "specs/docs" / entry.page).is_file()


def test_a_missing_file_is_an_empty_list(tmp_path: Path) -> None:
    assert Decisions.load(tmp_path / "none.yaml").entries == ()


@pytest.mark.parametrize(
    ("content", "pointer"),
    [
        ("decisions: {}\n", "/decisions"),
        ("decisions:\n  - just text\n", "/decisions/0"),
        ("decisions: [\n", ""),
        (
            yaml.safe_dump(
                {
                    "decisions": [
                        {"kind": "type-differs", "page": "p", "reason": "a b c d", "detail": [1]}
                    ]
                }
            ),
            "/decisions/0/detail",
        ),
    ],
)
def test_load_errors_name_the_pointer(tmp_path: Path, content: str, pointer: str) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(content)
    with pytest.raises(SpecError) as caught:
        Decisions.load(path, "d.yaml")
    assert caught.value.pointer == pointer
    assert str(caught.value).startswith(f"d.yaml:{pointer or '/'}: ")
