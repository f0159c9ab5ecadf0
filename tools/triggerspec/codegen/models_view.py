"""The *models view*: the spec as datamodel-code-generator is given it.

Enums that responses use are made open (their class derives from ``OpenStrEnum``, via our
copy of the Enum template), so a new value from the vendor parses. A schema that requests
use too and that reaches an enum (an enum itself, or an object holding one anywhere,
directly or through references) gets a strict twin, ``<Name>Input`` (the next free number
when that name is taken), which the request side refers to. Inline response enums are
hoisted into named components (``Stage`` ``status`` becomes ``StageStatus``) so their
classes read well.

Before that, every inline request or response schema (one that is not a ``$ref`` to a named
component) is given a name, so models and clients can refer to it: a request body is
``{OperationId}Request``, a response ``{OperationId}Response{Status}`` (``default`` reads
``Default``), a shared response component its own name. A name already taken (compared as
the class name it becomes) gets the first free numeric suffix (``...Request2``); operations
are visited in the document's order, so the names are deterministic. Other media types of
one body whose schema equals the primary's share its name; a different one is
``{OperationId}Request{Kind}`` (``Form``, ``Multipart``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from triggerspec.spec.model import HTTP_METHODS, Api, media_kind
from triggerspec.spec.naming import ClassName

__all__ = ["models_view"]

_REF = "#/components/schemas/"


def _pascal(*words: str) -> str:
    return "".join(
        w[:1].upper() + w[1:] for part in words for w in re.split(r"[^A-Za-z0-9]+", part) if w
    )


class _View:
    def __init__(self, raw: dict[str, Any], display: str) -> None:
        self.raw = copy.deepcopy(raw)
        self.display = display
        self.schemas: dict[str, Any] = self.raw.setdefault("components", {}).setdefault(
            "schemas", {}
        )
        self.open: set[str] = set()
        self._taken = {ClassName(n) for n in self.schemas}

    def _unique(self, name: str) -> str:
        """``name``, or the first free ``name2``, ``name3``... (compared as class names); the
        caller adds the schema under it."""
        candidate, n = name, 1
        while ClassName(candidate) in self._taken:
            n += 1
            candidate = f"{name}{n}"
        self._taken.add(ClassName(candidate))
        return candidate

    def _follow(self, node: Any) -> Any:
        """A ``#/components/...`` reference followed to its target (the node itself else)."""
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not (isinstance(ref, str) and ref.startswith("#/components/")):
            return node
        _, _, kind, name = ref.split("/", 3)
        return ((self.raw.get("components") or {}).get(kind) or {}).get(name, node)

    def _name_schema(self, media: Any, name: str) -> str | None:
        """Move an inline schema into components under a fresh name; the name (or the
        existing one)."""
        if not isinstance(media, dict) or not isinstance(media.get("schema"), dict):
            return None
        schema = media["schema"]
        existing = self._ref_name(schema)
        if existing is not None:
            return existing
        if not schema:
            return None
        chosen = self._unique(name)
        self.schemas[chosen] = schema
        media["schema"] = {"$ref": f"{_REF}{chosen}"}
        return chosen

    def name_inline(self) -> None:
        """Name every inline request and response schema (see the module docstring)."""
        for item in (self.raw.get("paths") or {}).values():
            item = self._follow(item)
            for method in HTTP_METHODS:
                op = item.get(method) if isinstance(item, dict) else None
                if not isinstance(op, dict) or not op.get("operationId"):
                    continue
                base = ClassName(str(op["operationId"]))
                body = op.get("requestBody")
                body = self._follow(body)
                content = (body or {}).get("content") or {} if isinstance(body, dict) else {}
                primary_schema: Any = None
                primary: str | None = None
                for media_type, media in sorted(
                    content.items(), key=lambda kv: media_kind(kv[0]) != "json"
                ):
                    if not isinstance(media, dict):
                        continue
                    if primary is not None and media.get("schema") == primary_schema:
                        media["schema"] = {"$ref": f"{_REF}{primary}"}
                        continue
                    inline = copy.deepcopy(media.get("schema"))
                    kind = "" if primary is None else media_kind(media_type).capitalize()
                    named = self._name_schema(media, f"{base}Request{kind}")
                    if primary is None:
                        primary, primary_schema = named, inline
                for status, resp in (op.get("responses") or {}).items():
                    ref = resp.get("$ref") if isinstance(resp, dict) else None
                    target = self._follow(resp)
                    owner = (
                        ClassName(ref.rsplit("/", 1)[1])
                        if isinstance(ref, str)
                        else f"{base}Response{str(status).capitalize()}"
                    )
                    for media_type, media in ((target or {}).get("content") or {}).items():
                        if media_kind(media_type) == "json":
                            self._name_schema(media, owner)

    def _ref_name(self, node: Any) -> str | None:
        ref = node.get("$ref") if isinstance(node, dict) else None
        return ref[len(_REF) :] if isinstance(ref, str) and ref.startswith(_REF) else None

    def reachable(self, roots: list[Any]) -> set[str]:
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                name = self._ref_name(node)
                if name and name not in seen:
                    seen.add(name)
                    stack.append(self.schemas.get(name))
                stack.extend(v for k, v in node.items() if k not in ("examples", "example"))
            elif isinstance(node, list):
                stack.extend(node)
        return seen

    def roots(self, side: str) -> Iterator[Any]:
        for item in (self.raw.get("paths") or {}).values():
            item = self._follow(item)
            for method in HTTP_METHODS:
                op = item.get(method) if isinstance(item, dict) else None
                if not isinstance(op, dict):
                    continue
                if side == "request":
                    body = self._follow(op.get("requestBody"))
                    if isinstance(body, dict):
                        yield from (body.get("content") or {}).values()
                else:
                    for resp in (op.get("responses") or {}).values():
                        resp = self._follow(resp)
                        if isinstance(resp, dict):
                            yield from (resp.get("content") or {}).values()

    def is_enum(self, node: Any) -> bool:
        return (
            isinstance(node, dict) and isinstance(node.get("enum"), list) and len(node["enum"]) >= 1
        )

    def split_shared(self) -> None:
        """Give each schema both sides use that reaches an enum a strict request twin.

        Response enums stay open and request enums strict, so a schema that requests and
        responses share and that reaches an enum (itself, or through properties, items,
        ``allOf``/``anyOf``/``oneOf``, ``additionalProperties`` or a ``$ref``) is copied as
        ``<Name>Input`` (the next free number when that name is taken), and every reference
        on the request side (request bodies, request-only schemas, the twins themselves)
        points at the twin. The original then serves responses only and is opened there.
        """
        requests = self.reachable(list(self.roots("request")))
        shared = requests & self.reachable(list(self.roots("response")))
        refs = {name: self.reachable([self.schemas[name]]) for name in shared}
        marked = {name for name in shared if _has_enum(self.schemas[name])}
        marked |= {name for name in shared if refs[name] & marked}
        if not marked:
            return
        twins = {name: self._unique(f"{name}Input") for name in sorted(marked)}
        for name in sorted(marked):
            self.schemas[twins[name]] = copy.deepcopy(self.schemas[name])
        for name in sorted(requests - shared):
            _redirect(self.schemas[name], twins)
        for name in sorted(marked):
            _redirect(self.schemas[twins[name]], twins)
        for root in self.roots("request"):
            _redirect(root, twins)

    def open_response_enums(self) -> None:
        """Open every enum responses use: named ones, and inline ones once hoisted."""
        requests = self.reachable(list(self.roots("request")))
        responses = self.reachable(list(self.roots("response")))
        for name in sorted(responses - requests):
            schema = self.schemas[name]
            if self.is_enum(schema):
                self.open.add(name)
            else:
                self._hoist(name, schema)
        for resp_root in self.roots("response"):
            self._hoist("Response", resp_root.get("schema"))

    def split_nullable_enums(self) -> None:
        """``enum: [a, b, null]`` as a nullable reference to ``enum: [a, b]``.

        datamodel-code-generator would write the null as a member (``NoneType_None = None``).
        A named enum loses its null, and every reference to it becomes
        ``anyOf: [{$ref}, {type: null}]``; an inline one becomes that ``anyOf`` in place.
        """
        nullable: set[str] = set()
        for name, schema in self.schemas.items():
            if self._drop_null(schema):
                nullable.add(name)
        for name in sorted(self.schemas):
            self.schemas[name] = self._nullable_refs(self.schemas[name], nullable)
        for item in (self.raw.get("paths") or {}).values():
            for method in HTTP_METHODS:
                op = (item or {}).get(method) if isinstance(item, dict) else None
                if isinstance(op, dict):
                    for key in ("requestBody", "responses", "parameters"):
                        if key in op:
                            op[key] = self._nullable_refs(op[key], nullable)
        for kind in ("responses", "requestBodies", "parameters"):
            section = (self.raw.get("components") or {}).get(kind)
            if isinstance(section, dict):
                for name in sorted(section):
                    section[name] = self._nullable_refs(section[name], nullable)

    def _drop_null(self, schema: Any) -> bool:
        if not (self.is_enum(schema) and None in schema["enum"]):
            return False
        schema["enum"] = [v for v in schema["enum"] if v is not None]
        if isinstance(schema.get("type"), list):
            kinds = [t for t in schema["type"] if t != "null"]
            schema["type"] = kinds[0] if len(kinds) == 1 else kinds
        return True

    def _nullable_refs(self, node: Any, nullable: set[str]) -> Any:
        if isinstance(node, list):
            return [self._nullable_refs(v, nullable) for v in node]
        if not isinstance(node, dict):
            return node
        name = self._ref_name(node)
        if name in nullable:
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return {"anyOf": [{"$ref": node["$ref"]}, {"type": "null"}], **siblings}
        if name is None and self._drop_null(node):
            siblings = {k: v for k, v in node.items() if k in ("description", "title")}
            inner = {k: v for k, v in node.items() if k not in siblings}
            return {"anyOf": [inner, {"type": "null"}], **siblings}
        return {
            k: v
            if k in ("examples", "example", "enum", "const")
            else self._nullable_refs(v, nullable)
            for k, v in node.items()
        }

    def _hoist(self, owner: str, node: Any) -> None:
        """Name the inline enums of a response schema and open them: those of its properties
        (``{Owner}{Prop}``), its array items (``{Owner}Item``), its map values
        (``{Owner}Value``) and its ``anyOf``/``oneOf``/``allOf`` branches (``{Owner}``), at
        any depth."""
        if not isinstance(node, dict) or self._ref_name(node):
            return
        for prop, sub in (node.get("properties") or {}).items():
            if not self._open_at(node["properties"], prop, _pascal(owner, prop)):
                self._hoist(_pascal(owner, prop), sub)
        for key, suffix in (("items", "Item"), ("additionalProperties", "Value")):
            if isinstance(node.get(key), dict) and not self._open_at(node, key, owner + suffix):
                self._hoist(owner, node[key])
        for key in ("anyOf", "oneOf", "allOf"):
            branches = node.get(key)
            if isinstance(branches, list):
                for i, branch in enumerate(branches):
                    if not self._open_at(branches, i, owner):
                        self._hoist(owner, branch)

    def _open_at(self, parent: Any, key: Any, base: str) -> bool:
        """Move the enum at ``parent[key]`` (or its non-null branch) into an open component
        named ``base`` (the next free number when a component has that name)."""
        sub = parent[key]
        branch = _nullable_branch(sub)
        if not (self.is_enum(sub) or self.is_enum(branch)):
            return False
        # Document order makes the numbering deterministic, as for inline schemas.
        name, number = base, 2
        while name in self.schemas:
            name, number = f"{base}{number}", number + 1
        enum = sub if self.is_enum(sub) else branch
        self.schemas[name] = {k: v for k, v in enum.items() if k != "description"}
        ref = {
            "$ref": f"{_REF}{name}",
            **({"description": enum["description"]} if "description" in enum else {}),
        }
        if enum is sub:
            parent[key] = ref
        else:
            sub["anyOf"] = [ref, {"type": "null"}]
        self.open.add(name)
        return True


_DATA = ("examples", "example", "default", "enum", "const")
"""Keywords whose values are data, never schemas."""


def _has_enum(node: Any) -> bool:
    """Whether a schema holds an enum anywhere in its own (inline) subschemas."""
    if isinstance(node, list):
        return any(_has_enum(v) for v in node)
    if not isinstance(node, dict):
        return False
    if isinstance(node.get("enum"), list) and node["enum"]:
        return True
    return any(_has_enum(v) for k, v in node.items() if k not in _DATA)


def _redirect(node: Any, twins: dict[str, str]) -> None:
    """Point every reference to a schema in ``twins`` at its twin, in place."""
    if isinstance(node, list):
        for v in node:
            _redirect(v, twins)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF) and ref[len(_REF) :] in twins:
            node["$ref"] = _REF + twins[ref[len(_REF) :]]
        for k, v in node.items():
            if k not in _DATA:
                _redirect(v, twins)


_NOT_STR_FORMATS = frozenset(
    {"uri", "date-time", "date", "time", "duration", "uuid", "ipv4", "ipv6", "binary"}
)
"""String formats whose model type is a class of its own (``AnyUrl``, ``DateTime``...)."""


def _drop_string_defaults(node: Any) -> None:
    """Drop, in place, a string ``default`` whose field is typed by its format as a class.

    The generator writes the default as the string (``url: AnyUrl = ""``), which no type
    checker accepts, whether or not the value is valid (GitHub's ``environment_url`` defaults
    to ``""``, which is not a URI). Without it the field is optional as any other is.
    """
    if isinstance(node, list):
        for item in node:
            _drop_string_defaults(item)
    elif isinstance(node, dict):
        if node.get("format") in _NOT_STR_FORMATS and isinstance(node.get("default"), str):
            del node["default"]
        for key, value in node.items():
            if key not in _DATA:
                _drop_string_defaults(value)


def _hide_sensitive(node: Any) -> None:
    """Give every ``x-sensitive`` field ``x-repr: false``: its model field gets
    ``Field(repr=False)``, so a model's repr never shows a secret (env var, token)."""
    if isinstance(node, dict):
        if node.get("x-sensitive") is True:
            node["x-repr"] = False
        for key, value in node.items():
            if key not in ("examples", "example"):
                _hide_sensitive(value)
    elif isinstance(node, list):
        for value in node:
            _hide_sensitive(value)


_ANNOTATIONS = (
    "title",
    "description",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
)


def _nullable_branch(node: Any) -> Any:
    """The non-null branch of ``anyOf: [X, {type: null}]`` (else ``None``)."""
    branches = node.get("anyOf") if isinstance(node, dict) else None
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        return next(b for b in branches if b != {"type": "null"})
    return None


def _split_nullable_enums(node: Any) -> None:
    """Rewrite, in place, each enum that lists ``null`` as ``anyOf: [<enum>, {type: null}]``.

    datamodel-code-generator would give ``null`` an enum member (``NoneType_None = None``,
    which a string enum cannot hold); ``X | None`` says the same and imports.
    """
    if isinstance(node, list):
        for item in node:
            _split_nullable_enums(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key not in ("example", "examples", "default", "enum", "const"):
            _split_nullable_enums(value)
    enum = node.get("enum")
    if not (isinstance(enum, list) and None in enum):
        return
    values = [v for v in enum if v is not None]
    kind = node.get("type")
    if isinstance(kind, list):
        rest = [t for t in kind if t != "null"]
        kind = rest[0] if len(rest) == 1 else rest
    inner = {k: v for k, v in node.items() if k not in _ANNOTATIONS and k != "type"}
    inner["enum"] = values
    if kind:
        inner["type"] = kind
    outer = {k: v for k, v in node.items() if k in _ANNOTATIONS}
    node.clear()
    node.update({"anyOf": [inner, {"type": "null"}], **outer} if values else {"type": "null"})


def models_view(api: Api) -> tuple[dict[str, Any], set[str], dict[str, Any]]:
    """The spec as datamodel-code-generator should see it, the enums left open, and the
    spec with only its inline schemas named (the client stage's view)."""
    view = _View(api.document.raw, api.document.display)
    view.name_inline()
    view.split_shared()  # the client stage's request arguments name the twins too
    named = copy.deepcopy(view.raw)
    view.split_nullable_enums()  # named enums: every reference becomes nullable
    _split_nullable_enums(view.raw.get("paths"))  # inline ones, annotations kept outside
    _split_nullable_enums(view.schemas)
    view.open_response_enums()
    _hide_sensitive(view.raw)
    _drop_string_defaults(view.raw)
    return view.raw, view.open, named
