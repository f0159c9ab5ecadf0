"""OpenAPI 3.0 → the 3.1 dialect every tool reads, once, at load.

The tools read one dialect: OpenAPI 3.1, whose schemas are JSON Schema 2020-12. A 3.0.x
document keeps its exact meaning when its few 3.0-only schema keywords are rewritten:

- ``nullable: true`` adds ``"null"`` to ``type`` (and ``null`` to an ``enum``); a nullable
  ``$ref`` or composition (``allOf``/``anyOf``/``oneOf``) becomes
  ``anyOf: [<the schema>, {type: "null"}]``, annotations (``description``, ``default``...)
  staying outside; ``nullable: false`` is dropped;
- boolean ``exclusiveMinimum``/``exclusiveMaximum`` become the numeric bound they qualify
  (``minimum: 0, exclusiveMinimum: true`` → ``exclusiveMinimum: 0``);
- a schema ``example`` becomes ``examples: [example]``;
- ``openapi`` becomes ``3.1.0``.

Everything else is kept. Only Schema Objects are rewritten (a Parameter's or Media Type's
``example`` keeps its 3.0 meaning, which 3.1 shares), found by walking the places OpenAPI
puts schemas; ``x-`` extensions are left alone. The walk is copy-on-write: an untouched
subtree is the very same object in the result, so normalising a large document costs one
pass and memory only for what changed. Nodes shared through YAML aliases are rewritten once.
A 3.1 document (or anything that is not 3.0.x) is returned as is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp

__all__ = ["TARGET_VERSION", "is_openapi_30", "normalise"]

TARGET_VERSION = "3.1.0"

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keywords that describe a schema rather than constrain it: they stay on the outer schema
# when a nullable one is wrapped in ``anyOf``, so docs and defaults read the same.
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "readOnly", "writeOnly", "deprecated"}
)

_Walk = Callable[[Any, "_Context"], Any]


class _Bad(Exception):
    """A 3.0 keyword with an impossible value; carries the reversed pointer tokens."""

    def __init__(self, message: str, tokens: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.tokens = tokens


class _Context:
    """Memo of rewritten nodes, keyed by identity, so YAML aliases cost one walk."""

    def __init__(self) -> None:
        self.done: dict[int, Any] = {}
        self.active: set[int] = set()


def is_openapi_30(raw: dict[str, Any]) -> bool:
    """Whether ``raw`` declares an OpenAPI 3.0.x version."""
    version = raw.get("openapi")
    return isinstance(version, str) and (version == "3.0" or version.startswith("3.0."))


def normalise(raw: dict[str, Any], display: str) -> dict[str, Any]:
    """``raw`` in the OpenAPI 3.1 dialect; ``raw`` itself when it is not OpenAPI 3.0.x.

    Args:
        raw: a parsed OpenAPI document (not modified).
        display: the file name used in errors.

    Raises:
        SpecError: a 3.0 keyword has a value 3.0 does not allow (``nullable: "yes"``), or
            the document is nested too deeply or refers to itself through YAML aliases.

    Example:
        >>> doc = {"openapi": "3.0.3", "components": {"schemas": {"N": {
        ...     "type": "integer", "nullable": True}}}}
        >>> normalise(doc, "a.yaml")["components"]["schemas"]["N"]
        {'type': ['integer', 'null']}
    """
    if not is_openapi_30(raw):
        return raw
    try:
        out: dict[str, Any] = _fields(
            raw,
            _Context(),
            {
                "paths": _each(_path_item, extensible=True),
                "components": _components,
            },
        )
    except _Bad as bad:
        raise SpecError(display, jp.join("", *reversed(bad.tokens)), bad.message) from None
    except RecursionError:
        raise SpecError(display, "", "the document is nested too deeply to read") from None
    if out is raw:
        out = dict(raw)
    out["openapi"] = TARGET_VERSION
    return out


# -- copy-on-write helpers --------------------------------------------------------------


def _guard(key: str | int, walk: _Walk, node: Any, ctx: _Context) -> Any:
    try:
        return walk(node, ctx)
    except _Bad as bad:
        bad.tokens.append(str(key))
        raise


def _fields(node: Any, ctx: _Context, walks: dict[str, _Walk]) -> Any:
    """``node`` with the named fields walked; the same object when none changed."""
    if not isinstance(node, dict) or "$ref" in node:
        return node  # a Reference Object: its target is walked where it is defined
    changed: dict[str, Any] = {}
    for key, walk in walks.items():
        if key in node:
            value = node[key]
            new = _guard(key, walk, value, ctx)
            if new is not value:
                changed[key] = new
    return {**node, **changed} if changed else node


def _each(walk: _Walk, *, extensible: bool = False) -> _Walk:
    """A walk applying ``walk`` to every value of a mapping.

    ``extensible`` maps (Paths, Responses, Callback Objects) may hold ``x-`` extensions,
    which are left alone; in the others (``properties``, ``headers``...) ``x-`` is a name.
    """

    def each(node: Any, ctx: _Context) -> Any:
        if not isinstance(node, dict):
            return node
        changed: dict[str, Any] = {}
        for key, value in node.items():
            if extensible and isinstance(key, str) and key.startswith("x-"):
                continue
            new = _guard(key, walk, value, ctx)
            if new is not value:
                changed[key] = new
        return {**node, **changed} if changed else node

    return each


def _items(walk: _Walk) -> _Walk:
    """A walk applying ``walk`` to every item of a list."""

    def items(node: Any, ctx: _Context) -> Any:
        if not isinstance(node, list):
            return node
        out = None
        for i, value in enumerate(node):
            new = _guard(i, walk, value, ctx)
            if new is not value:
                if out is None:
                    out = list(node)
                out[i] = new
        return node if out is None else out

    return items


# -- where OpenAPI 3.0 puts schemas ----------------------------------------------------------


def _components(node: Any, ctx: _Context) -> Any:
    return _fields(
        node,
        ctx,
        {
            "schemas": _each(_schema),
            "responses": _each(_response),
            "parameters": _each(_parameter),
            "requestBodies": _each(_request_body),
            "headers": _each(_parameter),
            "callbacks": _each(_each(_path_item, extensible=True)),
        },
    )


def _path_item(node: Any, ctx: _Context) -> Any:
    walks: dict[str, _Walk] = {"parameters": _items(_parameter)}
    walks.update(dict.fromkeys(_METHODS, _operation))
    return _fields(node, ctx, walks)


def _operation(node: Any, ctx: _Context) -> Any:
    return _fields(
        node,
        ctx,
        {
            "parameters": _items(_parameter),
            "requestBody": _request_body,
            "responses": _each(_response, extensible=True),
            "callbacks": _each(_each(_path_item, extensible=True)),
        },
    )


def _parameter(node: Any, ctx: _Context) -> Any:
    """A Parameter or Header Object: a ``schema``, or a ``content`` map."""
    return _fields(node, ctx, {"schema": _schema, "content": _each(_media_type)})


def _request_body(node: Any, ctx: _Context) -> Any:
    return _fields(node, ctx, {"content": _each(_media_type)})


def _response(node: Any, ctx: _Context) -> Any:
    return _fields(node, ctx, {"headers": _each(_parameter), "content": _each(_media_type)})


def _media_type(node: Any, ctx: _Context) -> Any:
    return _fields(node, ctx, {"schema": _schema, "encoding": _each(_encoding)})


def _encoding(node: Any, ctx: _Context) -> Any:
    return _fields(node, ctx, {"headers": _each(_parameter)})


# -- the Schema Object -------------------------------------------------------------------


def _additional(node: Any, ctx: _Context) -> Any:
    return _schema(node, ctx) if isinstance(node, dict) else node


_SUBSCHEMAS: dict[str, _Walk] = {}  # filled below: the walks refer to _schema itself


def _schema(node: Any, ctx: _Context) -> Any:
    if not isinstance(node, dict):
        return node
    key = id(node)
    if key in ctx.done:
        return ctx.done[key]
    if key in ctx.active:
        raise _Bad("the schema contains itself (a recursive YAML alias)", [])
    ctx.active.add(key)
    try:
        out = _rewrite(_fields(node, ctx, _SUBSCHEMAS))
    finally:
        ctx.active.discard(key)
    ctx.done[key] = out
    return out


_SUBSCHEMAS.update(
    {
        "properties": _each(_schema),
        "items": _schema,
        "additionalProperties": _additional,
        "not": _schema,
        "allOf": _items(_schema),
        "anyOf": _items(_schema),
        "oneOf": _items(_schema),
    }
)


def _rewrite(node: dict[str, Any]) -> dict[str, Any]:
    """One schema's own 3.0 keywords in 3.1 form (its subschemas are already done)."""
    if not ("nullable" in node or "example" in node or _has_bool_bound(node)):
        return node
    out = dict(node)
    if "example" in out:
        example = out.pop("example")
        out.setdefault("examples", [example])
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = out.get(flag)
        if isinstance(value, bool):
            del out[flag]
            if value and bound in out:
                out[flag] = out.pop(bound)
    if "nullable" in out:
        nullable = out.pop("nullable")
        if not isinstance(nullable, bool):
            raise _Bad(f"nullable must be true or false, not {nullable!r}", ["nullable"])
        if nullable:
            out = _nullable(out)
    return out


def _has_bool_bound(node: dict[str, Any]) -> bool:
    return isinstance(node.get("exclusiveMinimum"), bool) or isinstance(
        node.get("exclusiveMaximum"), bool
    )


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` also accepting ``null``."""
    kind = node.get("type")
    if isinstance(kind, str) and not _composed(node):
        node["type"] = [kind, "null"]
        _enum_with_null(node)
        return node
    if isinstance(kind, list) and not _composed(node):
        if "null" not in kind:
            node["type"] = [*kind, "null"]
        _enum_with_null(node)
        return node
    if kind is None and not _composed(node):
        if "enum" in node:
            _enum_with_null(node)
        return node  # no type: every value, null included, is already allowed
    outer = {k: v for k, v in node.items() if k in _ANNOTATIONS}
    inner = {k: v for k, v in node.items() if k not in _ANNOTATIONS}
    return {"anyOf": [inner, {"type": "null"}], **outer}


def _composed(node: dict[str, Any]) -> bool:
    return "$ref" in node or "allOf" in node or "anyOf" in node or "oneOf" in node


def _enum_with_null(node: dict[str, Any]) -> None:
    enum = node.get("enum")
    if isinstance(enum, list) and None not in enum:
        node["enum"] = [*enum, None]
