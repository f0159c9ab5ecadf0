"""``diff OLD NEW``: each change between two versions of a spec, classified by who it breaks.

One principle decides every constraint: a request schema must keep accepting everything it
accepted (or it breaks **callers**, whose existing requests start failing), and a response
schema must keep within what it promised (or it breaks **consumers**, whose parsing of
responses starts failing). So a narrower request constraint breaks callers and a wider one
breaks no one; a wider response constraint (a new enum value, a field made optional or
nullable, a loosened pattern) breaks consumers and a narrower one breaks no one. Additions
and removals follow the usual rules: a new required request field or parameter, a removed
request field or operation, a changed endpoint or auth break callers; a removed response
field breaks consumers; a new optional field, a new response field, a new operation break
no one. Whether a changed regex is stricter is decided by bounded sampling
(:mod:`triggerspec.drift.sampling`), and a change it cannot show to be safe counts as breaking.

Example:
    >>> diff = diff_apis(load_api(Path("old.yaml")), load_api(Path("new.yaml")))
    >>> [c.kind for c in diff.changes if c.impact == "consumers"]
    ['response-enum-widened']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from triggerspec.drift.fields import CONSTRAINTS, Shape, SpecField, shape_of
from triggerspec.drift.sampling import compare_patterns
from triggerspec.drift.view import FieldPath, path_text
from triggerspec.spec.model import Api, Operation, load_api

Impact = Literal["callers", "consumers", "none"]
IMPACTS: tuple[Impact, ...] = ("callers", "consumers", "none")
Direction = Literal["narrower", "wider", "changed"]
Side = Literal["request", "parameter", "response"]

_LOWER_BOUNDS = {"minLength", "minimum", "exclusiveMinimum", "minItems"}
_ASPECT = {
    "minLength": "length",
    "maxLength": "length",
    "minimum": "range",
    "maximum": "range",
    "exclusiveMinimum": "range",
    "exclusiveMaximum": "range",
    "minItems": "items",
    "maxItems": "items",
    "x-max-bytes": "size",
    "format": "format",
    "pattern": "pattern",
}


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a spec, and who it breaks."""

    kind: str
    impact: Impact
    operation: str
    part: str
    subject: str
    message: str
    old: str | None = None
    """The JSON pointer in the old spec, when the change is there."""
    new: str | None = None
    """The JSON pointer in the new spec, when the change is there."""
    witness: str | None = None
    """For a pattern change: a string that shows the direction."""

    @property
    def breaking(self) -> bool:
        return self.impact != "none"


@dataclass(frozen=True)
class SpecDiff:
    """Every change between two spec versions."""

    old: str
    new: str
    changes: tuple[Change, ...]

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in self.changes)


def diff_files(old: Path, new: Path, old_display: str, new_display: str) -> SpecDiff:
    """Load two spec files with the contract model and diff them."""
    return diff_apis(load_api(old, old_display), load_api(new, new_display))


def diff_apis(old: Api, new: Api) -> SpecDiff:
    """Classify every change from ``old`` to ``new``."""
    changes: list[Change] = []
    if old.servers and old.base_url not in new.servers:
        changes.append(
            Change(
                "server-changed",
                "callers",
                "",
                "servers",
                "",
                f"the base URL {old.base_url} is gone (now {new.base_url})",
                "/servers",
                "/servers",
            )
        )
    old_ops = {op.operation_id: op for op in old.operations}
    new_ops = {op.operation_id: op for op in new.operations}
    matched: set[str] = set()
    for op_id, o in old_ops.items():
        n = new_ops.get(op_id)
        if n is None:
            n = next(
                (
                    op
                    for op in new.operations
                    if (op.method, op.path) == (o.method, o.path) and op.operation_id not in old_ops
                ),
                None,
            )
            if n is None:
                changes.append(
                    _op_change("operation-removed", "callers", o, f"{o.method} {o.path} is gone")
                )
                continue
            changes.append(
                Change(
                    "operation-renamed",
                    "callers",
                    op_id,
                    "operation",
                    "operationId",
                    f"operationId {op_id!r} is now {n.operation_id!r}: generated client methods "
                    "change name",
                    o.pointer,
                    n.pointer,
                )
            )
        matched.add(n.operation_id)
        changes.extend(_operation(old, o, new, n))
    for op_id, n in new_ops.items():
        if op_id not in matched:
            changes.append(
                Change(
                    "operation-added",
                    "none",
                    op_id,
                    "operation",
                    "",
                    f"new operation {n.method} {n.path}",
                    None,
                    n.pointer,
                )
            )
    return SpecDiff(old.document.display, new.document.display, tuple(changes))


def _op_change(kind: str, impact: Impact, op: Operation, message: str) -> Change:
    return Change(kind, impact, op.operation_id, "operation", "", message, op.pointer, None)


def _impact(side: Side, direction: Direction) -> Impact:
    if side == "response":
        return "none" if direction == "narrower" else "consumers"
    return "none" if direction == "wider" else "callers"


def _operation(old_api: Api, o: Operation, new_api: Api, n: Operation) -> Iterator[Change]:
    op_id = o.operation_id
    if (o.method, o.path) != (n.method, n.path):
        yield Change(
            "endpoint-changed",
            "callers",
            op_id,
            "operation",
            "",
            f"{o.method} {o.path} is now {n.method} {n.path}",
            o.pointer,
            n.pointer,
        )
    if n.deprecated and not o.deprecated:
        yield Change(
            "operation-deprecated",
            "none",
            op_id,
            "operation",
            "",
            "the operation is now deprecated"
            + (f" (replaced by {n.replaced_by})" if n.replaced_by else ""),
            o.pointer,
            n.pointer,
        )
    yield from _auth(old_api, o, new_api, n)
    so, sn = shape_of(old_api, o), shape_of(new_api, n)
    yield from _parameters(op_id, so, sn)
    yield from _body(op_id, o, so, n, sn)
    yield from _responses(op_id, o, so, n, sn)


def _alternatives(api: Api, op: Operation) -> dict[frozenset[tuple[str, str]], str]:
    found: dict[frozenset[tuple[str, str]], str] = {}
    for alternative in op.security:
        key = frozenset(
            (api.schemes[name].kind, api.schemes[name].header.lower())
            for name in alternative
            if name in api.schemes
        )
        found[key] = " + ".join(alternative) or "no auth"
    return found


def _auth(old_api: Api, o: Operation, new_api: Api, n: Operation) -> Iterator[Change]:
    before, after = _alternatives(old_api, o), _alternatives(new_api, n)
    for key, name in before.items():
        if key not in after:
            yield Change(
                "auth-removed",
                "callers",
                o.operation_id,
                "security",
                name,
                f"authenticating with {name} ({', '.join(sorted(h for _, h in key))}) is no "
                "longer accepted",
                o.pointer + "/security",
                n.pointer + "/security",
            )
    for key, name in after.items():
        if key not in before:
            yield Change(
                "auth-added",
                "none",
                o.operation_id,
                "security",
                name,
                f"{name} is accepted as a new way to authenticate",
                o.pointer + "/security",
                n.pointer + "/security",
            )


def _parameters(op_id: str, so: Shape, sn: Shape) -> Iterator[Change]:
    for name, old in so.parameters.items():
        new = sn.parameters.get(name)
        if new is None:
            yield Change(
                "parameter-removed",
                "callers",
                op_id,
                "parameters",
                name,
                f"{old.location} parameter {name!r} is gone",
                old.site,
            )
        elif new.location != old.location:
            yield Change(
                "parameter-moved",
                "callers",
                op_id,
                "parameters",
                name,
                f"parameter {name!r} moved from {old.location} to {new.location}",
                old.site,
                new.site,
            )
        else:
            yield from _field("parameter", op_id, "parameters", old, new)
    for name, new in sn.parameters.items():
        if name not in so.parameters:
            required = new.required
            yield Change(
                f"parameter-added-{'required' if required else 'optional'}",
                "callers" if required else "none",
                op_id,
                "parameters",
                name,
                f"new {'required' if required else 'optional'} {new.location} parameter {name!r}",
                None,
                new.site,
            )


def _body(op_id: str, o: Operation, so: Shape, n: Operation, sn: Shape) -> Iterator[Change]:
    if so.request is None and sn.request is None:
        return
    if so.request is None or sn.request is None:
        added = so.request is None
        required = sn.request_required if added else so.request_required
        kind = f"request-body-{'added' if added else 'removed'}"
        if added:
            kind += "-required" if required else "-optional"
        yield Change(
            kind,
            "callers" if (not added or required) else "none",
            op_id,
            "request",
            "",
            "the operation now takes a " + ("required " if required else "") + "request body"
            if added
            else "the operation no longer takes a request body",
            so.request_at,
            sn.request_at,
        )
        return
    if so.request_media != sn.request_media:
        yield Change(
            "request-media-type-changed",
            "callers",
            op_id,
            "request",
            "",
            f"the request body is now {sn.request_media} (was {so.request_media})",
            so.request_at,
            sn.request_at,
        )
        return
    if sn.request_required and not so.request_required:
        yield Change(
            "request-body-made-required",
            "callers",
            op_id,
            "request",
            "",
            "the request body is now required",
            so.request_at,
            sn.request_at,
        )
    yield from _fields("request", op_id, "request", so.request, sn.request)
    yield from _rules(op_id, o, n, so, sn)


def _rules(op_id: str, o: Operation, n: Operation, so: Shape, sn: Shape) -> Iterator[Change]:
    def keyed(op: Operation) -> dict[tuple[str, frozenset[str], str], str]:
        return {
            (r.kind, frozenset(r.fields), r.at): r.message
            for r in op.rules
            if r.kind != "max-bytes"
        }

    before, after = keyed(o), keyed(n)
    for key, message in after.items():
        if key not in before:
            yield Change(
                "request-rule-added",
                "callers",
                op_id,
                "request",
                key[2] or "(body)",
                f"new rule: {message}",
                so.request_at,
                sn.request_at,
            )
    for key, message in before.items():
        if key not in after:
            yield Change(
                "request-rule-removed",
                "none",
                op_id,
                "request",
                key[2] or "(body)",
                f"rule dropped: {message}",
                so.request_at,
                sn.request_at,
            )


def _responses(op_id: str, o: Operation, so: Shape, n: Operation, sn: Shape) -> Iterator[Change]:
    if o.success.status != n.success.status:
        yield Change(
            "success-status-changed",
            "consumers",
            op_id,
            "responses",
            o.success.status,
            f"success is now {n.success.status} (was {o.success.status})",
            o.success.pointer,
            n.success.pointer,
        )
    pairs = [(o.success.status, n.success.status)]
    pairs += [(s, s) for s in so.responses if s in sn.responses and s != o.success.status]
    for old_status, new_status in pairs:
        before, after = so.responses.get(old_status), sn.responses.get(new_status)
        part = f"response {new_status}"
        if before is not None and after is None:
            yield Change(
                "response-body-removed",
                "consumers",
                op_id,
                part,
                "",
                f"the {new_status} response no longer has a JSON body",
                so.response_at.get(old_status),
                sn.response_at.get(new_status),
            )
        elif before is not None and after is not None:
            yield from _fields("response", op_id, part, before, after)
    for status in so.responses:
        if status not in sn.responses and status != o.success.status:
            yield Change(
                "response-removed",
                "none",
                op_id,
                f"response {status}",
                status,
                f"the {status} response is no longer documented",
                so.response_at.get(status),
            )
    for status in sn.responses:
        if status not in so.responses and status != n.success.status:
            yield Change(
                "response-added",
                "none",
                op_id,
                f"response {status}",
                status,
                f"a {status} response is now documented",
                None,
                sn.response_at.get(status),
            )


def _fields(
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
            yield from _field(side, op_id, part, old, new)
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
            _impact(self.side, direction),
            self.op_id,
            self.part,
            self.subject,
            message,
            self.old.pointer_of(key),
            self.new.pointer_of(key),
            witness,
        )


def _field(side: Side, op_id: str, part: str, old: SpecField, new: SpecField) -> Iterator[Change]:
    """Changes of one field present in both versions."""
    fc = _FieldChange(side, op_id, part, old, new)
    subject = fc.subject
    if old.path and not (old.synthetic or new.synthetic) and old.required != new.required:
        verb = "required" if new.required else "optional"
        yield Change(
            f"{side}-field-made-{verb}",
            _impact(side, "narrower" if new.required else "wider"),
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
            _impact(side, "wider" if new.nullable else "narrower"),
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
            message = f"now restricted to {_shown(new or ())}"
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
