"""Docs-versus-spec findings: what differs, where on the page, and where in the spec.

A finding is a value, not an error: the check collects them all, the reviewed decisions
list explains the deliberate ones, and the report prints the rest. Each kind is listed in
:data:`KINDS` with what it means, so a decision can only name a kind that exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS: dict[str, str] = {
    "page-missing": "a spec cites a page snapshot that is not in the docs folder",
    "page-unused": "a page snapshot in the docs folder is cited by no spec",
    "page-unreadable": "part of the page could not be read (a JSON block that does not parse)",
    "endpoint-differs": "the page shows a method or path the operation does not have",
    "operation-not-in-docs": "an operation of a spec with pages is shown on none of them",
    "deprecation-differs": "the page and the spec disagree on deprecation or its replacement",
    "curl-header-differs": "a curl example sends a content type or auth header the spec lacks",
    "example-invalid": "a page example does not validate against the operation's schema",
    "example-field-not-in-spec": "a page example has a field the schema does not declare",
    "spec-example-not-on-page": "a spec example taken from the page no longer matches it",
    "response-not-in-docs": "a spec response status the page does not document",
    "response-not-in-spec": "a response status the page documents and the spec lacks",
    "no-field-list": "the page lists no fields (or lost their names) for part of the operation",
    "description-unmatched": "a page describes a field (name lost) that matches no spec field",
    "field-not-in-spec": "a field the page lists and the spec lacks",
    "field-not-in-docs": "a spec field the page does not list",
    "type-differs": "the page and the spec give a field different types",
    "required-differs": "the page and the spec disagree on whether a field is required",
    "enum-value-not-in-spec": "an enum value the page lists and the spec lacks",
    "enum-value-not-in-docs": "a spec enum value the page does not list",
    "constraint-differs": "a length, pattern, format, bound or size differs",
    "constraint-not-in-spec": "a constraint the page states and the spec lacks",
    "constraint-not-in-docs": "a spec constraint the page does not state",
    "rule-not-in-spec": "a cross-field rule the page states in prose and the spec lacks",
    "rule-not-in-docs": "a spec cross-field rule the page does not state",
    "decision-stale": "a reviewed decision that no longer matches any finding",
}


@dataclass(frozen=True)
class Explanation:
    """Why a finding is expected: a reviewed decision or a listed doc defect."""

    source: str
    """``decision`` or ``doc-defect``."""
    reference: str
    """Where the entry is: ``file:/pointer``."""
    reason: str


@dataclass(frozen=True)
class Finding:
    """One difference between a page and the spec.

    ``page`` is the snapshot's file name (what decisions name); ``page_display`` the path
    shown to users. ``part`` is ``parameters``, ``request``, ``response 200``... and
    ``subject`` the field path (or status, operation) the finding is about; ``detail`` a
    short key (the constraint keyword, the enum value) a decision can match on.
    """

    kind: str
    message: str
    page: str
    page_display: str
    line: int | None = None
    spec: str | None = None
    pointer: str | None = None
    operation: str | None = None
    part: str = ""
    subject: str = ""
    detail: str = ""
    explanation: Explanation | None = None

    @property
    def explained(self) -> bool:
        """Whether a decision or a doc defect explains the finding."""
        return self.explanation is not None

    @property
    def page_location(self) -> str:
        """``page:line`` (or the page alone)."""
        return f"{self.page_display}:{self.line}" if self.line else self.page_display

    @property
    def spec_location(self) -> str | None:
        """``spec:pointer``, when the finding points into a spec."""
        if self.spec is None:
            return None
        return f"{self.spec}:{self.pointer or '/'}"

    def sort_key(self) -> tuple[Any, ...]:
        """Report order: page, line, kind, subject."""
        return (self.page, self.line or 0, self.kind, self.subject, self.detail)

    def as_json(self) -> dict[str, Any]:
        """The finding as plain JSON data."""
        data: dict[str, Any] = {
            "kind": self.kind,
            "message": self.message,
            "page": self.page_display,
            "line": self.line,
            "spec": self.spec,
            "pointer": self.pointer,
            "operation": self.operation,
            "part": self.part,
            "subject": self.subject,
            "detail": self.detail,
            "explained": self.explained,
        }
        if self.explanation is not None:
            data["explanation"] = {
                "source": self.explanation.source,
                "reference": self.explanation.reference,
                "reason": self.explanation.reason,
            }
        return data
