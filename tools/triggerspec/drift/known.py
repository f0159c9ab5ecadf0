"""The reviewed list of known differences between the pages and the specs, with reasons.

Some differences are deliberate: a capture lost the Pages form names and Cloudflare's
OpenAPI supplied them, Cloudflare's pages say ``number`` where its schemas say ``integer``,
triggerspec adds a rule (``x-stricter``) no page states. Each such difference is one entry
in ``specs/docs/drift-decisions.yaml``::

    decisions:
      - kind: type-differs              # a finding kind (triggerspec.drift.findings.KINDS)
        page: 000_76d2020eb65f967f.txt  # the page snapshot's file name
        operation: createManualBuild    # optional: the operationId
        part: response 200              # optional: parameters, request, response <status>
        subject: "result_info.*"        # optional: field path; `*` matches any run of text
        detail: "number!=integer"       # optional: the finding's detail (same wildcard)
        reason: Cloudflare's pages render integer fields as "number"; its schemas say integer.

An entry explains every finding it matches. An entry that matches nothing on the pages
checked is stale and reported, so the list cannot rot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from triggerspec.drift.findings import KINDS, Explanation, Finding
from triggerspec.errors import SpecError

FILE_NAME = "drift-decisions.yaml"
_KEYS = {"kind", "page", "operation", "part", "subject", "detail", "reason", "source"}
_REQUIRED = ("kind", "page", "reason")


@lru_cache(maxsize=512)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if ch == "*" else re.escape(ch) for ch in pattern) + r"\Z")


def _fits(pattern: str | None, value: str | None) -> bool:
    return pattern is None or _glob(pattern).match(value or "") is not None


@dataclass(frozen=True)
class Decision:
    """One reviewed difference and why it is deliberate."""

    index: int
    kind: str
    page: str
    reason: str
    operation: str | None = None
    part: str | None = None
    subject: str | None = None
    detail: str | None = None
    source: str | None = None

    def matches(self, finding: Finding) -> bool:
        """Whether this entry explains ``finding``."""
        return (
            finding.kind == self.kind
            and finding.page == self.page
            and _fits(self.operation, finding.operation)
            and _fits(self.part, finding.part)
            and _fits(self.subject, finding.subject)
            and _fits(self.detail, finding.detail)
        )


@dataclass(frozen=True)
class Decisions:
    """The reviewed decisions list, as loaded from its file."""

    display: str
    entries: tuple[Decision, ...]

    @classmethod
    def load(cls, path: Path, display: str | None = None) -> Decisions:
        """Read and check the list; a missing file is an empty list.

        Raises:
            SpecError: the file is not valid YAML, or an entry lacks a key, names an unknown
                kind or key, or gives no reason (file and pointer named).
        """
        shown = display or str(path)
        if not path.exists():
            return cls(shown, ())
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(shown, "", f"cannot read the decisions list: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark else ""
            raise SpecError(shown, "", f"not valid YAML: {where}{exc}") from None
        items = raw.get("decisions", []) if isinstance(raw, dict) else None
        if not isinstance(items, list):
            raise SpecError(shown, "/decisions", "expected a list of decisions")
        return cls(shown, tuple(_entry(shown, i, item) for i, item in enumerate(items)))

    def reference(self, decision: Decision) -> str:
        """Where an entry is, as ``file:/decisions/<index>``."""
        return f"{self.display}:/decisions/{decision.index}"

    def explain(self, findings: Iterable[Finding], checked: set[str]) -> list[Finding]:
        """Findings with their explanations set, then a finding per stale entry.

        ``checked`` holds the page names that were checked: an entry about another page is
        neither used nor stale.
        """
        out: list[Finding] = []
        used: set[int] = set()
        for finding in findings:
            if finding.explanation is None:
                match = next((d for d in self.entries if d.matches(finding)), None)
                if match is not None:
                    used.add(match.index)
                    finding = replace(
                        finding,
                        explanation=Explanation("decision", self.reference(match), match.reason),
                    )
            out.append(finding)
        for decision in self.entries:
            if decision.page in checked and decision.index not in used:
                out.append(
                    Finding(
                        kind="decision-stale",
                        message=(
                            f"the decision ({decision.kind}"
                            f"{' ' + decision.subject if decision.subject else ''}) matches no "
                            "finding any more: the page or the spec changed; remove the entry "
                            "or correct it"
                        ),
                        page=decision.page,
                        page_display=self.display,
                        spec=self.display,
                        pointer=f"/decisions/{decision.index}",
                        operation=decision.operation,
                        part=decision.part or "",
                        subject=decision.subject or "",
                        detail=decision.kind,
                    )
                )
        return out


def _entry(shown: str, index: int, item: Any) -> Decision:
    at = f"/decisions/{index}"
    if not isinstance(item, dict):
        raise SpecError(shown, at, "each decision is a mapping (kind, page, reason, ...)")
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise SpecError(shown, at, f"unknown key(s) {unknown}; allowed: {', '.join(sorted(_KEYS))}")
    for key in _REQUIRED:
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise SpecError(shown, f"{at}/{key}", f"{key} is required and must be text")
    if item["kind"] not in KINDS or item["kind"] == "decision-stale":
        raise SpecError(
            shown,
            f"{at}/kind",
            f"unknown finding kind {item['kind']!r}; known: "
            + ", ".join(k for k in KINDS if k != "decision-stale"),
        )
    if len(item["reason"].split()) < 4:
        raise SpecError(shown, f"{at}/reason", "give a reason a reviewer can check (a sentence)")
    optional = {k: item.get(k) for k in ("operation", "part", "subject", "detail", "source")}
    for key, value in optional.items():
        if value is not None and not isinstance(value, (str, int, float)):
            raise SpecError(shown, f"{at}/{key}", f"{key} must be text")
    return Decision(
        index=index,
        kind=item["kind"],
        page=item["page"],
        reason=" ".join(item["reason"].split()),
        **{k: (str(v) if v is not None else None) for k, v in optional.items()},
    )
