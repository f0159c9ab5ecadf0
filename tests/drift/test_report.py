"""The renderers: text, markdown and JSON of a spec diff; text of a docs report."""

from __future__ import annotations

import json

from triggerspec.drift.changes import Change, SpecDiff
from triggerspec.drift.report import diff_json, diff_markdown, diff_text

PIPE = Change(
    "request-pattern-tightened",
    "callers",
    "createItem",
    "request",
    "name",
    "pattern '^(a|b)$' is now '^a$': it now rejects 'b'",
    "/x/pattern",
    "/x/pattern",
    "b",
)
ADDED = Change(
    "operation-added", "none", "deleteItem", "operation", "", "new operation", None, "/p"
)


def test_markdown_escapes_pipes_and_groups_by_impact() -> None:
    text = diff_markdown(SpecDiff("old.yaml", "new.yaml", (PIPE, ADDED)))
    assert text.startswith("### triggerspec diff: `old.yaml` → `new.yaml`")
    assert "**Breaking:** 1 change(s) break callers, 0 break consumers, 1 are non-breaking." in text
    assert text.index("#### Breaks callers") < text.index("#### Non-breaking")
    assert "pattern '^(a\\|b)$' is now '^a$'" in text
    assert "#### Breaks consumers" not in text


def test_no_changes() -> None:
    diff = SpecDiff("a", "b", ())
    assert "No contract changes." in diff_markdown(diff)
    assert "no contract changes" in diff_text(diff)
    assert json.loads(diff_json(diff)) == {"old": "a", "new": "b", "breaking": False, "changes": []}


def test_json_keeps_pointers_and_witness() -> None:
    (change,) = json.loads(diff_json(SpecDiff("a", "b", (PIPE,))))["changes"]
    assert change == {
        "kind": "request-pattern-tightened",
        "impact": "callers",
        "operation": "createItem",
        "part": "request",
        "subject": "name",
        "message": PIPE.message,
        "old": "/x/pattern",
        "new": "/x/pattern",
        "witness": "b",
    }
