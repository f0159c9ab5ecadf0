"""Hypothesis strategies from the contract model: schema values, and one call's inputs.

:func:`value_strategy` builds values valid against a dereferenced JSON Schema (the subset
the specs use) from its keywords; only ``not`` and a ``oneOf`` that is not "exactly one of
these fields" fall back to filtering draws by the spec validator. Strings for ``pattern``
are drawn from the Python twin of the ECMAScript regex
(:func:`triggerspec.spec.patterns.compile_python`), so ``$`` means the end of the string.

:func:`request_inputs` combines them into spec-valid inputs for one operation: path
parameters (the spec's examples and values a client must escape among them) and the body,
each draw checked by :func:`triggerspec.contract.request_check.request_problems`.

Example:
    >>> @given(value_strategy(schema, open_objects=True))
    ... def test_reply(value: Json) -> None:
    ...     assert not violations(schema, value)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from triggerspec.contract.request_check import deref_body, request_problems
from triggerspec.spec.model import Api, Operation
from triggerspec.spec.patterns import compile_python
from triggerspec.spec.validate import violations

__all__ = [
    "TRICKY_SEGMENTS",
    "Json",
    "RequestInput",
    "merge_schemas",
    "request_inputs",
    "satisfies",
    "value_strategy",
]

Json = Any

TRICKY_SEGMENTS = (".", "..", "a/b", "%2F", "?#", " ", "é", "~")
"""Path parameter values that a client must escape (or a URL library would rewrite)."""


# -- drawing values from a schema -------------------------------------------------------------


def value_strategy(schema: Any, *, open_objects: bool = False) -> st.SearchStrategy[Json]:
    """Values valid against a dereferenced schema (the subset the specs use).

    Patterns are drawn from their Python twin, so ``$`` is the end of the string. Objects
    without ``additionalProperties`` get a few undeclared keys when ``open_objects`` is set
    (a spec-valid response may carry them). ``format: binary`` draws ``bytes`` (a file part).
    Draws are filtered by the spec validator where a keyword (``not``, ``oneOf``) cannot be
    built directly.
    """
    if schema is True or schema == {} or not isinstance(schema, dict):
        return _ANY_JSON
    return _Builder(open_objects).build(schema)


_ANY_JSON: st.SearchStrategy[Json] = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8)
)


class _Builder:
    def __init__(self, open_objects: bool) -> None:
        self.open_objects = open_objects

    def build(self, schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        if "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for branch in schema["allOf"]:
                merged = merge_schemas(merged, branch)
            return self.build(merged)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self._union(schema, key)
        if "not" in schema:
            base = {k: v for k, v in schema.items() if k != "not"}
            return self.build(base).filter(satisfies(schema))
        kind = schema.get("type", _infer_type(schema))
        if isinstance(kind, list):
            return st.one_of(*(self.build({**schema, "type": t}) for t in kind))
        maker = {
            "string": self._string,
            "integer": self._integer,
            "number": self._number,
            "boolean": lambda s: st.booleans(),
            "null": lambda s: st.none(),
            "array": self._array,
            "object": self._object,
        }.get(str(kind))
        return maker(schema) if maker is not None else _ANY_JSON

    def _union(self, schema: dict[str, Any], key: str) -> st.SearchStrategy[Json]:
        base = {k: v for k, v in schema.items() if k != key}
        branches: list[dict[str, Any]] = schema[key]
        names = [b["required"][0] for b in branches if set(b) == {"required"}]
        if key == "oneOf" and len(names) == len(branches):
            # Exactly one of several fields: draw each branch with the others left out.
            props = base.get("properties") or {}
            return st.one_of(
                *(
                    self.build(
                        {
                            **merge_schemas(base, {"required": [name]}),
                            "properties": {
                                k: v for k, v in props.items() if k == name or k not in names
                            },
                        }
                    )
                    for name in names
                )
            )
        drawn = st.one_of(*(self.build(merge_schemas(base, b)) for b in branches))
        return drawn.filter(satisfies(schema)) if key == "oneOf" else drawn

    def _string(self, schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        fmt = schema.get("format")
        if fmt == "binary":
            return st.binary(max_size=48)
        if fmt == "uuid":
            return st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
        if fmt == "date-time":
            return _DATE_TIMES
        if fmt in ("uri", "email"):  # a valid address or URL, held to the rest of the schema
            drawn = _URIS if fmt == "uri" else _EMAILS
            return drawn.filter(satisfies(schema)) if set(schema) - {"type", "format"} else drawn
        if "pattern" in schema:
            drawn = st.from_regex(compile_python(schema["pattern"]))
            if low or high is not None:
                drawn = drawn.filter(
                    lambda s: low <= len(s) <= (high if high is not None else len(s))
                )
            return drawn
        return st.text(min_size=low, max_size=int(high) if high is not None else low + 12)

    def _integer(self, schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        low = schema.get("minimum")
        high = schema.get("maximum")
        if "exclusiveMinimum" in schema:
            low = int(schema["exclusiveMinimum"]) + 1
        if "exclusiveMaximum" in schema:
            high = int(schema["exclusiveMaximum"]) - 1
        return st.integers(
            int(low) if low is not None else -(2**31), int(high) if high is not None else 2**31
        )

    def _number(self, schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        return self._integer(schema) | st.floats(
            schema.get("minimum"),
            schema.get("maximum"),
            allow_nan=False,
            allow_infinity=False,
        )

    def _array(self, schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        low = int(schema.get("minItems", 0))
        high = min(int(schema.get("maxItems", low + 3)), low + 3)
        return st.lists(value_or_any(self, schema.get("items")), min_size=low, max_size=high)

    def _object(self, schema: dict[str, Any]) -> st.SearchStrategy[Json]:
        props: dict[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        fixed = st.fixed_dictionaries(
            {k: value_or_any(self, v) for k, v in props.items() if k in required},
            optional={k: value_or_any(self, v) for k, v in props.items() if k not in required},
        )
        extra = schema.get("additionalProperties", True)
        low = max(0, int(schema.get("minProperties", 0)) - len(required))
        if isinstance(extra, dict):
            names = schema.get("propertyNames") or {}
            keys = self.build({"type": "string", **names}).filter(lambda k: k not in props)
            more: st.SearchStrategy[dict[str, Json]] = st.dictionaries(
                keys, self.build(extra), min_size=low, max_size=low + 2
            )
        elif extra is not False and self.open_objects:
            unknown = st.sampled_from(["x_undeclared", "zz_new_field"]).filter(
                lambda k: k not in props
            )
            more = st.dictionaries(unknown, _ANY_JSON, max_size=1)
        else:
            more = st.just({})
        return st.builds(lambda a, b: {**b, **a}, fixed, more)


def value_or_any(builder: _Builder, schema: Any) -> st.SearchStrategy[Json]:
    """A strategy for a sub-schema that may be absent or boolean."""
    return builder.build(schema) if isinstance(schema, dict) and schema else _ANY_JSON


def _infer_type(schema: dict[str, Any]) -> str | None:
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return "object"
    if "items" in schema:
        return "array"
    if {"pattern", "minLength", "maxLength", "format"} & set(schema):
        return "string"
    return None


def merge_schemas(base: dict[str, Any], branch: dict[str, Any]) -> dict[str, Any]:
    """``base`` with an ``allOf`` branch laid over it: ``required`` and ``properties`` add up."""
    out = dict(base)
    for key, value in branch.items():
        if key == "required":
            out[key] = sorted({*out.get(key, []), *value})
        elif key == "properties":
            out[key] = {**out.get(key, {}), **value}
        else:
            out[key] = value
    return out


def satisfies(schema: dict[str, Any]) -> Callable[[Json], bool]:
    """A filter: does a value pass the spec validator for ``schema``?"""
    return lambda value: not violations(schema, value)


def _date_time(moment: datetime, sep: str, zulu: str | None, digits: int) -> str:
    text = moment.strftime("%Y-%m-%d") + sep + moment.strftime("%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}{moment.microsecond:03d}"[:digits]
    offset = moment.utcoffset() or timedelta(0)
    if zulu is not None and not offset:
        return text + zulu
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


_DATE_TIMES: st.SearchStrategy[Json] = st.builds(
    _date_time,
    st.datetimes(
        min_value=datetime(1970, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
        ),
    ),
    st.sampled_from(["T", "t", " "]),
    st.sampled_from(["Z", "z", None]),
    st.integers(0, 9),
)

_LABEL = st.from_regex(r"[a-z][a-z0-9]{0,9}", fullmatch=True)

_URIS: st.SearchStrategy[Json] = st.builds(
    lambda host, path: f"https://{host}.example.com/{path}",
    _LABEL,
    st.from_regex(r"[A-Za-z0-9_.~-]{0,16}", fullmatch=True),
)
"""``format: uri``: absolute https URLs (what runtime/formats.py and the models accept)."""

_EMAILS: st.SearchStrategy[Json] = st.builds(
    lambda local, host: f"{local}@{host}.com", _LABEL, _LABEL
)
"""``format: email``: plain addresses at an ordinary domain."""

# -- request inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInput:
    """One call's inputs by wire name: path parameters and the body (multipart: str/bytes)."""

    path: dict[str, str | int]
    """Path values as a caller passes them: text, or an integer where the schema allows."""
    body: dict[str, Json] | None
    as_bool: frozenset[str] = frozenset()
    """Text fields passed to the client as ``True``/``False`` instead of their strings."""


def _as_argument(value: Any) -> str | int:
    return value if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _param_strategy(api: Api, op: Operation) -> st.SearchStrategy[dict[str, str | int]]:
    drawn: dict[str, st.SearchStrategy[str | int]] = {}
    for param in op.path_parameters:
        schema = api.document.deref(param.schema)
        tricky = [v for v in TRICKY_SEGMENTS if not violations(schema, v)]
        examples = [param.example] if isinstance(param.example, str) else []
        choices = st.sampled_from([*examples, *tricky]) if examples or tricky else st.nothing()
        drawn[param.name] = st.one_of(choices, value_strategy(schema).map(_as_argument))
    return st.fixed_dictionaries(drawn)


def request_inputs(
    api: Api, op: Operation, body_schema: dict[str, Any] | None = None
) -> st.SearchStrategy[RequestInput]:
    """Spec-valid inputs for one operation (``body_schema``: a variant of the body's schema).

    The spec's own valid examples are drawn too. Every draw is checked with
    :func:`request_problems`, so what comes out is valid by triggerspec's own validator.
    """
    schema = body_schema if body_schema is not None else deref_body(api, op)
    if schema is None:
        body: st.SearchStrategy[dict[str, Json] | None] = st.none()
    else:
        examples = [e.value for e in op.body.examples] if op.body is not None else []
        body = value_strategy(schema)
        if examples and body_schema is None:
            body = st.one_of(st.sampled_from(examples), body)
    texts = _bool_texts(api, op)
    flags = st.sets(st.sampled_from(texts)) if texts else st.just(frozenset[str]())
    drawn = st.builds(
        lambda p, b, f: RequestInput(p, b, frozenset(f) & set(b or ())),
        _param_strategy(api, op),
        body,
        flags,
    )
    return drawn.filter(lambda i: not request_problems(api, op, i.path, i.body, i.body is not None))


def _bool_texts(api: Api, op: Operation) -> list[str]:
    """Multipart text fields whose values are the strings ``true``/``false``."""
    if op.body is None or not op.body.is_multipart:
        return []
    return [
        p.name
        for p in op.body.parts
        if set(api.document.deref(p.schema).get("enum") or ()) == {"true", "false"}
    ]
