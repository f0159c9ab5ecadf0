"""The datamodel-code-generator stage: pydantic v2 models for one spec.

The stage's options live in ``[tool.datamodel-codegen]`` in the project's pyproject.toml.
Before generating, the spec is given one transformation, the *models view*: enums that
responses use are made open (their class derives from ``OpenStrEnum``, via our copy of the
Enum template), so a new value from the vendor parses; an enum that requests use too gets a
strict twin, ``<Name>Input``, for the request side. Inline response enums are hoisted into
named components (``Stage`` ``status`` becomes ``StageStatus``) so their classes read well.

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
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from triggerspec.codegen import escape
from triggerspec.errors import SpecError
from triggerspec.spec.model import HTTP_METHODS, Api, media_kind
from triggerspec.spec.naming import ClassName

TEMPLATES = Path(__file__).parent / "templates" / "datamodel"
_REF = "#/components/schemas/"


FORCED: dict[str, Any] = {
    "snake_case_field": True,
    "base_class": "triggerspec.runtime.model.WireModel",
}
"""Options the runtime and the client stage rely on, whatever the project sets: snake_case
fields aliased to their wire names, on a base that validates by either name, serialises by
alias and keeps unset fields out of reprs (:mod:`triggerspec.runtime.model`)."""


def attribute(wire: str) -> str:
    """The model attribute datamodel-code-generator writes for the wire name ``wire``
    (the same resolver and options as the models stage)."""
    from datamodel_code_generator.reference import FieldNameResolver

    return FieldNameResolver(snake_case_field=FORCED["snake_case_field"]).get_valid_name(wire)


def load_options(pyproject: Path) -> dict[str, Any]:
    """The ``[tool.datamodel-codegen]`` options, as keyword arguments of ``generate``."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    table = data.get("tool", {}).get("datamodel-codegen", {})
    return {key.replace("-", "_"): value for key, value in table.items()}


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

    def _unique(self, name: str) -> str:
        taken = {ClassName(n) for n in self.schemas}
        candidate, n = name, 1
        while ClassName(candidate) in taken:
            n += 1
            candidate = f"{name}{n}"
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
            for method in HTTP_METHODS:
                op = (item or {}).get(method)
                if not isinstance(op, dict):
                    continue
                if side == "request":
                    yield from (op.get("requestBody") or {}).get("content", {}).values()
                else:
                    for resp in (op.get("responses") or {}).values():
                        if isinstance(resp, dict) and "$ref" in resp:
                            resp = self.raw["components"]["responses"][
                                resp["$ref"].rsplit("/", 1)[1]
                            ]
                        yield from (resp or {}).get("content", {}).values()

    def is_enum(self, node: Any) -> bool:
        return (
            isinstance(node, dict) and isinstance(node.get("enum"), list) and len(node["enum"]) >= 1
        )

    def open_response_enums(self) -> None:
        requests = self.reachable(list(self.roots("request")))
        responses = self.reachable(list(self.roots("response")))
        for name in sorted(requests & responses):
            if self.is_enum(self.schemas[name]):
                self.schemas[f"{name}Input"] = copy.deepcopy(self.schemas[name])
        for name in sorted(requests):
            self._redirect_shared(self.schemas[name], requests & responses)
        for root in self.roots("request"):
            self._redirect_shared(root, requests & responses)
        for name in sorted(responses - requests):
            schema = self.schemas[name]
            if self.is_enum(schema):
                self.open.add(name)
            else:
                self._hoist(name, schema)
        for name in sorted(requests & responses):
            if self.is_enum(self.schemas[name]):
                self.open.add(name)
            elif self._has_inline_enum(self.schemas[name]):
                raise SpecError(
                    self.display,
                    f"/components/schemas/{name}",
                    "an object with enum fields is used by requests and responses; "
                    "give each side its own schema so response enums can stay open",
                )
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

    def _redirect_shared(self, node: Any, shared: set[str]) -> None:
        if isinstance(node, dict):
            name = self._ref_name(node)
            if name in shared and self.is_enum(self.schemas[name]):
                node["$ref"] = f"{_REF}{name}Input"
            for k, v in node.items():
                if k not in ("examples", "example"):
                    self._redirect_shared(v, shared)
        elif isinstance(node, list):
            for v in node:
                self._redirect_shared(v, shared)

    def _has_inline_enum(self, node: Any) -> bool:
        if not isinstance(node, dict) or self._ref_name(node):
            return False
        return any(
            self.is_enum(p) or self._has_inline_enum(p)
            for p in (node.get("properties") or {}).values()
        )

    def _hoist(self, owner: str, node: Any) -> None:
        """Name the inline enums of a response schema's properties and open them."""
        if not isinstance(node, dict) or self._ref_name(node):
            return
        for prop, sub in (node.get("properties") or {}).items():
            branch = _nullable_branch(sub)
            if self.is_enum(sub) or self.is_enum(branch):
                # A name a component already has gets the next free number, the same rule
                # as inline request and response schemas (document order: deterministic).
                base = name = _pascal(owner, prop)
                number = 2
                while name in self.schemas:
                    name, number = f"{base}{number}", number + 1
                enum = sub if self.is_enum(sub) else branch
                self.schemas[name] = {k: v for k, v in enum.items() if k != "description"}
                ref = {
                    "$ref": f"{_REF}{name}",
                    **({"description": enum["description"]} if "description" in enum else {}),
                }
                if enum is sub:
                    node["properties"][prop] = ref
                else:
                    sub["anyOf"] = [ref, {"type": "null"}]
                self.open.add(name)
            else:
                self._hoist(_pascal(owner, prop), sub)
        for key in ("items", "additionalProperties"):
            self._hoist(owner, node.get(key))
        for key in ("anyOf", "oneOf", "allOf"):
            for branch in node.get(key) or []:
                self._hoist(owner, branch)


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
    named = copy.deepcopy(view.raw)
    view.split_nullable_enums()  # named enums: every reference becomes nullable
    _split_nullable_enums(view.raw.get("paths"))  # inline ones, annotations kept outside
    _split_nullable_enums(view.schemas)
    view.open_response_enums()
    _hide_sensitive(view.raw)
    return view.raw, view.open, named


def _uses_date_time(node: Any) -> bool:
    if isinstance(node, dict):
        return node.get("format") == "date-time" or any(
            _uses_date_time(v) for k, v in node.items() if k not in ("example", "examples")
        )
    if isinstance(node, list):
        return any(_uses_date_time(v) for v in node)
    return False


def generate_models(api: Api, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The models module of one API (unformatted; the pipeline formats the whole tree), and
    the document with its inline schemas named, which the client stage reads."""
    # Imported here, not at the top: it is heavy, and a no-op regen must not pay for it.
    from datamodel_code_generator import generate

    raw, open_enums, named = models_view(api)
    try:
        out = generate(
            raw,
            **{**options, **FORCED},
            custom_template_dir=TEMPLATES,
            field_extra_keys_without_x_prefix={"x-repr"},
            extra_template_data=defaultdict(
                dict, {name: {"open_enum": True} for name in sorted(open_enums)}
            ),
            additional_imports=[
                *(["triggerspec.runtime.enums.OpenStrEnum"] if open_enums else []),
                *(["triggerspec.runtime.formats.DateTime"] if _uses_date_time(raw) else []),
            ]
            or None,
            custom_file_header=(
                f"# Generated by triggerspec from {escape.line(api.document.display)} "
                f"(sha256 {api.document.sha256[:16]}). Do not edit.\n"
                f'"""Pydantic models of {escape.line(api.title)}."""'
            ),
        )
    except Exception as exc:  # the generator's own errors are varied; name the spec
        raise SpecError(
            api.document.display, "", f"datamodel-code-generator failed: {exc}"
        ) from exc
    if not isinstance(out, str):
        raise SpecError(api.document.display, "", "datamodel-code-generator wrote several modules")
    if re.search(r"\bAwareDatetime\b", out):
        # date-time held to RFC 3339, as the validator reads it (triggerspec.runtime.formats).
        out = re.sub(
            r"(from pydantic import [^\n]*?)(\bAwareDatetime, |, AwareDatetime\b)", r"\1", out
        )
        out = re.sub(r"\bAwareDatetime\b", "DateTime", out)
    if "(StrEnum):" not in out:
        # Our Enum template may have swapped every StrEnum base for OpenStrEnum.
        out = out.replace("from enum import StrEnum\n", "")
    return out, named
