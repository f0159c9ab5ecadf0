"""``audit SPEC --official DOC``: a spec against the vendor's own machine-readable document.

The official document (OpenAPI 3.0 or 3.1, JSON or YAML, any size) is cut to the
operations the spec covers, matched by method and path template (a renamed path parameter,
``{id}`` for ``{project_name}``, still matches), with the components they reach; only the
cut is normalised to the one dialect the tools read
(:func:`triggerspec.spec.dialect.normalise`), so a whole vendor API costs one parse. Each
matched pair goes through the diff engine (:func:`triggerspec.drift.diff.operation_changes`,
the official document as the old side, the spec as the new one), so schemas are compared
both ways with one set of rules.

Every difference is then labelled:

- **decided**: an ``x-decision`` next to the element says it ``differs`` in that respect
  (``differs: [enum]``: the words are matched against the change's kind, its keyword and
  its field), or an ``x-stricter`` sits there; the report shows its reason;
- **gap**: nothing covers it;

and every decision that says it differs but covers nothing in the audited operations is a
**stale decision**. A spec response the official document lacks may name the official
schema it mirrors (``x-decision: {official: /components/schemas/...}``), and is compared
with it.

Example:
    >>> report = audit(load_checked(Path("specs/cloudflare-pages.yaml")),
    ...                load_official(Path("openapi.yaml")))
    >>> [d.change.kind for d in report.gaps]
    []
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

from triggerspec.drift.changes import Change
from triggerspec.drift.diff import operation_changes
from triggerspec.drift.fielddiff import fields_changes
from triggerspec.drift.fields import Shape, SpecField, flatten, shape_at
from triggerspec.drift.official import (
    aligned,
    cut_official,
    load_official,
    official_index,
    template,
)
from triggerspec.drift.view import FieldPath, path_text
from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp
from triggerspec.spec.load import SpecDocument
from triggerspec.spec.model import Api, Operation, parse_operation
from triggerspec.spec.security import parse_schemes

__all__ = ["AuditReport", "Decision", "Difference", "audit", "load_official"]

Label = Literal["decided", "gap"]


@dataclass(frozen=True)
class Decision:
    """The ``x-decision`` and/or ``x-stricter`` of one spec node, and what they say."""

    pointer: str
    kind: str
    """``x-decision``, ``x-stricter``, or both (``x-stricter, x-decision``)."""
    reason: str
    source: str
    differs: tuple[str, ...]
    """What deliberately differs from the vendor's document (matched against a difference)."""
    official: str | None = None
    """The official schema a response mirrors (a JSON pointer into the vendor's document)."""
    any_difference: bool = False
    """An ``x-stricter`` without ``differs``: it speaks for any difference at its node."""

    def covers(self, words: set[str]) -> bool:
        """Whether the decision speaks for a difference described by ``words``."""
        return self.any_difference or any(w in words for w in self.differs)


@dataclass(frozen=True)
class Difference:
    """One difference between the official document and the spec, and its label."""

    change: Change
    label: Label
    decision: Decision | None = None


@dataclass(frozen=True)
class AuditReport:
    """What ``audit`` found for one spec."""

    spec: str
    official: str
    matched: tuple[tuple[str, str], ...]
    """``(spec operationId, official operationId)`` of every matched operation."""
    differences: tuple[Difference, ...]
    stale: tuple[Decision, ...]

    @property
    def gaps(self) -> list[Difference]:
        return [d for d in self.differences if d.label == "gap"]

    @property
    def decided(self) -> list[Difference]:
        return [d for d in self.differences if d.label == "decided"]

    @property
    def ok(self) -> bool:
        """No gap and no stale decision."""
        return not self.gaps and not self.stale


def audit(spec: Api, official: SpecDocument) -> AuditReport:
    """Compare every operation of ``spec`` that ``official`` also has, and label each finding.

    Raises:
        SpecError: a matched official operation is malformed (file and pointer named).
    """
    index = official_index(official)
    decisions = {d.pointer: d for d in _decisions(spec.document.raw)}
    wanted = [index.get((op.method, template(op.path))) for op in spec.operations]
    mirrored = [d.official for d in decisions.values() if d.official is not None]
    official = cut_official(official, sorted({p for p in wanted if p is not None}), mirrored)
    try:
        official_schemes = parse_schemes(official.raw, official.path.stem, official.display)
    except SpecError:
        official_schemes = {}  # a kind of auth the model does not read: auth not compared
    matched: list[tuple[str, str]] = []
    found: list[Difference] = []
    scope: set[str] = set()
    used: set[str] = set()
    for op in spec.operations:
        path = index.get((op.method, template(op.path)))
        if path is None:
            change = Change(
                "operation-not-official",
                "none",
                op.operation_id,
                "operation",
                "",
                f"{op.method} {op.path} is not in the official document",
                None,
                op.pointer,
            )
            found.append(_label(spec.document, change, [op.pointer], decisions, used))
            scope.add(op.pointer)
            continue
        cut = aligned(official, path, op.path)
        theirs = parse_operation(cut, op.path, op.method.lower())
        matched.append((op.operation_id, theirs.operation_id))
        mine_shape, their_shape = shape_at(spec.document, op), shape_at(cut, theirs)
        changes = [
            *_renamed(theirs, op),
            *operation_changes((cut, official_schemes, theirs), (spec.document, spec.schemes, op)),
            *_mirrored(spec.document, official, their_shape, op, mine_shape, decisions),
        ]
        scope |= _scope(op, mine_shape, their_shape, decisions)
        for change in changes:
            change = replace(change, operation=op.operation_id)
            places = _places(spec.document, change, mine_shape, their_shape)
            found.append(_label(spec.document, change, places, decisions, used))
    stale = tuple(
        d
        for p, d in decisions.items()
        if p in scope and p not in used and (d.differs or d.any_difference)
    )
    return AuditReport(spec.document.display, official.display, tuple(matched), tuple(found), stale)


def _decisions(raw: Any, at: str = "") -> Iterator[Decision]:
    """Every ``x-decision``/``x-stricter`` of a raw document, keyed by the node holding it."""
    if isinstance(raw, list):
        for i, v in enumerate(raw):
            yield from _decisions(v, jp.join(at, i))
        return
    if not isinstance(raw, dict):
        return
    found = [(k, raw[k]) for k in ("x-stricter", "x-decision") if isinstance(raw.get(k), dict)]
    if found:  # both on one node: one decision, the stricter rule's reach and both reasons
        differs = [w for _, v in found for w in _words_of(v.get("differs"))]
        official = next(
            (v["official"] for _, v in found if isinstance(v.get("official"), str)), None
        )
        yield Decision(
            at,
            ", ".join(k for k, _ in found),
            " ".join(" ".join(str(v.get("note", "")).split()) for _, v in found),
            "; ".join(" ".join(str(v["source"]).split()) for _, v in found if v.get("source")),
            tuple(differs),
            official,
            any(k == "x-stricter" and not v.get("differs") for k, v in found),
        )
    for key, v in raw.items():
        if not str(key).startswith("x-") and key != "examples" and key != "example":
            yield from _decisions(v, jp.join(at, key))


def _words_of(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(w) for w in (value if isinstance(value, list) else [value])]


def _parent(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0] if "/" in pointer else ""


def _places(doc: SpecDocument, change: Change, mine: Shape, theirs: Shape) -> list[str]:
    """The spec nodes whose decision may speak for ``change``: the node and its parent."""
    places: list[str] = []
    if change.new is not None:
        places += [change.new, _parent(change.new)]
    ours = {path_text(p): f for p, f in _fields_of(mine, change.part).items()}
    if change.part == "parameters" and change.subject in mine.parameters:
        ours[change.subject] = mine.parameters[change.subject]
    field = ours.get(change.subject)
    if field is not None:  # the field's own declaration (a $ref'd schema's user)
        places += [field.site, field.pointer]
    elif change.new is None:  # only in the official document: the enclosing object decides
        path = {path_text(p): p for p in _fields_of(theirs, change.part)}.get(change.subject)
        parent = ours.get(path_text(path[:-1])) if path else None
        if parent is not None:
            places += [parent.pointer, parent.site]
    for p in list(places):  # a $ref node's decision may sit on its target
        node = _node(doc, p)
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            places.append(node["$ref"][1:])
    return places


def _fields_of(shape: Shape, part: str) -> dict[FieldPath, SpecField]:
    if part == "request":
        return shape.request or {}
    if part.startswith("response "):
        return shape.responses.get(part.split(" ", 1)[1]) or {}
    return {}


def _renamed(theirs: Operation, op: Operation) -> Iterator[Change]:
    if theirs.operation_id != op.operation_id:
        yield Change(
            "operation-renamed",
            "callers",
            op.operation_id,
            "operation",
            "operationId",
            f"operationId {theirs.operation_id!r} is {op.operation_id!r} in the spec",
            theirs.pointer,
            op.pointer,
        )


def _node(doc: SpecDocument, pointer: str) -> Any:
    try:
        return jp.resolve(doc.raw, pointer)
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _words(change: Change) -> set[str]:
    words = set(change.kind.split("-")) | {change.subject}
    for p in (change.old, change.new):
        if p:
            words.add(p.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~"))
    return words


def _label(
    doc: SpecDocument,
    change: Change,
    places: list[str],
    decisions: dict[str, Decision],
    used: set[str],
) -> Difference:
    words = _words(change)
    for place in places:
        decision = decisions.get(place)
        if decision is not None and decision.covers(words):
            used.add(place)
            return Difference(change, "decided", decision)
    return Difference(change, "gap")


def _mirrored(
    doc: SpecDocument,
    official: SpecDocument,
    their_shape: Shape,
    op: Operation,
    mine: Shape,
    decisions: dict[str, Decision],
) -> Iterator[Change]:
    """Spec responses the official operation lacks, compared with the schema they mirror."""
    for status, at in mine.response_at.items():
        decision = decisions.get(at)
        fields = mine.responses.get(status)
        if status in their_shape.responses or decision is None or fields is None:
            continue
        if decision.official is None:
            continue
        try:
            schema = jp.resolve(official.raw, decision.official)
        except (KeyError, IndexError, TypeError, ValueError):
            yield Change(
                "mirrored-schema-missing",
                "none",
                op.operation_id,
                f"response {status}",
                "",
                f"the schema this response mirrors ({decision.official}) is not in "
                f"{official.display}",
                None,
                jp.join(at, "x-decision", "official"),
            )
            continue
        base = flatten(official, schema, decision.official)
        yield from fields_changes("response", op.operation_id, f"response {status}", base, fields)


def _scope(op: Operation, mine: Shape, theirs: Shape, decisions: dict[str, Decision]) -> set[str]:
    """The spec nodes the audit compared: a decision there that covers nothing is stale."""
    found = {op.pointer}
    parts: list[Iterable[Any]] = [mine.parameters.values()]
    if mine.request is not None and theirs.request is not None:
        parts.append(mine.request.values())
        if mine.request_at:
            found.add(mine.request_at)
    for status, fields in mine.responses.items():
        at = mine.response_at[status]
        mirrored = at in decisions and decisions[at].official is not None
        found.add(at)
        if fields is not None and (status in theirs.responses or mirrored):
            parts.append(fields.values())
    for part in parts:
        for f in part:
            found |= {f.pointer, f.site, *f.pointers.values()}
            found |= {_parent(p) for p in f.pointers.values()}
    return found
