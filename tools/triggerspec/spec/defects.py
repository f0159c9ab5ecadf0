"""Examples and known doc defects.

Every example in a spec (the vendors' own, carried over from their pages, and ours) must
validate against its schema, unless it is listed in the doc-defects file: an example from a
vendor page that breaks a rule the vendor documents. A listed example must still fail, and
fail for the listed reason, so the list cannot rot.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from triggerspec.errors import SpecError
from triggerspec.spec.model import Api, Example
from triggerspec.spec.validate import Violation, violations


@dataclass(frozen=True)
class DocDefect:
    """One vendor example known to break a documented rule."""

    spec: str
    example: str
    violates: str
    reason: str


@dataclass(frozen=True)
class DocDefects:
    """The reviewed list of known doc defects."""

    display: str
    entries: tuple[DocDefect, ...]

    def find(self, spec: str, pointer: str) -> DocDefect | None:
        return next((d for d in self.entries if d.spec == spec and d.example == pointer), None)

    @classmethod
    def load(cls, path: Path, display: str | None = None) -> DocDefects:
        shown = display or str(path)
        if not path.exists():
            return cls(shown, ())
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise SpecError(shown, "", f"not valid YAML: {exc}") from None
        items = raw.get("defects", []) if isinstance(raw, dict) else None
        if not isinstance(items, list):
            raise SpecError(shown, "/defects", "expected a list of defects")
        entries = []
        for i, item in enumerate(items):
            missing = {"spec", "example", "violates", "reason"} - set(item or {})
            if missing:
                raise SpecError(shown, f"/defects/{i}", f"missing keys: {sorted(missing)}")
            entries.append(
                DocDefect(
                    str(item["spec"]),
                    str(item["example"]),
                    str(item["violates"]),
                    str(item["reason"]),
                )
            )
        return cls(shown, tuple(entries))


@dataclass(frozen=True)
class ExampleFinding:
    """An example that fails unexpectedly, or a listed defect that no longer fails."""

    pointer: str
    message: str
    kind: str = ""
    """The finding's kind for a summary (``response example breaks 'required'``)."""


@dataclass(frozen=True)
class ExampleCase:
    """One example with the schema it must satisfy."""

    api: str
    operation_id: str
    kind: str
    example: Example
    schema: dict[str, Any]

    def violations(self) -> list[Violation]:
        return violations(self.schema, self.example.value)


def example_cases(api: Api) -> Iterator[ExampleCase]:
    """Every example in an API with the (dereferenced) schema it belongs to."""
    doc = api.document
    for op in api.operations:
        for param in op.parameters:
            if param.example is not None:
                yield ExampleCase(
                    api.name,
                    op.operation_id,
                    f"parameter {param.name}",
                    Example(param.name, param.example, op.pointer),
                    doc.deref(param.schema),
                )
        if op.body is not None:
            schema = doc.deref(op.body.schema, op.body.pointer)
            for ex in op.body.examples:
                yield ExampleCase(api.name, op.operation_id, "request", ex, schema)
        for resp in op.responses:
            if resp.schema is None:
                continue
            schema = doc.deref(resp.schema, resp.pointer)
            for ex in resp.examples:
                yield ExampleCase(api.name, op.operation_id, f"response {resp.status}", ex, schema)


def check_examples(api: Api, defects: DocDefects) -> list[ExampleFinding]:
    """Findings for one API: failing examples not listed, and listed defects that pass."""
    findings: list[ExampleFinding] = []
    spec_name = api.document.path.name
    listed = {d.example for d in defects.entries if d.spec == spec_name}
    seen: set[str] = set()
    for case in example_cases(api):
        pointer = case.example.pointer
        seen.add(pointer)
        broken = case.violations()
        defect = defects.find(spec_name, pointer)
        if defect is None:
            findings.extend(
                ExampleFinding(
                    pointer,
                    f"{case.kind} example {case.example.name!r} is invalid at {v}",
                    f"{case.kind.split()[0]} example breaks {v.rule!r}",
                )
                for v in broken
            )
        elif not broken:
            findings.append(
                ExampleFinding(
                    pointer,
                    "listed as a doc defect but now validates: remove it from the doc-defects file",
                )
            )
        elif not any(defect.violates in v.message for v in broken):
            findings.append(
                ExampleFinding(
                    pointer,
                    f"listed doc defect no longer breaks "
                    f"{defect.violates!r}; it breaks: {'; '.join(map(str, broken))}",
                )
            )
    findings.extend(
        ExampleFinding(p, "doc-defect entry names an example that does not exist")
        for p in sorted(listed - seen)
    )
    return findings
