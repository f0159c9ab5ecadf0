"""What the page-format readers share: a mutable field under construction, and their output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from triggerspec.drift.prose import read_rules
from triggerspec.drift.view import DocField, FieldList, FieldPath, JsonExample, PageNote, Part


@dataclass
class FieldBuilder:
    """A field while its lines are read; :meth:`build` freezes it."""

    path: FieldPath
    line: int
    type_text: str = ""
    types: frozenset[str] | None = None
    required: bool | None = None
    enum: tuple[str, ...] | None = None
    enum_partial: bool = False
    constraints: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    description: list[str] = field(default_factory=list)
    description_lines: list[int] = field(default_factory=list)
    synthetic: bool = False

    def describe(self, text: str, line: int) -> None:
        """Add one line of the field's description."""
        self.description.append(text)
        self.description_lines.append(line)

    def constrain(self, key: str, value: Any, line: int) -> None:
        """Record a constraint the page states on ``line``."""
        self.constraints[key] = value
        self.lines[key] = line

    def set_enum(self, values: tuple[str, ...], line: int, partial: bool = False) -> None:
        """Record enum values the page lists on ``line``."""
        self.enum = values
        self.enum_partial = partial
        for value in values:
            self.lines.setdefault(f"enum:{value}", line)

    def _line_saying(self, phrase: str) -> int:
        for text, line in zip(self.description, self.description_lines, strict=False):
            if phrase in text.lower():
                return line
        return self.line

    def build(self) -> DocField:
        """The finished field; prose rules are read from its description."""
        text = " ".join(self.description).strip()
        rules = read_rules(text, self.path[-1] if self.path else "")
        constraints = dict(self.constraints)
        lines = dict(self.lines)
        if rules.max_bytes is not None and "x-max-bytes" not in constraints:
            constraints["x-max-bytes"] = rules.max_bytes
            lines.setdefault("x-max-bytes", self._line_saying("maximum size"))
        return DocField(
            path=self.path,
            line=self.line,
            type_text=self.type_text,
            types=self.types,
            required=self.required,
            enum=self.enum,
            enum_partial=self.enum_partial,
            constraints=constraints,
            lines=lines,
            description=text,
            required_if=rules.required_if,
            exclusive_with=rules.exclusive_with,
            synthetic=self.synthetic,
        )


@dataclass(frozen=True)
class Extracted:
    """What a page-format reader found: field lists, examples with their roles, notes."""

    field_lists: tuple[FieldList, ...] = ()
    examples: tuple[JsonExample, ...] = ()
    notes: tuple[PageNote, ...] = ()


def field_list(
    part: Part, status: str | None, line: int, builders: list[FieldBuilder]
) -> FieldList:
    """A field list from builders, de-duplicated by path (the first mention wins)."""
    seen: dict[FieldPath, DocField] = {}
    for b in builders:
        seen.setdefault(b.path, b.build())
    return FieldList(part, status, line, tuple(seen.values()))
