"""Changes of the fields of one request, parameter list or response, between two versions.

Each field present in both versions is compared aspect by aspect (required, nullable, type,
enum, lengths, ranges, item counts, size caps, format, pattern, closed objects); each
aspect's change has a direction (the schema now accepts less, more, or some of each) and
:func:`triggerspec.drift.changes.impact` turns the direction into who it breaks. A changed
pattern's direction comes from bounded sampling (:mod:`triggerspec.drift.sampling`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from triggerspec.drift.changes import Change, Direction, Impact, Side, impact
from triggerspec.drift.fields import CONSTRAINTS, SpecField, applies
from triggerspec.drift.sampling import compare_patterns
from triggerspec.drift.view import FieldPath, path_text

_LOWER_BOUNDS = {"minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties"}
_ASPECT = {
    "minLength": "length",
    "maxLength": "length",
    "minimum": "range",
    "maximum": "range",
    "exclusiveMinimum": "range",
    "exclusiveMaximum": "range",
    "minItems": "items",
    "maxItems": "items",
    "minProperties": "properties",
    "maxProperties": "properties",
    "x-max-bytes": "size",
    "format": "format",
    "pattern": "pattern",
}


def fields_changes(
    side: Side,
    op_id: str,
    part: str,
    before: dict[FieldPath, SpecField],
    after: dict[FieldPath, SpecField],
) -> Iterator[Change]:
    """Field additions, removals and changes; under an added or removed field, nothing."""
    for path in sorted(set(before) | set(after), key=lambda p: (len(p), p)):
        old, new = before.get(path), after.get(path)
        if old is not None and new is not None:
            yield from field_changes(side, op_id, part, old, new)
            continue
        if path[:-1] not in before or path[:-1] not in after:
            continue  # reported at the ancestor that came or went
        field = old or new
        assert field is not None
        if field.synthetic:
            continue  # items or values schema came or went: a type change of the parent
        subject = path_text(path)
        if old is not None:
            yield Change(
                f"{side}-field-removed",
                "consumers" if side == "response" else "callers",
                op_id,
                part,
                subject,
                f"{subject!r} is gone",
                old.site,
            )
        elif new is not None:
            kind = f"{side}-field-added"
            impact: Impact = "none"
            if side != "response":
                kind += "-required" if new.required else "-optional"
                impact = "callers" if new.required else "none"
            what = "required" if new.required else "optional"
            yield Change(
                kind, impact, op_id, part, subject, f"new {what} field {subject!r}", None, new.site
            )


@dataclass(frozen=True)
class _FieldChange:
    """Builds the changes of one field present in both versions."""

    side: Side
    op_id: str
    part: str
    old: SpecField
    new: SpecField

    @property
    def subject(self) -> str:
        return path_text(self.old.path) or "(body)"

    def make(
        self,
        aspect: str,
        direction: Direction,
        message: str,
        key: str,
        verbs: tuple[str, str] = ("tightened", "loosened"),
        witness: str | None = None,
    ) -> Change:
        """A change of one aspect (``enum``, ``pattern``...) in one direction."""
        verb = {"narrower": verbs[0], "wider": verbs[1], "changed": "changed"}[direction]
        return Change(
            f"{self.side}-{aspect}-{verb}",
            impact(self.side, direction),
            self.op_id,
            self.part,
            self.subject,
            message,
            self.old.pointer_of(key),
            self.new.pointer_of(key),
            witness,
        )


def field_changes(
    side: Side, op_id: str, part: str, old: SpecField, new: SpecField
) -> Iterator[Change]:
    """Changes of one field present in both versions."""
    fc = _FieldChange(side, op_id, part, old, new)
    subject = fc.subject
    if old.path and not (old.synthetic or new.synthetic) and old.required != new.required:
        verb = "required" if new.required else "optional"
        yield Change(
            f"{side}-field-made-{verb}",
            impact(side, "narrower" if new.required else "wider"),
            op_id,
            part,
            subject,
            f"{subject!r} is now {verb}",
            old.required_at,
            new.required_at,
        )
    if old.nullable != new.nullable:
        verb = "nullable" if new.nullable else "non-nullable"
        yield Change(
            f"{side}-field-made-{verb}",
            impact(side, "wider" if new.nullable else "narrower"),
            op_id,
            part,
            subject,
            f"{subject!r} is now {'allowed' if new.nullable else 'no longer allowed'} to be null",
            old.pointer_of("type"),
            new.pointer_of("type"),
        )
    direction = _types_direction(old.types, new.types)
    if direction is not None:
        message = f"type {_types(old.types)} is now {_types(new.types)}"
        yield fc.make("type", direction, message, "type", ("narrowed", "widened"))
    yield from _enum(fc)
    for key in CONSTRAINTS:
        if not (applies(key, old.types) and applies(key, new.types)):
            continue  # a type change (reported above) took the constraint's meaning away
        yield from _constraint(fc, key, old.constraints.get(key), new.constraints.get(key))
    if side != "response" and old.closed != new.closed:
        yield fc.make(
            "object",
            "narrower" if new.closed else "wider",
            f"{subject!r} now {'rejects' if new.closed else 'accepts'} undeclared fields",
            "additionalProperties",
            ("closed", "opened"),
        )


def _types(types: frozenset[str] | None) -> str:
    return "any" if types is None else "/".join(sorted(types)) or "null"


def _accepts(types: frozenset[str] | None, t: str) -> bool:
    return types is None or t in types or (t == "integer" and "number" in types)


def _types_direction(old: frozenset[str] | None, new: frozenset[str] | None) -> Direction | None:
    wider = new is None if old is None else all(_accepts(new, t) for t in old)
    narrower = old is None if new is None else all(_accepts(old, t) for t in new)
    if wider and narrower:
        return None
    return "wider" if wider else "narrower" if narrower else "changed"


def _shown(values: Any) -> str:
    return ", ".join(repr(v) for v in values)


def _enum(fc: _FieldChange) -> Iterator[Change]:
    old, new = fc.old.enum, fc.new.enum
    verbs = ("narrowed", "widened")
    if old == new:
        return
    if old is None or new is None:
        if old is None:
            message = f"now restricted to {_shown(new)}"
            yield fc.make("enum", "narrower", message, "enum", verbs)
        else:
            yield fc.make("enum", "wider", "no longer restricted to an enum", "enum", verbs)
        return
    gone = [v for v in old if v not in new]
    added = [v for v in new if v not in old]
    if gone:
        yield fc.make("enum", "narrower", f"enum loses {_shown(gone)}", "enum", verbs)
    if added:
        yield fc.make("enum", "wider", f"enum gains {_shown(added)}", "enum", verbs)


def _constraint(fc: _FieldChange, key: str, before: Any, after: Any) -> Iterator[Change]:
    if before == after:
        return
    aspect = _ASPECT[key]
    if before is None or after is None:
        added = before is None
        message = f"{key} {after!r} added" if added else f"{key} {before!r} removed"
        yield fc.make(aspect, "narrower" if added else "wider", message, key)
    elif key == "pattern":
        yield _pattern(fc, str(before), str(after))
    elif isinstance(before, (int, float)) and isinstance(after, (int, float)):
        higher = after > before
        narrower = higher if key in _LOWER_BOUNDS else not higher
        message = f"{key} {before} is now {after}"
        yield fc.make(aspect, "narrower" if narrower else "wider", message, key)
    else:
        yield fc.make(aspect, "changed", f"{key} {before!r} is now {after!r}", key)


def _pattern(fc: _FieldChange, before: str, after: str) -> Change:
    """A changed regex, classified by sampling both ways (see the module docstring)."""
    verdict = compare_patterns(before, after)
    shift = f"pattern {before!r} is now {after!r}"
    if not verdict.sampled:
        return fc.make("pattern", "changed", f"{shift}; it could not be sampled", "pattern")
    if verdict.stricter and verdict.looser:
        message = f"{shift}: it now rejects {verdict.lost!r} and accepts {verdict.gained!r}"
        return fc.make("pattern", "changed", message, "pattern", witness=verdict.lost)
    if verdict.stricter:
        message = f"{shift}: it now rejects {verdict.lost!r}"
        return fc.make("pattern", "narrower", message, "pattern", witness=verdict.lost)
    if verdict.looser:
        message = f"{shift}: it now accepts {verdict.gained!r}"
        return fc.make("pattern", "wider", message, "pattern", witness=verdict.gained)
    return Change(
        f"{fc.side}-pattern-rewritten",
        "none",
        fc.op_id,
        fc.part,
        fc.subject,
        f"{shift}; both accept and reject the same strings in a bounded sample",
        fc.old.pointer_of("pattern"),
        fc.new.pointer_of("pattern"),
    )
