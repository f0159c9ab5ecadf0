"""The spec side of drift: an operation's fields, flattened, each with where it is defined.

Both the docs comparison and the spec diff need the same picture of an operation: every
request and response field by path (``seed_repo.files[].content``), whether it is required,
its types, enum and constraints, and the JSON pointer in the spec file where each fact is
written (``/components/schemas/TriggerStatus/enum``), so every finding can point at the
line to edit. The walk follows ``$ref``s in the raw document (the contract model keeps
schemas dereferenced, which loses those pointers) and merges compositions: ``allOf`` parts
add up; ``anyOf``/``oneOf`` shapes form a union whose fields are required only when every
shape requires them; a ``{type: null}`` branch makes the field nullable; branches that only
state ``required`` lists are cross-field rules (see :mod:`triggerspec.spec.rules`), not fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from triggerspec.drift.view import ITEMS, VALUES, FieldPath
from triggerspec.spec import pointer as jp
from triggerspec.spec.load import SpecDocument
from triggerspec.spec.model import Api, Operation
from triggerspec.spec.rules import rule_of

CONSTRAINTS = (
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "x-max-bytes",
)
"""The JSON Schema keywords compared between docs and spec, and between spec versions."""

APPLIES_TO = {
    "minLength": "string",
    "maxLength": "string",
    "pattern": "string",
    "minimum": "number",
    "maximum": "number",
    "exclusiveMinimum": "number",
    "exclusiveMaximum": "number",
    "minItems": "array",
    "maxItems": "array",
    "minProperties": "object",
    "maxProperties": "object",
}
"""The JSON type each constraint keyword applies to; JSON Schema ignores it on other types
(``minLength`` on an array constrains nothing), so a field whose types exclude it drops it."""


def applies(key: str, types: frozenset[str] | None) -> bool:
    """Whether constraint ``key`` constrains a value of one of ``types``."""
    wanted = APPLIES_TO.get(key)
    if wanted is None or types is None:
        return True
    return wanted in types or (wanted == "number" and "integer" in types)


@dataclass(frozen=True)
class SpecField:
    """One field of a request, response or parameter list, as the spec states it."""

    path: FieldPath
    pointer: str
    """Where the field's schema is written (after following ``$ref``s)."""
    site: str
    """Where the parent declares the field (``.../properties/name``)."""
    required: bool
    types: frozenset[str] | None
    """JSON types without ``null`` (``None``: any type; empty: only ``null``)."""
    nullable: bool = False
    enum: tuple[Any, ...] | None = None
    constraints: Mapping[str, Any] = field(default_factory=dict)
    pointers: Mapping[str, str] = field(default_factory=dict)
    properties_at: str | None = None
    """Where a new property of this object would be written."""
    closed: bool = False
    synthetic: bool = False
    description: str = ""
    location: str = ""
    """For a parameter: ``path``, ``query`` or ``header``."""
    required_at: str = ""
    """Where the field is (or would be) listed as required: the parent's ``required``."""

    def pointer_of(self, key: str) -> str:
        """The pointer of one keyword (``enum``, ``pattern``, ``required``...)."""
        return self.pointers.get(key, self.pointer)


@dataclass
class _Node:
    pointer: str
    keywords: dict[str, tuple[Any, str]] = field(default_factory=dict)
    types: set[str] | None = None
    enum: list[Any] | None = None
    properties: dict[str, list[tuple[Any, str]]] = field(default_factory=dict)
    properties_at: str | None = None
    required: set[str] = field(default_factory=set)
    items: list[tuple[Any, str]] = field(default_factory=list)
    values: list[tuple[Any, str]] = field(default_factory=list)
    closed: bool = False
    nullable: bool = False
    description: str = ""

    @property
    def only_null(self) -> bool:
        return self.nullable and self.types == set() and not self.properties


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "string"


def _declared_types(value: Any) -> set[str] | None:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {v for v in value if isinstance(v, str)}
    return None


def _collect(doc: SpecDocument, node: Any, at: str, stack: tuple[str, ...]) -> _Node:
    if not isinstance(node, dict):
        return _Node(at)
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in stack:
            return _Node(at)  # a recursive schema: stop here
        target = _collect(doc, doc.resolve_ref(ref, jp.join(at, "$ref")), ref[1:], (*stack, ref))
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if siblings:
            _merge_all(target, _collect(doc, siblings, at, stack), siblings_win=True)
        return target
    n = _Node(at, description=str(node.get("description", "")))
    for key in CONSTRAINTS:
        if key in node:
            n.keywords[key] = (node[key], jp.join(at, key))
    declared = _declared_types(node.get("type"))
    if declared is not None:
        n.nullable = "null" in declared
        n.types = declared - {"null"}
        n.keywords["type"] = (node["type"], jp.join(at, "type"))
    for key in ("enum", "const"):
        if key in node and (key == "const" or isinstance(node[key], list)):
            values = list(node[key]) if key == "enum" else [node[key]]
            n.nullable = n.nullable or None in values
            kept = [v for v in values if v is not None]
            valued = {_type_of(v) for v in kept}
            if n.types is None:
                n.types = valued
            else:  # a declared type no value has adds nothing: `type: object, enum: [null]`
                n.types = {
                    t for t in n.types if t in valued or (t == "number" and "integer" in valued)
                }
            if kept:
                n.enum = kept
                n.keywords["enum"] = (n.enum, jp.join(at, key))
    if isinstance(node.get("properties"), dict):
        n.properties_at = jp.join(at, "properties")
        for name, sub in node["properties"].items():
            n.properties[name] = [(sub, jp.join(at, "properties", name))]
    if isinstance(node.get("required"), list):
        n.required = {r for r in node["required"] if isinstance(r, str)}
        n.keywords["required"] = (node["required"], jp.join(at, "required"))
    if isinstance(node.get("items"), dict):
        n.items.append((node["items"], jp.join(at, "items")))
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        n.values.append((extra, jp.join(at, "additionalProperties")))
    elif extra is False:
        n.closed = True
        n.keywords["additionalProperties"] = (False, jp.join(at, "additionalProperties"))
    if n.types is None and (n.properties or n.values):
        n.types = {"object"}
    all_of = node.get("allOf")
    for i, branch in enumerate(all_of if isinstance(all_of, list) else []):
        _merge_all(n, _collect(doc, branch, jp.join(at, "allOf", i), stack))
    for key in ("anyOf", "oneOf"):
        branches = node.get(key)
        if not isinstance(branches, list) or rule_of(key, branches) is not None:
            continue
        shapes = [_collect(doc, b, jp.join(at, key, i), stack) for i, b in enumerate(branches)]
        if any(s.only_null for s in shapes):
            n.nullable = True
        rest = [s for s in shapes if not s.only_null]
        if rest:
            _merge_all(n, rest[0] if len(rest) == 1 else _union(rest, at))
    return n


def _merge_all(n: _Node, other: _Node, siblings_win: bool = False) -> None:
    """Add ``other``'s facts to ``n`` (both hold: allOf, or a $ref with siblings)."""
    for key, value in other.keywords.items():
        if siblings_win:
            n.keywords[key] = value
        else:
            n.keywords.setdefault(key, value)
    if other.types is not None:
        n.types = set(other.types) if n.types is None else n.types & other.types
    if other.enum is not None:
        n.enum = list(other.enum) if n.enum is None else [v for v in n.enum if v in other.enum]
    for name, sources in other.properties.items():
        n.properties.setdefault(name, []).extend(sources)
    n.properties_at = n.properties_at or other.properties_at
    n.required |= other.required
    n.items.extend(other.items)
    n.values.extend(other.values)
    n.closed = n.closed or other.closed
    n.nullable = n.nullable or other.nullable
    if siblings_win and other.description:
        n.description = other.description
    n.description = n.description or other.description


def _union(shapes: list[_Node], at: str) -> _Node:
    """Alternative shapes (anyOf/oneOf): what any of them allows."""
    u = _Node(at)
    for s in shapes:
        for key, value in s.keywords.items():
            if key != "required":
                u.keywords.setdefault(key, value)
        for name, sources in s.properties.items():
            u.properties.setdefault(name, []).extend(sources)
        u.items.extend(s.items)
        u.values.extend(s.values)
        u.properties_at = u.properties_at or s.properties_at
        u.description = u.description or s.description
    typed = [s.types for s in shapes]
    u.types = None if any(t is None for t in typed) else set().union(*typed)  # type: ignore[arg-type]
    if all(s.enum is not None for s in shapes):
        u.enum = []
        for s in shapes:
            u.enum.extend(v for v in s.enum or [] if v not in u.enum)
    u.required = set.intersection(*(s.required for s in shapes))
    u.closed = all(s.closed for s in shapes)
    u.nullable = any(s.nullable for s in shapes)
    return u


def _collect_sources(
    doc: SpecDocument, sources: list[tuple[Any, str]], stack: tuple[str, ...]
) -> _Node:
    nodes = [_collect(doc, raw, at, stack) for raw, at in sources]
    return nodes[0] if len(nodes) == 1 else _union(nodes, nodes[0].pointer)


def flatten(doc: SpecDocument, schema: Any, at: str) -> dict[FieldPath, SpecField]:
    """Every field of a raw schema found at pointer ``at``; the root is the path ``()``."""
    out: dict[FieldPath, SpecField] = {}
    _emit(doc, _collect(doc, schema, at, ()), (), True, at, "", False, out, 0)
    return out


def _emit(
    doc: SpecDocument,
    n: _Node,
    path: FieldPath,
    required: bool,
    site: str,
    required_at: str,
    synthetic: bool,
    out: dict[FieldPath, SpecField],
    depth: int,
) -> None:
    types = frozenset(n.types) if n.types is not None else None
    out[path] = SpecField(
        path=path,
        pointer=n.pointer,
        site=site,
        required=required,
        types=types,
        nullable=n.nullable,
        enum=tuple(n.enum) if n.enum is not None else None,
        constraints={
            k: v for k, (v, _) in n.keywords.items() if k in CONSTRAINTS and applies(k, types)
        },
        pointers={k: p for k, (_, p) in n.keywords.items()},
        properties_at=n.properties_at,
        closed=n.closed,
        synthetic=synthetic,
        description=n.description,
        required_at=required_at,
    )
    if depth > 32:
        return
    listed_at = n.keywords["required"][1] if "required" in n.keywords else n.pointer + "/required"
    for name, sources in n.properties.items():
        child = _collect_sources(doc, sources, ())
        required = name in n.required
        _emit(doc, child, (*path, name), required, sources[0][1], listed_at, False, out, depth + 1)
    for segment, sources in ((ITEMS, n.items), (VALUES, n.values)):
        if sources:
            child = _collect_sources(doc, sources, ())
            _emit(doc, child, (*path, segment), True, sources[0][1], "", True, out, depth + 1)


@dataclass(frozen=True)
class Shape:
    """An operation as fields: parameters, request body and each response, by status."""

    parameters: dict[str, SpecField]
    request: dict[FieldPath, SpecField] | None
    request_media: str | None
    request_required: bool
    request_at: str | None
    responses: dict[str, dict[FieldPath, SpecField] | None]
    response_at: dict[str, str]


def shape_of(api: Api, op: Operation) -> Shape:
    """The fields of one operation, read from the raw spec so every pointer is exact."""
    return shape_at(api.document, op)


def shape_at(doc: SpecDocument, op: Operation) -> Shape:
    """The fields of an operation of any loaded document (a spec, or a vendor's own)."""
    raw_op, op_at = _follow(doc, doc.raw, op.pointer)
    item_at = op.pointer.rsplit("/", 1)[0]
    raw_item, _ = _follow(doc, doc.raw, item_at)
    params: dict[str, SpecField] = {}
    listed = [
        (p, jp.join(item_at, "parameters", i)) for i, p in enumerate(raw_item.get("parameters", []))
    ] + [(p, jp.join(op_at, "parameters", i)) for i, p in enumerate(raw_op.get("parameters", []))]
    for raw, at in listed:
        param, param_at = _deref_at(doc, raw, at)
        if not isinstance(param, dict) or "name" not in param:
            continue
        fields = flatten(doc, param.get("schema", {}), jp.join(param_at, "schema"))
        root = fields[()]
        params[str(param["name"])] = SpecField(
            path=(str(param["name"]),),
            pointer=root.pointer,
            site=param_at,
            required=bool(param.get("required", False)),
            types=root.types,
            nullable=root.nullable,
            enum=root.enum,
            constraints=root.constraints,
            pointers=root.pointers,
            description=str(param.get("description", "")),
            location=str(param.get("in", "")),
            required_at=jp.join(param_at, "required"),
        )
    request = None
    media_type = None
    request_at = None
    body, body_at = _deref_at(doc, raw_op.get("requestBody"), jp.join(op_at, "requestBody"))
    if isinstance(body, dict) and isinstance(body.get("content"), dict) and body["content"]:
        media_type, media = next(iter(body["content"].items()))
        request_at = jp.join(body_at, "content", media_type, "schema")
        request = flatten(doc, (media or {}).get("schema", {}), request_at)
    responses: dict[str, dict[FieldPath, SpecField] | None] = {}
    response_at: dict[str, str] = {}
    for status, raw in (raw_op.get("responses") or {}).items():
        resp, resp_at = _deref_at(doc, raw, jp.join(op_at, "responses", status))
        response_at[str(status)] = resp_at
        media = ((resp or {}).get("content") or {}).get("application/json")
        schema_at = jp.join(resp_at, "content", "application/json", "schema")
        if isinstance(media, dict) and "schema" in media:
            responses[str(status)] = flatten(doc, media["schema"], schema_at)
        else:
            responses[str(status)] = None
    return Shape(
        params,
        request,
        media_type,
        bool(isinstance(body, dict) and body.get("required", False)),
        request_at,
        responses,
        response_at,
    )


def _follow(doc: SpecDocument, root: Any, pointer: str) -> tuple[dict[str, Any], str]:
    node = jp.resolve(root, pointer)
    return _deref_at(doc, node, pointer)


def _deref_at(doc: SpecDocument, node: Any, at: str) -> tuple[Any, str]:
    """Follow a chain of ``$ref``s: the target and its pointer."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"] not in seen:
        ref = node["$ref"]
        seen.add(ref)
        node, at = doc.resolve_ref(ref, jp.join(at, "$ref")), ref[1:]
    return node, at


def subschema(schema: Any, path: FieldPath) -> dict[str, Any] | None:
    """The part of a dereferenced schema that governs ``path`` (``None``: not declared)."""
    nodes = [schema]
    for segment in path:
        nodes = [child for node in nodes for child in _children(node, segment)]
        if not nodes:
            return None
    return nodes[0] if len(nodes) == 1 else {"anyOf": nodes}


def _children(node: Any, segment: str) -> list[Any]:
    if not isinstance(node, dict):
        return []
    found: list[Any] = []
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(key) or []:
            found.extend(_children(branch, segment))
    if segment == ITEMS:
        target = node.get("items")
    elif segment == VALUES:
        target = node.get("additionalProperties")
    else:
        target = (node.get("properties") or {}).get(segment)
    if isinstance(target, dict):
        found.append(target)
    return found
