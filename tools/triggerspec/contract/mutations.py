"""Single-rule mutations: every documented rule of an operation, broken one at a time.

The mutations are derived from the contract model, not listed by hand: ``minLength`` and
``maxLength``, ``pattern`` (including the ``"value\\n"`` that a naive Python ``$`` would
accept), ``enum``, ``format: uuid``, ``propertyNames``, ``minItems``/``maxItems``, nested
``required``, ``minProperties``/``maxProperties``, numeric bounds, path parameters and the
cross-field rules of :attr:`Operation.rules`. A rule added to a spec is mutated without
touching this module.

:func:`broken_inputs` applies one mutation to otherwise spec-valid inputs, drawn from a
variant of the body schema in which the mutated place is always present. Every draw must be
refused, whoever receives it: the generated client before sending, or a server with a 4xx.

Example:
    >>> for mutation in mutations_for(api, op):
    ...     @given(broken_inputs(api, op, mutation))
    ...     def test_refused(data: RequestInput) -> None: ...
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from hypothesis import assume
from hypothesis import strategies as st

from triggerspec.contract.request_check import deref_body
from triggerspec.contract.strategies import (
    RequestInput,
    merge_schemas,
    request_inputs,
    value_strategy,
)
from triggerspec.runtime.rules import Rule
from triggerspec.spec.model import Api, Operation
from triggerspec.spec.patterns import search

__all__ = ["Mutation", "MutationKind", "broken_inputs", "mutations_for"]

Path = tuple[str, ...]
"""A place in an instance: property names, ``*`` for any map value or array item."""

# -- deriving the mutations -----------------------------------------------------------------

MutationKind = Literal[
    "too-short",
    "too-long",
    "pattern",
    "enum",
    "uuid",
    "property-name",
    "too-many-items",
    "too-few-items",
    "too-many-properties",
    "too-few-properties",
    "missing-required",
    "below-minimum",
    "above-maximum",
    "rule-none",
    "rule-two",
    "rule-all",
    "too-large",
]


@dataclass(frozen=True)
class Mutation:
    """One documented rule broken in one place; the client must refuse it naming ``names``."""

    kind: MutationKind
    location: Literal["path", "body"]
    target: Path
    """Where in the body (or the path parameter's name) the rule applies."""
    schema: dict[str, Any]
    """The schema of the value at ``target`` (or the object a cross-field rule governs)."""
    names: tuple[str, ...]
    """Field names the refusal must mention."""
    rule: Rule | None = None

    @property
    def label(self) -> str:
        where = "/".join(self.target) or "/"
        return f"{self.kind} {where}" if self.location == "body" else f"{self.kind} path:{where}"


def mutations_for(api: Api, op: Operation) -> list[Mutation]:
    """Every single-rule mutation the contract model states for one operation's inputs."""
    found: dict[tuple[str, str, Path], Mutation] = {}

    def add(m: Mutation) -> None:
        found.setdefault((m.kind, m.location, m.target), m)

    for param in op.path_parameters:
        schema = api.document.deref(param.schema)
        for kind in _leaf_kinds(schema):
            if kind == "too-short" and schema.get("minLength", 0) <= 1:
                continue  # only "" breaks it, and an empty segment names no operation
            add(Mutation(kind, "path", (param.name,), schema, (param.name,)))
    body = deref_body(api, op)
    if body is not None:
        file_parts = {p.name for p in op.body.parts} if op.body is not None else set()
        for target, node in _walk(body, ()):
            if target[:1] and target[0] in file_parts and _is_file(node):
                continue
            named = tuple(t for t in target if t != "*")
            for kind in _leaf_kinds(node):
                if target:
                    add(Mutation(kind, "body", target, node, named[-1:] or target[-1:]))
            if isinstance(node.get("propertyNames"), dict) and target:
                add(Mutation("property-name", "body", target, node, named[-1:]))
            if isinstance(node.get("items"), dict) and target:
                if "maxItems" in node:
                    add(Mutation("too-many-items", "body", target, node, named[-1:]))
                if node.get("minItems", 0) > 0:
                    add(Mutation("too-few-items", "body", target, node, named[-1:]))
            if target and "maxProperties" in node:
                add(Mutation("too-many-properties", "body", target, node, named[-1:]))
            if target and node.get("minProperties", 0) > 0:
                add(Mutation("too-few-properties", "body", target, node, named[-1:]))
            if target and node.get("properties"):  # top-level ones are required arguments
                for name in node.get("required") or ():
                    add(Mutation("missing-required", "body", (*target, name), node, (name,)))
        for rule in op.rules:
            at = tuple(t for t in rule.at.split("/") if t)
            for kind in _RULE_KINDS[rule.kind]:
                add(Mutation(kind, "body", at, _node_at(body, at), rule.fields, rule))
    return list(found.values())


_RULE_KINDS: dict[str, tuple[MutationKind, ...]] = {
    "at-least-one-of": ("rule-none",),
    "exactly-one-of": ("rule-none", "rule-two"),
    "mutually-exclusive": ("rule-all",),
    "max-bytes": ("too-large",),
}
"""How each kind of cross-field rule is broken: drop every field, set two, set all, overflow."""


def _is_file(node: dict[str, Any]) -> bool:
    return node.get("format") == "binary"


def _leaf_kinds(node: dict[str, Any]) -> list[MutationKind]:
    kinds: list[MutationKind] = []
    if _is_file(node):
        return kinds
    if node.get("minLength", 0) > 0:
        kinds.append("too-short")
    if "maxLength" in node:
        kinds.append("too-long")
    if "pattern" in node:
        kinds.append("pattern")
    if "enum" in node and all(isinstance(v, str) for v in node["enum"]):
        kinds.append("enum")
    if node.get("format") == "uuid":
        kinds.append("uuid")
    if "minimum" in node:
        kinds.append("below-minimum")
    if "maximum" in node:
        kinds.append("above-maximum")
    return kinds


def _walk(schema: Any, at: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    if not isinstance(schema, dict):
        return
    yield at, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key) or ():
            yield from _walk(branch, at)
    for name, prop in (schema.get("properties") or {}).items():
        yield from _walk(prop, (*at, name))
    for key in ("additionalProperties", "items"):
        if isinstance(schema.get(key), dict):
            yield from _walk(schema[key], (*at, "*"))


def _node_at(schema: dict[str, Any], at: Path) -> dict[str, Any]:
    """The object schema at ``at`` (merged over its non-null branches)."""
    node = schema
    for token in at:
        props: dict[str, Any] = {}
        for _, candidate in _walk(node, ()):
            props.update(candidate.get("properties") or {})
        node = props.get(token, {})
    merged: dict[str, Any] = {}
    for _, candidate in _walk(_non_null(node), ()):
        if candidate.get("properties"):
            merged = merge_schemas(merged, {"properties": candidate["properties"]})
    return merged


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    out = dict(schema)
    for key in ("oneOf", "anyOf"):
        if key in out:
            kept = [b for b in out[key] if b != {"type": "null"}]
            out[key] = kept
            if len(kept) == 1 and not (set(out) - {key}):
                return _non_null(kept[0])
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        out["type"] = types[0] if len(types) == 1 else types
    return out


def _require(schema: Any, steps: Path, *, last_object: bool = False) -> Any:
    """A variant of ``schema`` whose instances always contain the place ``steps`` leads to."""
    if not isinstance(schema, dict):
        return schema
    if not steps:
        return _non_null(schema) if last_object else schema
    step, rest = steps[0], steps[1:]
    out = _non_null(dict(schema))
    for key in ("anyOf", "oneOf", "allOf"):
        if key in out:
            out[key] = [
                _require(b, steps, last_object=last_object) if _mentions(b, step) else b
                for b in out[key]
            ]
    props = out.get("properties") or {}
    if step == "*":
        for key, size in (("additionalProperties", "minProperties"), ("items", "minItems")):
            if isinstance(out.get(key), dict):
                out[size] = max(1, int(out.get(size, 0)))
                out[key] = _require(out[key], rest, last_object=last_object)
    elif step in props:
        out["required"] = sorted({*out.get("required", []), step})
        out["properties"] = {
            **props,
            step: _require(props[step], rest, last_object=last_object),
        }
    return out


def _mentions(schema: Any, step: str) -> bool:
    if not isinstance(schema, dict):
        return False
    if step == "*":
        return any(isinstance(schema.get(k), dict) for k in ("additionalProperties", "items"))
    return step in (schema.get("properties") or {}) or any(
        _mentions(b, step) for k in ("anyOf", "oneOf", "allOf") for b in schema.get(k) or ()
    )


def _broken_strings(value: str, schema: dict[str, Any], kind: MutationKind) -> list[str]:
    """Strings that break ``kind`` in ``schema`` and (where possible) nothing else."""
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    if kind == "too-short":
        return [value[: low - 1]]
    if kind == "too-long" and high is not None:
        return [value + (value[-1:] or "a") * (int(high) + 1 - len(value))]
    if kind == "uuid":
        return [value[:-1], value + "0", "not-a-uuid", value.replace("-", "_")]
    if kind == "enum":
        enum = [str(v) for v in schema["enum"]]
        candidates = [f"{enum[0]}-x", enum[0].upper(), enum[0].title(), "", "null"]
        return [c for c in candidates if c not in enum]
    # A pattern (or a property-name pattern): the "\n" suffix is the Python `$` trap.
    pattern = schema["pattern"]
    candidates = [
        value + "\n",
        "\n" + value,
        value + " ",
        " " + value,
        "",
        "\u0663",
        value + "\u2028",
    ]
    fits = [c for c in candidates if low <= len(c) <= (high if high is not None else len(c))]
    return [c for c in (fits or candidates) if not search(pattern, c)]


# -- applying one -------------------------------------------------------------------------


def broken_inputs(api: Api, op: Operation, mutation: Mutation) -> st.SearchStrategy[RequestInput]:
    """Inputs that are valid except for exactly ``mutation``.

    Usable against a server too: each draw must be refused (a 4xx), whoever receives it.
    """
    body = deref_body(api, op)
    if mutation.location == "body" and body is not None:
        variant = _require(body, mutation.target, last_object=mutation.rule is not None)
        inputs = request_inputs(api, op, variant)
    else:
        inputs = request_inputs(api, op)

    @st.composite
    def broken(draw: st.DrawFn) -> RequestInput:
        mutated = _mutate(mutation, draw(inputs), draw)
        assume(mutated is not None)
        assert mutated is not None
        return mutated

    return broken()


def _mutate(mutation: Mutation, data: RequestInput, draw: st.DrawFn) -> RequestInput | None:
    """``data`` with exactly ``mutation`` applied (``None`` when it does not fit this draw)."""
    if mutation.location == "path":
        name = mutation.target[0]
        # An empty segment makes a URL of another operation (or of none), not a broken one.
        options = [
            o for o in _broken_strings(str(data.path[name]), mutation.schema, mutation.kind) if o
        ]
        if not options:
            return None
        return replace(data, path={**data.path, name: draw(st.sampled_from(options))})
    body = copy.deepcopy(data.body) if data.body else {}
    if mutation.rule is not None:
        return _mutate_rule(mutation, data, body, draw)
    *parents, last = mutation.target if mutation.kind != "property-name" else (*mutation.target, "")
    holder = _resolve(body, parents)
    if holder is None:
        return None
    if mutation.kind == "property-name":
        if not isinstance(holder, dict) or not holder:
            return None
        key = sorted(holder)[0]
        names = {"pattern": mutation.schema["propertyNames"].get("pattern", "")}
        options = _broken_strings(key, {**mutation.schema["propertyNames"], **names}, "pattern")
        new = draw(st.sampled_from(options)) if options and names["pattern"] else None
        if new is None or new in holder:
            return None
        holder[new] = holder.pop(key)
        return replace(data, body=body)
    key = _key(holder, last)
    if key is None:
        return None
    value = holder[key]
    if mutation.kind == "missing-required":
        del holder[key]
    elif mutation.kind in ("too-many-items", "too-few-items"):
        if not isinstance(value, list) or not value:
            return None
        count = (
            mutation.schema["maxItems"] + 1
            if mutation.kind == "too-many-items"
            else mutation.schema["minItems"] - 1
        )
        holder[key] = (value * count)[:count]
    elif mutation.kind in ("too-many-properties", "too-few-properties"):
        if not isinstance(value, dict):
            return None
        holder[key] = _resized(value, mutation, draw)
    elif mutation.kind in ("below-minimum", "above-maximum"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        bound = mutation.schema["minimum" if mutation.kind == "below-minimum" else "maximum"]
        holder[key] = bound - 1 if mutation.kind == "below-minimum" else bound + 1
    else:
        if not isinstance(value, str):
            return None
        options = _broken_strings(value, mutation.schema, mutation.kind)
        if not options:
            return None
        holder[key] = draw(st.sampled_from(options))
    return replace(data, body=body)


def _resized(value: dict[str, Any], mutation: Mutation, draw: st.DrawFn) -> dict[str, Any]:
    """An object one property past ``maxProperties`` (or one short of ``minProperties``)."""
    if mutation.kind == "too-few-properties":
        keep = mutation.schema["minProperties"] - 1
        return dict(list(value.items())[:keep])
    extra = mutation.schema.get("additionalProperties")
    values = value_strategy(extra) if isinstance(extra, dict) and extra else st.just("x")
    out = dict(value)
    i = 0
    while len(out) <= mutation.schema["maxProperties"]:
        out.setdefault(f"extra{i}", draw(values))
        i += 1
    return out


def _mutate_rule(
    mutation: Mutation, data: RequestInput, body: dict[str, Any], draw: st.DrawFn
) -> RequestInput | None:
    rule = mutation.rule
    assert rule is not None
    holder = _resolve(body, list(mutation.target))
    if not isinstance(holder, dict):
        return None
    if mutation.kind == "too-large":
        holder[rule.fields[0]] = bytes((rule.limit or 0) + 1)
    elif mutation.kind == "rule-none":
        for name in rule.fields:
            holder.pop(name, None)
    else:
        present = [f for f in rule.fields if f in holder]
        wanted = list(rule.fields) if mutation.kind == "rule-all" else [*present, *rule.fields][:2]
        if mutation.kind == "rule-two" and len(set(wanted)) < 2:
            wanted = list(rule.fields[:2])
        props = mutation.schema.get("properties") or {}
        for name in dict.fromkeys(wanted):
            if name not in holder:
                sub = props.get(name, {})
                holder[name] = b"x" if _is_file(sub) else draw(value_strategy(sub))
    return replace(data, body=body, as_bool=data.as_bool & set(body))


def _resolve(body: Any, steps: Sequence[str]) -> Any:
    node = body
    for step in steps:
        key = _key(node, step)
        if key is None:
            return None
        node = node[key]
    return node


def _key(node: Any, step: str) -> Any:
    if isinstance(node, dict):
        if step == "*":
            return sorted(node)[0] if node else None
        return step if step in node else None
    if isinstance(node, list) and step == "*":
        return 0 if node else None
    return None
