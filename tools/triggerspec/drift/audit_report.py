"""Renderers of an ``audit`` report: text for a terminal, markdown for a pull request, JSON.

Every decided difference is shown with the reason and source of the decision that covers
it; gaps and stale decisions come first, since they are what needs work.
"""

from __future__ import annotations

import json
from typing import Any

from triggerspec.drift.audit import AuditReport, Decision, Difference


def audit_summary(report: AuditReport) -> str:
    """One line: operations compared, gaps, decided differences, stale decisions."""
    verdict = "0 gaps" if not report.gaps else f"{len(report.gaps)} gap(s)"
    return (
        f"audit {report.spec} against {report.official}: {len(report.matched)} operation(s) "
        f"compared, {verdict}, {len(report.decided)} decided difference(s), "
        f"{len(report.stale)} stale decision(s)"
    )


def _where(d: Difference) -> str:
    c = d.change
    return f"{c.operation} {c.part}" + (f" {c.subject}" if c.subject else "")


def audit_text(report: AuditReport) -> str:
    """The report for a terminal."""
    out: list[str] = []
    for d in report.gaps:
        out.append(f"!! gap: {_where(d)}: {d.change.message} [{d.change.kind}]")
        out.append(f"     spec: {report.spec}:{d.change.new or '(absent)'}")
        out.append(f"     official: {report.official}:{d.change.old or '(absent)'}")
    for s in report.stale:
        out.append(f"!! stale decision: {report.spec}:{s.pointer} ({s.kind}): {s.reason}")
        out.append("     it says the spec differs from the official document; nothing differs")
    for d in report.decided:
        assert d.decision is not None
        out.append(f"ok decided: {_where(d)}: {d.change.message} [{d.change.kind}]")
        out.append(f"     why ({d.decision.kind} at {d.decision.pointer}): {d.decision.reason}")
    out.append(audit_summary(report))
    out.append("(each difference reads from the official document to the spec)")
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def audit_markdown(report: AuditReport) -> str:
    """The report as a pull-request comment."""
    out = [f"### triggerspec audit: `{report.spec}` against `{report.official}`", ""]
    out.append(
        audit_summary(report) + " (each difference reads from the official document to the spec)"
    )
    if report.gaps:
        out += ["", "#### Gaps", "", "| operation | where | difference | spec pointer |"]
        out.append("|---|---|---|---|")
        for d in report.gaps:
            c = d.change
            out.append(
                f"| {c.operation} | {_cell(c.part)} {_cell(c.subject)} | {_cell(c.message)} "
                f"| `{c.new or ''}` |"
            )
    if report.stale:
        out += ["", "#### Stale decisions", "", "| spec pointer | decision |", "|---|---|"]
        out += [f"| `{s.pointer}` | {s.kind}: {_cell(s.reason)} |" for s in report.stale]
    if report.decided:
        out += ["", "<details><summary>Decided differences</summary>", ""]
        out += ["| operation | where | difference | why |", "|---|---|---|---|"]
        for d in report.decided:
            c = d.change
            reason = d.decision.reason if d.decision else ""
            out.append(
                f"| {c.operation} | {_cell(c.part)} {_cell(c.subject)} | {_cell(c.message)} "
                f"| {_cell(reason)} |"
            )
        out += ["", "</details>"]
    return "\n".join(out)


def _decision(d: Decision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "pointer": d.pointer,
        "kind": d.kind,
        "reason": d.reason,
        "source": d.source,
        "differs": list(d.differs),
    }


def audit_json(report: AuditReport) -> str:
    """The report as JSON."""
    return json.dumps(
        {
            "spec": report.spec,
            "official": report.official,
            "matched": [{"spec": s, "official": o} for s, o in report.matched],
            "ok": report.ok,
            "differences": [
                {
                    "label": d.label,
                    "kind": d.change.kind,
                    "operation": d.change.operation,
                    "part": d.change.part,
                    "subject": d.change.subject,
                    "message": d.change.message,
                    "official_pointer": d.change.old,
                    "spec_pointer": d.change.new,
                    "decision": _decision(d.decision),
                }
                for d in report.differences
            ],
            "stale": [_decision(s) for s in report.stale],
        },
        indent=2,
    )
