"""Client contract checks: the generated clients against the specs, with nothing on the wire.

For every operation the check draws spec-valid inputs, calls the generated client (sync and
async) through an ``httpx.MockTransport`` that records the request, and judges what was
captured with its own reading of the spec: the method, the path with every parameter
escaped so the server sees the same value, the credential headers, and the JSON or
multipart body, validated by :func:`triggerspec.contract.request_check.request_problems`.
The transport answers with a body drawn from the success schema (the client must return
its typed result) or from an error schema (the client must raise the status's error class
with the vendor envelope parsed).

Then every documented rule is broken one at a time, and the client must refuse before
sending, with a message naming the field. The mutations are derived from the contract
model, not listed by hand: ``minLength``/``maxLength``, ``pattern`` (including the
``"value\\n"`` that a naive Python ``$`` would accept), ``enum``, ``format: uuid``,
``propertyNames``, ``minItems``/``maxItems``, nested ``required``, numeric bounds, path
parameters and the cross-field rules of :attr:`Operation.rules`. A rule added to a spec is
mutated without touching this module.

Strings for ``pattern`` are drawn from the Python twin of the ECMAScript regex
(:func:`triggerspec.spec.patterns.compile_python`), so ``$`` means the end of the string.

Example:
    >>> report = check_clients(Project.discover(), max_examples=20)
    >>> for row in report.rows(): print(*row)
"""

from __future__ import annotations

import asyncio
import copy
import importlib
import inspect
import json
import re
import time
import typing
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from types import ModuleType
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import httpx
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from pydantic import BaseModel

from triggerspec.contract.request_check import request_problems
from triggerspec.project import Project
from triggerspec.runtime import AsyncAPIClient, SyncAPIClient
from triggerspec.runtime.errors import (
    APIStatusError,
    RequestValidationError,
    UnsuccessfulResponseError,
    status_error_class,
)
from triggerspec.runtime.rules import Rule
from triggerspec.spec.model import Api, Operation, load_api
from triggerspec.spec.naming import PythonIdentifier
from triggerspec.spec.patterns import compile_python, search
from triggerspec.spec.validate import violations

__all__ = [
    "ClientContractReport",
    "ClientFailure",
    "Mutation",
    "OperationReport",
    "RequestInput",
    "broken_inputs",
    "check_clients",
    "check_operation",
    "check_request",
    "mutations_for",
    "request_inputs",
    "value_strategy",
]

Json = Any
Path = tuple[str, ...]
"""A place in an instance: property names, ``*`` for any map value or array item."""

TRICKY_SEGMENTS = (".", "..", "a/b", "%2F", "?#", " ", "é", "~")
"""Path parameter values that a client must escape (or a URL library would rewrite)."""

_STATUSES = {
    "4XX": (400, 401, 403, 404, 409, 422, 429),
    "5XX": (500, 502, 503),
    "default": (400, 404, 409, 422, 429, 500, 503),
}

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
                merged = _merge(merged, branch)
            return self.build(merged)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self._union(schema, key)
        if "not" in schema:
            base = {k: v for k, v in schema.items() if k != "not"}
            return self.build(base).filter(_validator(schema))
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
                            **_merge(base, {"required": [name]}),
                            "properties": {
                                k: v for k, v in props.items() if k == name or k not in names
                            },
                        }
                    )
                    for name in names
                )
            )
        drawn = st.one_of(*(self.build(_merge(base, b)) for b in branches))
        return drawn.filter(_validator(schema)) if key == "oneOf" else drawn

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


def _merge(base: dict[str, Any], branch: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in branch.items():
        if key == "required":
            out[key] = sorted({*out.get(key, []), *value})
        elif key == "properties":
            out[key] = {**out.get(key, {}), **value}
        else:
            out[key] = value
    return out


def _validator(schema: dict[str, Any]) -> Callable[[Json], bool]:
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

# -- request inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInput:
    """One call's inputs by wire name: path parameters and the body (multipart: str/bytes)."""

    path: dict[str, str]
    body: dict[str, Json] | None
    as_bool: frozenset[str] = frozenset()
    """Text fields passed to the client as ``True``/``False`` instead of their strings."""


def _body_schema(api: Api, op: Operation) -> dict[str, Any] | None:
    if op.body is None:
        return None
    schema: dict[str, Any] = api.document.deref(op.body.schema)
    return schema


def _param_strategy(api: Api, op: Operation) -> st.SearchStrategy[dict[str, str]]:
    drawn: dict[str, st.SearchStrategy[str]] = {}
    for param in op.path_parameters:
        schema = api.document.deref(param.schema)
        tricky = [v for v in TRICKY_SEGMENTS if not violations(schema, v)]
        examples = [param.example] if isinstance(param.example, str) else []
        choices = st.sampled_from([*examples, *tricky]) if examples or tricky else st.nothing()
        drawn[param.name] = st.one_of(choices, value_strategy(schema).map(str))
    return st.fixed_dictionaries(drawn)


def request_inputs(
    api: Api, op: Operation, body_schema: dict[str, Any] | None = None
) -> st.SearchStrategy[RequestInput]:
    """Spec-valid inputs for one operation (``body_schema``: a variant of the body's schema).

    The spec's own valid examples are drawn too. Every draw is checked with
    :func:`request_problems`, so what comes out is valid by triggerspec's own validator.
    """
    schema = body_schema if body_schema is not None else _body_schema(api, op)
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


def _kwargs(op: Operation, data: RequestInput) -> dict[str, Any]:
    args: dict[str, Any] = {PythonIdentifier(k): v for k, v in data.path.items()}
    for name, value in (data.body or {}).items():
        as_bool = name in data.as_bool and value in ("true", "false")
        args[PythonIdentifier(name)] = value == "true" if as_bool else value
    return args


# -- checking a captured request ------------------------------------------------------------


def check_request(
    api: Api,
    op: Operation,
    request: httpx.Request,
    sent: RequestInput,
    credentials: Mapping[str, str],
) -> list[str]:
    """Every way a captured request differs from what the spec says the inputs must produce.

    ``credentials`` maps the header of each scheme of the auth option in use to its value
    (a bearer scheme's header holds the bare token). Checked independently of the client:
    method, scheme/host, the path (every parameter comes back unchanged after unescaping),
    no query string, auth headers, content type, and the body (equal to the inputs and valid
    by :func:`request_problems`).
    """
    problems: list[str] = []
    if request.method != op.method:
        problems.append(f"method is {request.method}, the spec says {op.method}")
    base = urlsplit(api.base_url)
    if (request.url.scheme, request.url.host) != (base.scheme, base.hostname):
        problems.append(f"sent to {request.url.scheme}://{request.url.host}, not {api.base_url}")
    problems += _path_problems(api, op, request.url.raw_path.decode("ascii"), sent.path)
    problems += _auth_problems(api, request.headers, credentials)
    if op.body is not None and sent.body is not None:
        problems += _body_problems(api, op, request, sent)
    return problems


def _path_problems(api: Api, op: Operation, raw: str, values: Mapping[str, str]) -> list[str]:
    path, _, query = raw.partition("?")
    problems = [f"query string {query!r} is not in the spec"] if query else []
    prefix = urlsplit(api.base_url).path.rstrip("/")
    if not path.startswith(prefix + "/"):
        return [*problems, f"path {path!r} does not start with the base path {prefix!r}"]
    got = path[len(prefix) :].split("/")
    template = op.path.split("/")
    if len(got) != len(template):
        return [*problems, f"path {path!r} does not have the shape of {op.path!r}: {values}"]
    for segment, expected in zip(got, template, strict=True):
        name = expected[1:-1] if expected.startswith("{") and expected.endswith("}") else None
        if name is None and segment != expected:
            problems.append(f"path segment {segment!r} should be {expected!r}")
        elif name is not None and unquote(segment) != values.get(name):
            problems.append(
                f"path parameter {name}: {values.get(name)!r} arrives as {unquote(segment)!r}"
            )
    return problems


def _auth_problems(api: Api, headers: httpx.Headers, credentials: Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    bearer = {s.header.lower() for s in api.schemes.values() if s.kind == "bearer"}
    for name, value in credentials.items():
        expected = f"Bearer {value}" if name.lower() in bearer else value
        got = headers.get_list(name)
        if got != [expected]:
            shown = "missing" if not got else f"{len(got)} value(s), not the credential"
            problems.append(f"auth header {name} is {shown}")
    chosen = {n.lower() for n in credentials}
    for scheme in api.schemes.values():
        if scheme.header.lower() not in chosen and scheme.header in headers:
            problems.append(f"auth header {scheme.header} is sent but was not configured")
    return problems


def _body_problems(
    api: Api, op: Operation, request: httpx.Request, sent: RequestInput
) -> list[str]:
    assert op.body is not None and sent.body is not None
    content_type = request.headers.get("content-type", "")
    if not op.body.is_multipart:
        if content_type.split(";")[0].strip() != "application/json":
            return [f"content type is {content_type!r}, not application/json"]
        try:
            body = json.loads(request.content)
        except ValueError:
            return ["the body is not JSON"]
        problems = [] if body == sent.body else [f"body {_short(body)} differs from the inputs"]
    else:
        parts, problems = _multipart(content_type, request.content)
        body = {}
        for part in parts:
            body[part.name] = part.content if part.filename is not None else part.text
            problems += _part_problems(op, part)
        if body != sent.body:
            problems.append(f"form fields {_short(body)} differ from the inputs")
    invalid = request_problems(api, op, sent.path, body, True)
    return problems + [f"the body breaks the spec: {p}" for p in invalid]


@dataclass(frozen=True)
class _Part:
    name: str
    filename: str | None
    content_type: str | None
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


def _multipart(content_type: str, body: bytes) -> tuple[list[_Part], list[str]]:
    """The parts of a multipart/form-data body, split exactly as RFC 7578 says."""
    header = Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        return [], [f"content type is {content_type!r}, not multipart/form-data with a boundary"]
    chunks = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))
    if chunks[0] or not chunks[-1].startswith(b"--"):
        return [], ["the multipart body is not delimited by its boundary"]
    parts: list[_Part] = []
    problems: list[str] = []
    for chunk in chunks[1:-1]:
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not head.startswith(b"\r\n") or not sep:
            problems.append("a multipart part has no header block")
            continue
        message = Message()
        for line in head[2:].decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            message[key.strip()] = value.strip()
        name = message.get_param("name", header="content-disposition")
        filename = message.get_param("filename", header="content-disposition")
        if not isinstance(name, str):
            problems.append("a multipart part has no name")
            continue
        part_type = message.get("content-type")
        parts.append(
            _Part(name, filename if isinstance(filename, str) else None, part_type, content)
        )
    names = [p.name for p in parts]
    problems += [
        f"form field {n} is sent twice" for n in sorted({n for n in names if names.count(n) > 1})
    ]
    return parts, problems


def _part_problems(op: Operation, part: _Part) -> list[str]:
    assert op.body is not None
    spec = next((p for p in op.body.parts if p.name == part.name), None)
    if spec is None:
        return [f"form field {part.name} is not in the spec"]
    if spec.is_file != (part.filename is not None):
        kind = "a file part" if spec.is_file else "a text field"
        return [f"form field {part.name} should be {kind}"]
    if spec.is_file and spec.content_type:
        allowed = [t.strip() for t in spec.content_type.split(",")]
        got = (part.content_type or "").split(";")[0].strip()
        if got not in allowed:
            return [f"file part {part.name} has content type {got!r}, not one of {allowed}"]
    return []


# -- mutations ------------------------------------------------------------------------------


MutationKind = Literal[
    "too-short",
    "too-long",
    "pattern",
    "enum",
    "uuid",
    "property-name",
    "too-many-items",
    "too-few-items",
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
            add(Mutation(kind, "path", (param.name,), schema, (param.name,)))
    body = _body_schema(api, op)
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
            merged = _merge(merged, {"properties": candidate["properties"]})
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


# -- the check itself -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClientFailure:
    """A contract failure of a generated client, with the inputs that show it."""

    operation_id: str
    check: str
    client: str
    message: str
    example: str

    def __str__(self) -> str:
        head = f"{self.operation_id} [{self.client}] {self.check}: {self.message}"
        return f"{head}\n    with {self.example}"


@dataclass
class OperationReport:
    """What the client contract check did for one operation."""

    api: str
    operation_id: str
    cases: int = 0
    checks_passed: int = 0
    mutations: int = 0
    failures: list[ClientFailure] = field(default_factory=list)
    failure_count: int = 0
    seconds: float = 0.0
    error: str | None = None

    def row(self) -> tuple[str, int, int, int, int]:
        """(operation, cases, mutations, checks passed, failures)."""
        failed = self.failure_count + (1 if self.error else 0)
        return (self.operation_id, self.cases, self.mutations, self.checks_passed, failed)


@dataclass
class ClientContractReport:
    """The client contract check of every operation."""

    operations: list[OperationReport]
    seconds: float

    @property
    def ok(self) -> bool:
        return not any(r.failure_count or r.error for r in self.operations)

    @property
    def failures(self) -> list[ClientFailure]:
        return [f for r in self.operations for f in r.failures]

    @property
    def cases(self) -> int:
        return sum(r.cases for r in self.operations)

    def rows(self) -> list[tuple[str, int, int, int, int]]:
        """One row per operation: (operation, cases, mutations, checks passed, failures)."""
        return [r.row() for r in self.operations]


MAX_SHOWN = 3
"""Failures kept per (check, client) in a report; the rest are only counted."""


class _Recorder:
    """An ``httpx.MockTransport`` handler: records each request, answers with ``reply``."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.reply: tuple[int, Json] = (200, {})

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.reply
        return httpx.Response(status, json=body, headers={"content-type": "application/json"})


@dataclass
class _Clients:
    module: ModuleType
    sync_cls: type[SyncAPIClient]
    async_cls: type[AsyncAPIClient]
    method: str
    result_type: Any
    parameters: frozenset[str]
    recorder: _Recorder
    loop: asyncio.AbstractEventLoop
    made: dict[tuple[str, ...], tuple[SyncAPIClient, AsyncAPIClient]] = field(default_factory=dict)
    warned: list[type[Warning]] = field(default_factory=list)
    """The warning categories of the last call."""

    def pair(self, option: tuple[str, ...]) -> tuple[SyncAPIClient, AsyncAPIClient]:
        if option not in self.made:
            args: dict[str, Any] = {
                self.module.API.schemes[n].argument: _credential(n) for n in option
            }
            args.update(environ={}, max_retries=0, transport=httpx.MockTransport(self.recorder))
            self.made[option] = (self.sync_cls(**args), self.async_cls(**args))
        return self.made[option]

    def close(self) -> None:
        for sync, asynchronous in self.made.values():
            sync.close()
            self.loop.run_until_complete(asynchronous.close())


def _credential(scheme: str) -> str:
    return "contract@example.com" if "mail" in scheme else f"ts-{scheme}-Zk9_q.1~x"


def _load_clients(
    api: Api, op: Operation, package: str, loop: asyncio.AbstractEventLoop
) -> _Clients:
    module = importlib.import_module(f"{package}.{PythonIdentifier(api.name)}.client")
    classes = [
        v
        for v in vars(module).values()
        if isinstance(v, type) and getattr(v, "api", None) is module.API
    ]
    sync_cls = next(c for c in classes if issubclass(c, SyncAPIClient))
    async_cls = next(c for c in classes if issubclass(c, AsyncAPIClient))
    method = PythonIdentifier(op.operation_id)
    hints = typing.get_type_hints(getattr(sync_cls, method))
    parameters = frozenset(inspect.signature(getattr(sync_cls, method)).parameters)
    return _Clients(
        module, sync_cls, async_cls, method, hints["return"], parameters, _Recorder(), loop
    )


class _Run:
    """One operation's check: counts, and failures kept up to :data:`MAX_SHOWN` per check."""

    def __init__(self, report: OperationReport) -> None:
        self.report = report
        self.shown: dict[tuple[str, str], int] = {}
        self.first: tuple[RequestInput, Json, tuple[str, ...]] | None = None
        """The first valid exchange, the base of the escaping pass."""

    def verdict(self, check: str, client: str, problems: Sequence[str], example: Any) -> None:
        if not problems:
            self.report.checks_passed += 1
            return
        self.report.failure_count += 1
        key = (check, client)
        self.shown[key] = self.shown.get(key, 0) + 1
        if self.shown[key] <= MAX_SHOWN:
            self.report.failures.append(
                ClientFailure(
                    self.report.operation_id, check, client, "; ".join(problems), _short(example)
                )
            )


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_operation(
    api: Api,
    op: Operation,
    *,
    max_examples: int = 20,
    mutation_examples: int = 4,
    seed: int | None = None,
    package: str = "triggerspec_clients",
) -> OperationReport:
    """Check the generated sync and async clients of one operation (see the module docstring).

    Args:
        api: the contract model of the operation's spec.
        op: the operation.
        max_examples: drawn (inputs, response) pairs; each is sent by both clients.
        mutation_examples: valid inputs each mutation is applied to.
        seed: the Hypothesis seed (``None``: derandomized, the same draws every run).
        package: the importable package the clients were generated into.
    """
    started = time.perf_counter()
    report = OperationReport(api.name, op.operation_id)
    loop = asyncio.new_event_loop()
    try:
        clients = _load_clients(api, op, package, loop)
    except (ImportError, AttributeError, StopIteration, KeyError, NameError) as exc:
        report.error = f"no generated client for {api.name}.{op.operation_id}: {exc!r}"
        loop.close()
        return report
    run = _Run(report)
    try:
        _exchanges(api, op, clients, run, _settings(max_examples, seed))
        for mutation in mutations_for(api, op):
            report.mutations += 1
            examples = 1 if mutation.kind == "too-large" else mutation_examples
            _refusals(api, op, clients, run, mutation, _settings(examples, seed))
    finally:
        clients.close()
        loop.close()
    report.seconds = time.perf_counter() - started
    return report


def _settings(
    max_examples: int, seed: int | None
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    chosen = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )

    def apply(test: Callable[..., None]) -> Callable[..., None]:
        test = chosen(test)
        return hypothesis_seed(seed)(test) if seed is not None else test

    return apply


def _call(clients: _Clients, client: str, option: tuple[str, ...], kwargs: dict[str, Any]) -> Any:
    sync, asynchronous = clients.pair(option)
    if client == "sync":
        return getattr(sync, clients.method)(**kwargs)
    return clients.loop.run_until_complete(getattr(asynchronous, clients.method)(**kwargs))


def _options(clients: _Clients) -> st.SearchStrategy[tuple[str, ...]]:
    return st.sampled_from(list(clients.module.API.security))


def _exchanges(
    api: Api, op: Operation, clients: _Clients, run: _Run, configure: Callable[..., Any]
) -> None:
    success = op.success
    success_schema = api.document.deref(success.schema) if success.schema else {}
    replies = value_strategy(success_schema, open_objects=True).filter(_validator(success_schema))
    errors = _error_replies(api, op)
    flag = api.profile.success_flag

    @configure
    @given(data=request_inputs(api, op), reply=replies, error=errors, option=_options(clients))
    def exchange(
        data: RequestInput, reply: Json, error: tuple[int, Json] | None, option: tuple[str, ...]
    ) -> None:
        run.report.cases += 1
        run.first = run.first or (data, reply, option)
        kwargs = _kwargs(op, data)
        unknown = sorted(set(kwargs) - clients.parameters)
        if unknown:
            run.verdict(
                "arguments", "sync", [f"the client has no argument {', '.join(unknown)}"], data
            )
            return
        credentials = {clients.module.API.schemes[n].header: _credential(n) for n in option}
        failed = bool(flag) and isinstance(reply, dict) and reply.get(flag) is False
        for client in ("sync", "async"):
            clients.recorder.requests.clear()
            clients.recorder.reply = (int(success.status), reply)
            outcome = _outcome(clients, client, option, kwargs)
            sent = clients.recorder.requests
            if len(sent) != 1:
                run.verdict(
                    "request", client, [f"{len(sent)} requests sent, expected 1 ({outcome})"], data
                )
                continue
            run.verdict("request", client, check_request(api, op, sent[0], data, credentials), data)
            if op.deprecated:
                warned = any(issubclass(w, DeprecationWarning) for w in clients.warned)
                missing = [] if warned else [f"calling deprecated {op.operation_id} did not warn"]
                run.verdict("deprecation", client, missing, data)
            if failed:
                expected: Any = UnsuccessfulResponseError
                problems = (
                    []
                    if isinstance(outcome, expected)
                    else [f"a 2xx with {flag}: false gave {outcome!r}"]
                )
            else:
                problems = _typed(outcome, clients.result_type)
            run.verdict("response", client, problems, reply)
            if error is not None:
                clients.recorder.reply = error
                run.verdict(
                    "error-response",
                    client,
                    _raised(_outcome(clients, client, option, kwargs), error[0]),
                    error,
                )

    exchange()
    if run.first is not None:
        _escapes(api, op, clients, run, *run.first)


def _escapes(
    api: Api,
    op: Operation,
    clients: _Clients,
    run: _Run,
    data: RequestInput,
    reply: Json,
    option: tuple[str, ...],
) -> None:
    """Every path parameter set to each value a client must escape, on every run.

    Random draws reach ``..`` only sometimes; a URL library that rewrites it (dot segments)
    would send the request to another resource, so each value is tried deterministically.
    """
    credentials = {clients.module.API.schemes[n].header: _credential(n) for n in option}
    clients.recorder.reply = (int(op.success.status), reply)
    for param in op.path_parameters:
        schema = api.document.deref(param.schema)
        for value in (v for v in TRICKY_SEGMENTS if not violations(schema, v)):
            tricky = replace(data, path={**data.path, param.name: value})
            run.report.cases += 1
            for client in ("sync", "async"):
                clients.recorder.requests.clear()
                outcome = _outcome(clients, client, option, _kwargs(op, tricky))
                sent = clients.recorder.requests
                problems = (
                    check_request(api, op, sent[0], tricky, credentials)
                    if len(sent) == 1
                    else [f"{len(sent)} requests sent, expected 1 ({outcome!r})"]
                )
                run.verdict("request", client, problems, tricky)


def _outcome(
    clients: _Clients, client: str, option: tuple[str, ...], kwargs: dict[str, Any]
) -> Any:
    """What the call returned or raised (its warnings are kept in ``clients.warned``)."""
    with warnings.catch_warnings(record=True) as caught:
        # A deprecated operation warns on purpose; callers may run with warnings as errors.
        warnings.simplefilter("always")
        try:
            return _call(clients, client, option, kwargs)
        except Exception as exc:  # the outcome is judged by the caller, whatever it is
            return exc
        finally:
            clients.warned = [w.category for w in caught]


def _typed(outcome: Any, expected: Any) -> list[str]:
    if isinstance(outcome, BaseException):
        return [f"a spec-valid response was not accepted: {type(outcome).__name__}: {outcome}"]
    try:
        ok = isinstance(outcome, expected)
    except TypeError:  # a subscripted generic: fall back to the model check
        ok = isinstance(outcome, BaseModel)
    return [] if ok else [f"returned {type(outcome).__name__}, not {expected}"]


def _raised(outcome: Any, status: int) -> list[str]:
    expected = status_error_class(status)
    if type(outcome) is not expected:
        return [f"a spec-valid {status} gave {outcome!r}, not {expected.__name__}"]
    assert isinstance(outcome, APIStatusError)
    if not isinstance(outcome.envelope, BaseModel):
        return [f"the {status} envelope did not parse into its model: {_short(outcome.envelope)}"]
    return []


def _error_replies(api: Api, op: Operation) -> st.SearchStrategy[tuple[int, Json] | None]:
    choices: list[st.SearchStrategy[tuple[int, Json] | None]] = []
    for response in op.error_responses:
        if response.schema is None:
            continue
        schema = api.document.deref(response.schema)
        statuses = _STATUSES.get(response.status) or (int(response.status),)
        body = value_strategy(schema, open_objects=True).filter(_validator(schema))
        choices.append(st.tuples(st.sampled_from(statuses), body))
    return st.one_of(*choices) if choices else st.none()


def _refusals(
    api: Api,
    op: Operation,
    clients: _Clients,
    run: _Run,
    mutation: Mutation,
    configure: Callable[..., Any],
) -> None:
    check = f"refuses {mutation.label}"

    @configure
    @given(broken=broken_inputs(api, op, mutation), option=_options(clients))
    def refuse(broken: RequestInput, option: tuple[str, ...]) -> None:
        run.report.cases += 1
        kwargs = _kwargs(op, broken)
        for client in ("sync", "async"):
            clients.recorder.requests.clear()
            outcome = _outcome(clients, client, option, kwargs)
            problems: list[str] = []
            if clients.recorder.requests:
                problems.append("the request was sent")
            if not isinstance(outcome, RequestValidationError):
                problems.append(f"not refused with RequestValidationError: {outcome!r}")
            else:
                missing = [n for n in mutation.names if not _names(str(outcome), n)]
                if missing:
                    problems.append(f"the refusal does not name {', '.join(missing)}: {outcome}")
            run.verdict(check, client, problems, _masked(broken))

    refuse()


def broken_inputs(api: Api, op: Operation, mutation: Mutation) -> st.SearchStrategy[RequestInput]:
    """Inputs that are valid except for exactly ``mutation``.

    Usable against a server too: each draw must be refused (a 4xx), whoever receives it.
    """
    body = _body_schema(api, op)
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


def _masked(data: RequestInput) -> RequestInput:
    """Large file contents shortened for a report."""
    body = {
        k: (v[:16] + b"..." if isinstance(v, bytes) and len(v) > 64 else v)
        for k, v in (data.body or {}).items()
    }
    return replace(data, body=body if data.body is not None else None)


def _names(message: str, name: str) -> bool:
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", message) is not None


def _mutate(mutation: Mutation, data: RequestInput, draw: st.DrawFn) -> RequestInput | None:
    """``data`` with exactly ``mutation`` applied (``None`` when it does not fit this draw)."""
    if mutation.location == "path":
        name = mutation.target[0]
        options = _broken_strings(data.path[name], mutation.schema, mutation.kind)
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


def check_clients(
    project: Project,
    *,
    max_examples: int = 20,
    mutation_examples: int = 4,
    seed: int | None = None,
    operation: str | None = None,
    package: str = "triggerspec_clients",
    apis: Sequence[Api] | None = None,
    on_result: Callable[[OperationReport], None] | None = None,
) -> ClientContractReport:
    """Check the generated clients of every operation of ``project``.

    Args:
        project: the project whose specs the clients were generated from.
        max_examples: drawn (inputs, response) pairs per operation, each sent sync and async.
        mutation_examples: valid inputs each single-rule mutation is applied to.
        seed: the Hypothesis seed (``None``: derandomized).
        operation: check only this operationId.
        package: the importable package holding the generated clients.
        apis: the contract model, when the caller has already parsed the specs.
        on_result: called with each operation's report as it finishes (progress).

    Example:
        >>> report = check_clients(Project.discover(), max_examples=10)
        >>> report.rows()[0]  # (operation, cases, mutations, checks passed, failures)
        ('createDeployment', 41, 5, 122, 0)
    """
    started = time.perf_counter()
    models = (
        list(apis)
        if apis is not None
        else [load_api(path, project.relative(path)) for path in project.spec_files()]
    )
    reports: list[OperationReport] = []
    for api in models:
        for op in api.operations:
            if operation not in (None, op.operation_id):
                continue
            report = check_operation(
                api,
                op,
                max_examples=max_examples,
                mutation_examples=mutation_examples,
                seed=seed,
                package=package,
            )
            reports.append(report)
            if on_result is not None:
                on_result(report)
    return ClientContractReport(reports, time.perf_counter() - started)
