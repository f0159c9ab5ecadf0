"""Answers for any operation, read from the spec alone, and the declared stateful rules.

An operation without a payload builder gets a generic answer built from its success
schema: every property whose name matches a request field (path parameter or top-level
body member) and whose value fits echoes it; ids get fresh values (``id``, ``*_id``,
``*_uuid``, ``format: uuid``), ``date-time`` fields the mock's now, nullable fields
``null``; other required fields the smallest fitting value. Created resources (a 2xx to a
``POST`` or ``PUT``) are kept by their id, so the matching ``GET path/{id}`` answers the
record and ``GET path`` lists them. The declarations of :mod:`triggerspec.spec.stateful`
(``x-dedup``, ``x-upsert``, ``x-missing-target``) apply to every operation, built
generically or not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triggerspec.errors import SpecError
from triggerspec.mock.context import Built, Context
from triggerspec.mock.state import Bounded
from triggerspec.spec.model import Operation
from triggerspec.spec.stateful import read_field
from triggerspec.spec.validate import SchemaValidator


@dataclass(frozen=True)
class _Plan:
    """What the generic answer of one operation needs, prepared on its first request."""

    schema: dict[str, Any]
    validator: SchemaValidator
    properties: dict[str, tuple[dict[str, Any], SchemaValidator]]
    required: frozenset[str]
    examples: tuple[Any, ...]
    """The documented examples of the response that its own schema accepts (a vendor
    document's example can break it: GitHub's ``null`` for an empty object)."""


_PLANS: dict[tuple[int, str], tuple[Operation, _Plan]] = {}


def _plan(ctx: Context) -> _Plan:
    key = (id(ctx.operation), (ctx.response or ctx.operation.success).status)
    cached = _PLANS.get(key)
    if cached is not None and cached[0] is ctx.operation:
        return cached[1]
    schema = payload_schema(ctx)
    props = {
        name: (prop, SchemaValidator(prop))
        for name, prop in _properties(schema).items()
        if isinstance(prop, dict)
    }
    plan = _Plan(
        schema, SchemaValidator(schema), props, frozenset(_required(schema)), _examples(ctx)
    )
    _PLANS[key] = (ctx.operation, plan)
    return plan


def _examples(ctx: Context) -> tuple[Any, ...]:
    response = ctx.response or ctx.operation.success
    values = tuple(e.value for e in response.examples)
    try:
        schema = ctx.api.document.deref(response.schema) if response.schema else {}
    except SpecError:  # a recursive schema: the examples cannot be judged, keep them
        return values
    check = SchemaValidator(schema)
    return tuple(v for v in values if check.is_valid(v))


def payload_schema(ctx: Context) -> dict[str, Any]:
    """The schema of the success payload (inside the envelope's result member, if any)."""
    raw = (ctx.response or ctx.operation.success).schema or {}
    try:
        schema = ctx.api.document.deref(raw) if raw else {}
    except SpecError:  # a recursive schema: no generic shape, the smallest answer instead
        return {}
    key = ctx.api.envelope.result_key
    if key is not None:
        found = _properties(schema).get(key)
        schema = found if isinstance(found, dict) else {}
    return _not_null(schema)


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A ``oneOf``/``anyOf`` of a shape and ``null`` as the shape (an answer has one)."""
    if "properties" in schema or "type" in schema:
        return schema
    for key in ("oneOf", "anyOf"):
        for branch in schema.get(key) or ():
            if isinstance(branch, dict) and branch.get("type") != "null":
                return _not_null(branch)
    return schema


def _properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    props = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or ():
        if isinstance(part, dict):
            props.update(_properties(part))
    return props


def _required(schema: Mapping[str, Any]) -> set[str]:
    found = set(schema.get("required") or ())
    for part in schema.get("allOf") or ():
        if isinstance(part, dict):
            found |= _required(part)
    return found


def required_members(schema: Mapping[str, Any]) -> tuple[tuple[str, dict[str, Any]], ...]:
    """Each member ``schema`` requires (``allOf`` parts included), by name, with its schema."""
    props = _properties(schema)
    return tuple(
        (name, props[name] if isinstance(props.get(name), dict) else {})
        for name in sorted(n for n in _required(schema) if isinstance(n, str))
    )


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def _id_like(name: str) -> bool:
    lowered = name.lower()
    return lowered == "id" or lowered.endswith(("_id", "_uuid", "uuid")) or name.endswith("Id")


def request_fields(ctx: Context) -> dict[str, Any]:
    """Every named request value: path parameters, then the top-level body members."""
    return {**ctx.params, **ctx.json, **ctx.form.fields}


def generic(ctx: Context, minimal: Any) -> Built:
    """The generic answer of ``ctx``'s operation (see the module docstring)."""
    success = ctx.response or ctx.operation.success
    if success.kind == "none":  # a response without a body (204)
        return Built(None, raw=True)
    if success.kind in ("text", "binary"):  # not JSON: the example as it is, else empty
        if success.examples:
            return Built(success.examples[0].value, raw=True)
        return Built("" if success.kind == "text" else b"", raw=True)
    plan = _plan(ctx)
    schema = plan.schema
    stored = _stored_answer(ctx, schema)
    if stored is not None:
        return Built(stored)
    if not plan.properties:  # not an object: a documented example, else the smallest
        if plan.examples:
            return Built(plan.examples[0], raw=True)
        return Built(minimal(schema, ctx))
    given = request_fields(ctx)
    out: dict[str, Any] = {}
    for name, (prop, check) in plan.properties.items():
        value = _value(ctx, name, prop, check, given, name in plan.required, minimal)
        if value is not _SKIP:
            out[name] = value
    if not plan.validator.is_valid(out):  # the guesses do not fit: the smallest valid answer
        out = minimal(schema, ctx)
    return Built(out)


_SKIP = object()

KEEP_LIMIT = 10_000
"""Records kept per collection and per declared rule; the oldest go first (bounded memory
under a long fuzz run)."""


def _bounded(store: Bounded[Any, Any]) -> None:
    while len(store) > KEEP_LIMIT:
        store.popitem(last=False)
        store.evicted += 1


def _value(
    ctx: Context,
    name: str,
    prop: dict[str, Any],
    check: SchemaValidator,
    given: Mapping[str, Any],
    required: bool,
    minimal: Any,
) -> Any:
    if name in given and check.is_valid(given[name]):
        return given[name]
    types = _types(prop)
    if prop.get("format") == "uuid" or (_id_like(name) and types & {"string"}):
        return ctx.ids.uuid()
    if _id_like(name) and types & {"integer"}:  # a numeric id: positive, as a server's
        low = max(1, int(prop.get("minimum", 1)))
        return ctx.ids.number(low, max(low, int(prop.get("maximum", 2**31 - 1))))
    if prop.get("format") == "date-time" and "null" not in types:
        return ctx.now
    if "null" in types:
        return None
    if required:
        return minimal(prop, ctx)
    return _SKIP


# -- created resources --------------------------------------------------------------------


def _concrete(ctx: Context) -> str:
    path = ctx.operation.path
    for name, value in ctx.params.items():
        path = path.replace("{" + name + "}", value)
    return path


def _stored_answer(ctx: Context, schema: Mapping[str, Any]) -> Any:
    """For a ``GET``: the record or the list its path addresses, if the mock created any."""
    if ctx.operation.method != "GET":
        return None
    path = _concrete(ctx)
    resources = ctx.state.resources
    if (ctx.api.name, path) in resources:  # a list
        items = list(resources[(ctx.api.name, path)].values())
        if "array" in _types(schema):
            return items
        arrays = [n for n, p in _properties(schema).items() if "array" in _types(p or {})]
        if len(arrays) == 1:
            return {**generic_shell(schema), arrays[0]: items}
        return None
    parent, _, last = path.rpartition("/")
    collection = resources.get((ctx.api.name, parent))
    record = collection.get(last) if collection is not None else None
    return dict(record) if record is not None else None


def generic_shell(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The required scalar members of a list answer besides its list (counts as 0)."""
    out: dict[str, Any] = {}
    for name in _required(schema):
        prop = _properties(schema).get(name) or {}
        if _types(prop) & {"integer", "number"}:
            out[name] = 0
    return out


def remember(ctx: Context, payload: Any) -> None:
    """Keep what a ``POST`` or ``PUT`` created, under its id, for the matching get/list."""
    if ctx.operation.method not in ("POST", "PUT") or not isinstance(payload, dict):
        return
    ident = next((payload[k] for k in payload if _id_like(k) and isinstance(payload[k], str)), None)
    if ident is None:
        return
    where = (ctx.api.name, _concrete(ctx))
    collection = ctx.state.resources.get(where)
    if collection is None:
        collection = ctx.state.resources[where] = Bounded(KEEP_LIMIT)
    collection[ident] = dict(payload)
    ctx.state.ledger.charge(collection, ident, ctx.weight)


# -- declared rules ------------------------------------------------------------------------


def _ref(ctx: Context, ref: str) -> Any:
    body = ctx.form.fields if ctx.body.form is not None else ctx.body.value
    return read_field(ref, ctx.params, ctx.query, ctx.headers, body)


def missing_target(ctx: Context) -> Built | None:
    """The declared answer when the request names a target the mock lacks."""
    declared = ctx.operation.stateful.missing_target
    if declared is None:
        return None
    name = _ref(ctx, declared.field)
    if isinstance(name, str) and ctx.settings.has_no_config(name):
        return Built(json.loads(json.dumps(declared.answer)))
    return None


def apply_rules(ctx: Context, built: Built) -> Built:
    """Lay the declared dedup and upsert rules over a built answer."""
    stateful = ctx.operation.stateful
    payload = built.payload
    if not isinstance(payload, dict) or (stateful.upsert is None and stateful.dedup is None):
        return built
    op_key = (ctx.api.name, ctx.operation.operation_id)
    if stateful.upsert is not None:
        key = (
            *op_key,
            *(json.dumps(_ref(ctx, r), sort_keys=True) for r in stateful.upsert.identity),
        )
        record = ctx.state.records.get(key)
        if record is not None:
            payload = {**payload, **{k: record[k] for k in stateful.upsert.keep if k in record}}
        ctx.state.records[key] = dict(payload)
        ctx.state.ledger.charge(ctx.state.records, key, ctx.weight)
        _bounded(ctx.state.records)
    if stateful.dedup is not None:
        dedup = stateful.dedup
        key = (*op_key, *(json.dumps(_ref(ctx, r), sort_keys=True) for r in dedup.key))
        window = dedup.window_s if dedup.window_s is not None else ctx.settings.repeat_window_s
        now = ctx.clock.now()
        seen = ctx.state.seen.get(key)
        if seen is not None and (now - seen[0]).total_seconds() < window:
            return Built({**seen[1], **dedup.repeat}, built.headers, built.raw)
        payload = {**payload, **dedup.first}
        ctx.state.seen[key] = (now, dict(payload))
        ctx.state.ledger.charge(ctx.state.seen, key, ctx.weight)
        _bounded(ctx.state.seen)
    return Built(payload, built.headers, built.raw)
