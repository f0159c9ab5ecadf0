"""Renderers: the docs report and the spec diff as text, JSON and markdown.

The checks return values; these functions only print them. Text is for a terminal, JSON for
tools, markdown for a pull-request comment.
"""

from __future__ import annotations

import json
from itertools import groupby

from triggerspec.drift.changes import IMPACTS, Change, SpecDiff
from triggerspec.drift.check import DocsReport
from triggerspec.drift.findings import Finding


def docs_text(report: DocsReport, *, show_explained: bool = False) -> str:
    """The docs report for a terminal: unexplained findings by page, then a summary."""
    out: list[str] = []
    shown = report.findings if show_explained else tuple(report.unexplained)
    for page, group in groupby(sorted(shown, key=_page_order), key=lambda f: f.page_display):
        findings = list(group)
        out.append(page)
        for f in findings:
            out.extend(_finding_lines(f))
        out.append("")
    if show_explained and report.notes:
        out.append("notes (how the extractors read the pages):")
        out.extend(f"  {page}:{note.line}: {note.message}" for page, note in report.notes)
        out.append("")
    out.append(docs_summary(report))
    if report.explained and not show_explained:
        out.append(f"(--all lists the {len(report.explained)} explained finding(s) and why)")
    return "\n".join(out)


def _page_order(f: Finding) -> tuple[str, int, str]:
    return (f.page_display, f.line or 0, f.kind)


def _finding_lines(f: Finding) -> list[str]:
    mark = "ok " if f.explained else "!! "
    where = f"line {f.line}" if f.line else "page"
    lines = [f"  {mark}{where}: {f.message} [{f.kind}]"]
    if f.spec_location:
        lines.append(f"       spec: {f.spec_location}")
    if f.explanation is not None:
        lines.append(f"       {f.explanation.source}: {f.explanation.reference}")
        lines.append(f"       why: {f.explanation.reason}")
    return lines


def docs_summary(report: DocsReport) -> str:
    """One line: pages, findings, unexplained, explained, stale decisions."""
    stale = sum(1 for f in report.findings if f.kind == "decision-stale")
    defects = sum(
        1 for f in report.explained if f.explanation and f.explanation.source == "doc-defect"
    )
    verdict = "no unexplained drift" if report.ok else f"{len(report.unexplained)} unexplained"
    return (
        f"docs check: {len({p.view.name for p in report.pages})} page(s), "
        f"{len(report.findings)} finding(s): {verdict}; {len(report.explained)} explained "
        f"({defects} known doc defect(s)); {stale} stale decision(s)"
    )


def docs_markdown(report: DocsReport) -> str:
    """The docs report as a pull-request comment: the unexplained findings, then a summary."""
    out = ["### triggerspec docs check", "", docs_summary(report)]
    if report.unexplained:
        out += ["", "| page | line | finding | spec |", "|---|---|---|---|"]
        for f in sorted(report.unexplained, key=_page_order):
            cell = f"{f.message} [{f.kind}]".replace("|", "\\|")
            out.append(
                f"| `{f.page_display}` | {f.line or ''} | {cell} | `{f.spec_location or ''}` |"
            )
        out += [
            "",
            "Edit the spec at each pointer (then `triggerspec regen`), or record a deliberate "
            "difference with its reason in `specs/docs/drift-decisions.yaml`.",
        ]
    return "\n".join(out)


def docs_json(report: DocsReport) -> str:
    """The docs report as JSON (every finding, explained ones with their reason)."""
    data = {
        "ok": report.ok,
        "docs": report.docs,
        "decisions": report.decisions,
        "pages": [
            {
                "page": p.view.display,
                "format": p.view.format,
                "spec": p.spec,
                "operation": p.operation,
                "curl_examples": len(p.view.curls),
                "json_examples": len(p.view.examples),
                "fields": sum(len(fl.fields) for fl in p.view.field_lists),
                "notes": [{"line": n.line, "message": n.message} for n in p.view.notes],
            }
            for p in report.pages
        ],
        "findings": [f.as_json() for f in report.findings],
        "summary": {
            "findings": len(report.findings),
            "unexplained": len(report.unexplained),
            "explained": len(report.explained),
            "stale_decisions": sum(1 for f in report.findings if f.kind == "decision-stale"),
        },
    }
    return json.dumps(data, indent=2)


_IMPACT_TITLE = {
    "callers": "Breaks callers (request side)",
    "consumers": "Breaks consumers (response side)",
    "none": "Non-breaking",
}


def diff_text(diff: SpecDiff) -> str:
    """The spec diff for a terminal, grouped by impact."""
    out = [f"diff {diff.old} -> {diff.new}"]
    if not diff.changes:
        out.append("  no contract changes")
    for impact in IMPACTS:
        changes = [c for c in diff.changes if c.impact == impact]
        if changes:
            out.append(f"{_IMPACT_TITLE[impact]}:")
            out.extend(f"  {_where(c)}: {c.message} [{c.kind}]" for c in changes)
    out.append(diff_summary(diff))
    return "\n".join(out)


def _where(c: Change) -> str:
    parts = [p for p in (c.operation, c.part, c.subject) if p]
    return " ".join(parts) or "(spec)"


def diff_summary(diff: SpecDiff) -> str:
    """One line: how many changes break callers, consumers, and none."""
    counts = {i: sum(1 for c in diff.changes if c.impact == i) for i in IMPACTS}
    return (
        f"diff: {len(diff.changes)} change(s): {counts['callers']} break callers, "
        f"{counts['consumers']} break consumers, {counts['none']} non-breaking"
    )


def diff_markdown(diff: SpecDiff) -> str:
    """The spec diff as a pull-request comment."""
    counts = {i: sum(1 for c in diff.changes if c.impact == i) for i in IMPACTS}
    head = f"### triggerspec diff: `{diff.old}` → `{diff.new}`\n"
    if not diff.changes:
        return head + "\nNo contract changes.\n"
    verdict = (
        "**Breaking:** " if counts["callers"] or counts["consumers"] else "**Nothing breaks.** "
    )
    lines = [
        head,
        f"{verdict}{counts['callers']} change(s) break callers, {counts['consumers']} break "
        f"consumers, {counts['none']} are non-breaking.",
        "",
    ]
    for impact in IMPACTS:
        changes = [c for c in diff.changes if c.impact == impact]
        if not changes:
            continue
        lines += [f"#### {_IMPACT_TITLE[impact]}", "", "| operation | where | change | kind |"]
        lines.append("|---|---|---|---|")
        for c in changes:
            where = " ".join(filter(None, (c.part, c.subject))) or "—"
            lines.append(
                f"| {_cell(c.operation or '—')} | {_cell(where)} | {_cell(c.message)} "
                f"| `{c.kind}` |"
            )
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def diff_json(diff: SpecDiff) -> str:
    """The spec diff as JSON."""
    return json.dumps(
        {
            "old": diff.old,
            "new": diff.new,
            "breaking": diff.breaking,
            "changes": [_change_json(c) for c in diff.changes],
        },
        indent=2,
    )


def _change_json(c: Change) -> dict[str, object]:
    return {
        "kind": c.kind,
        "impact": c.impact,
        "operation": c.operation,
        "part": c.part,
        "subject": c.subject,
        "message": c.message,
        "old": c.old,
        "new": c.new,
        "witness": c.witness,
    }
