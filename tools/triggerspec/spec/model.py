"""The contract model: one typed description of each API, built in one parse step.

Every tool (lint, codegen, mock, fuzz, drift, diff) reads these values instead of walking
the raw OpenAPI document its own way, so each rule is stated once and enforced the same way
everywhere. Schemas are kept fully dereferenced (plain JSON Schema dicts) for the libraries
that want them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from triggerspec.errors import SpecError
from triggerspec.runtime.envelope import Envelope
from triggerspec.spec import pointer as jp
from triggerspec.spec.envelope import parse_envelope
from triggerspec.spec.load import SpecDocument, load_spec
from triggerspec.spec.rules import Rule, find_rules
from triggerspec.spec.security import SecurityScheme, parse_schemes
from triggerspec.spec.stateful import Stateful, parse_stateful

__all__ = [
    "Api",
    "Body",
    "Envelope",
    "Example",
    "Operation",
    "Parameter",
    "Part",
    "Response",
    "SecurityScheme",
    "load_api",
    "parse_api",
]

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SideEffects = Literal["starts-build", "upsert", "none"]
RetrySafety = Literal["never-sent", "idempotent"]


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    description: str = ""
    example: Any = None


@dataclass(frozen=True)
class Part:
    """One multipart form field: a text part or a file part."""

    name: str
    schema: dict[str, Any]
    is_file: bool
    content_type: str | None
    max_bytes: int | None
    description: str = ""


@dataclass(frozen=True)
class Example:
    """A named example and where it lives in the spec."""

    name: str
    value: Any
    pointer: str
    summary: str = ""


@dataclass(frozen=True)
class Body:
    """A request body: JSON, or a multipart form whose parts are listed."""

    media_type: str
    schema: dict[str, Any]
    required: bool
    pointer: str
    parts: tuple[Part, ...] = ()
    examples: tuple[Example, ...] = ()

    @property
    def is_multipart(self) -> bool:
        return self.media_type == "multipart/form-data"


@dataclass(frozen=True)
class Response:
    """One documented response: a status (``200``, ``4XX``, ``default``) and its body."""

    status: str
    description: str
    schema: dict[str, Any] | None
    pointer: str
    examples: tuple[Example, ...] = ()

    @property
    def is_success(self) -> bool:
        return self.status.startswith("2")


@dataclass(frozen=True)
class Operation:
    """One API operation and every fact the tools need about it."""

    api_name: str
    operation_id: str
    method: str
    path: str
    summary: str
    description: str
    deprecated: bool
    replaced_by: str | None
    side_effects: SideEffects
    retry_safe: RetrySafety
    parameters: tuple[Parameter, ...]
    body: Body | None
    responses: tuple[Response, ...]
    security: tuple[tuple[str, ...], ...]
    rules: tuple[Rule, ...]
    pointer: str
    stateful: Stateful = field(default_factory=Stateful)
    """``x-dedup``, ``x-upsert``, ``x-missing-target`` (none: generic stateful answers)."""

    @property
    def path_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "path")

    @property
    def success(self) -> Response:
        """The documented 2xx response (every operation here has exactly one)."""
        return next(r for r in self.responses if r.is_success)

    @property
    def error_responses(self) -> tuple[Response, ...]:
        return tuple(r for r in self.responses if not r.is_success)


@dataclass(frozen=True)
class Api:
    """One spec file: a vendor API group with its servers, auth and operations."""

    name: str
    title: str
    envelope: Envelope
    servers: tuple[str, ...]
    schemes: dict[str, SecurityScheme]
    operations: tuple[Operation, ...]
    document: SpecDocument = field(repr=False)

    @property
    def base_url(self) -> str:
        return self.servers[0]

    @property
    def base_path(self) -> str:
        """The path part of the vendor base URL (``/client/v4`` for Cloudflare)."""
        url = self.base_url
        rest = url.split("://", 1)[-1]
        return "/" + rest.split("/", 1)[1].rstrip("/") if "/" in rest else ""


def parse_api(doc: SpecDocument) -> Api:
    """Parse one loaded spec into the contract model.

    Raises:
        SpecError: a fact the tools rely on is missing or malformed (file and pointer named).
    """
    try:
        return _parse_api(doc)
    except SpecError as exc:
        raise doc.relocate(exc) from None
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        # The parse step trusts the OpenAPI shape; lint says exactly where it is broken.
        raise SpecError(
            doc.display,
            "",
            f"not a well-formed OpenAPI document ({type(exc).__name__}: {exc}); "
            "run `triggerspec lint` for the exact place",
        ) from None


def _parse_api(doc: SpecDocument) -> Api:
    raw = doc.raw
    info = raw.get("info") or {}
    envelope = parse_envelope(info.get("x-envelope"), doc.display)
    servers = tuple(s["url"] for s in raw.get("servers", []) if isinstance(s, dict) and "url" in s)
    if not servers:
        raise SpecError(doc.display, "/servers", "at least one server url is required")
    schemes = parse_schemes(raw, doc.path.stem, doc.display)
    root_security = raw.get("security", [])
    operations: list[Operation] = []
    for path, item in (raw.get("paths") or {}).items():
        item_ptr = jp.join("/paths", path)
        item = doc.deref(item, item_ptr) if isinstance(item, dict) else {}
        shared_params = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method in item:
                operations.append(
                    _parse_operation(
                        doc,
                        path,
                        method,
                        item[method],
                        shared_params,
                        root_security,
                        jp.join(item_ptr, method),
                    )
                )
    return Api(
        name=doc.path.stem,
        title=str(info.get("title", doc.path.stem)),
        envelope=envelope,
        servers=servers,
        schemes=schemes,
        operations=tuple(sorted(operations, key=lambda o: o.operation_id)),
        document=doc,
    )


def load_api(path: Path, display: str | None = None) -> Api:
    """Load and parse one spec file."""
    return parse_api(load_spec(path, display))


def _examples(media: dict[str, Any], at: str) -> tuple[Example, ...]:
    out: list[Example] = []
    if "example" in media:
        out.append(Example("example", media["example"], jp.join(at, "example")))
    for name, ex in (media.get("examples") or {}).items():
        if isinstance(ex, dict) and "value" in ex:
            out.append(
                Example(
                    name,
                    ex["value"],
                    jp.join(at, "examples", name, "value"),
                    str(ex.get("summary", "")),
                )
            )
    return tuple(out)


def _parse_operation(
    doc: SpecDocument,
    path: str,
    method: str,
    op: dict[str, Any],
    shared_params: list[dict[str, Any]],
    root_security: list[dict[str, Any]],
    at: str,
) -> Operation:
    op_id = op.get("operationId")
    if not op_id:
        raise SpecError(doc.display, at, "operationId is missing")
    params: dict[tuple[str, str], Parameter] = {}
    for p in [*shared_params, *op.get("parameters", [])]:
        params[(p["name"], p["in"])] = Parameter(
            name=p["name"],
            location=p["in"],
            required=bool(p.get("required", False)),
            schema=_non_empty(p.get("schema", {})) if p["in"] == "path" else p.get("schema", {}),
            description=p.get("description", ""),
            example=p.get("example"),
        )
    body = _parse_body(doc, op.get("requestBody"), jp.join(at, "requestBody"))
    responses = tuple(
        _parse_response(status, resp, jp.join(at, "responses", status))
        for status, resp in (op.get("responses") or {}).items()
    )
    if sum(r.is_success for r in responses) != 1:
        raise SpecError(
            doc.display, jp.join(at, "responses"), "exactly one 2xx response is required"
        )
    security = tuple(tuple(sorted(req)) for req in op.get("security", root_security))
    side_effects = op.get("x-side-effects", "none")
    retry_safe = op.get("x-retry-safe", "never-sent")
    rules = find_rules(body.schema, "") if body else ()
    return Operation(
        api_name=doc.path.stem,
        operation_id=str(op_id),
        method=method.upper(),
        path=path,
        summary=str(op.get("summary", "")),
        description=str(op.get("description", "")),
        deprecated=bool(op.get("deprecated", False)),
        replaced_by=op.get("x-replaced-by"),
        side_effects=side_effects,
        retry_safe=retry_safe,
        parameters=tuple(params.values()),
        body=body,
        responses=responses,
        security=security,
        rules=tuple(rules),
        pointer=at,
        stateful=parse_stateful(op, doc.display, at),
    )


def _non_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """A path parameter's schema: a path segment is never empty, whatever the spec omits."""
    kind = schema.get("type")
    if (kind == "string" or (isinstance(kind, list) and "string" in kind)) and not schema.get(
        "minLength"
    ):
        return {**schema, "minLength": 1}
    return schema


def _parse_body(doc: SpecDocument, body: dict[str, Any] | None, at: str) -> Body | None:
    if not body:
        return None
    content = body.get("content") or {}
    if len(content) != 1:
        raise SpecError(doc.display, jp.join(at, "content"), "exactly one media type is supported")
    media_type, media = next(iter(content.items()))
    media_at = jp.join(at, "content", media_type)
    schema = media.get("schema") or {}
    parts: list[Part] = []
    if media_type == "multipart/form-data":
        encoding = media.get("encoding") or {}
        for name, prop in (schema.get("properties") or {}).items():
            parts.append(
                Part(
                    name=name,
                    schema=prop,
                    is_file=prop.get("format") == "binary",
                    content_type=(encoding.get(name) or {}).get("contentType"),
                    max_bytes=prop.get("x-max-bytes"),
                    description=str(prop.get("description", "")),
                )
            )
    return Body(
        media_type=media_type,
        schema=schema,
        required=bool(body.get("required", False)),
        pointer=media_at,
        parts=tuple(parts),
        examples=_examples(media, media_at),
    )


def _parse_response(status: str, resp: dict[str, Any], at: str) -> Response:
    content = resp.get("content") or {}
    media = content.get("application/json") or {}
    return Response(
        status=str(status),
        description=str(resp.get("description", "")),
        schema=media.get("schema"),
        pointer=jp.join(at, "content", "application/json"),
        examples=_examples(media, jp.join(at, "content", "application/json")),
    )


def parse_operation(doc: SpecDocument, path: str, method: str) -> Operation:
    """One operation of any loaded document, a vendor's own included (no ``x-`` facts needed).

    Raises:
        SpecError: the operation is missing or malformed (file and pointer named).
    """
    item_ptr = jp.join("/paths", path)
    item = (doc.raw.get("paths") or {}).get(path)
    item = doc.deref(item, item_ptr) if isinstance(item, dict) else {}
    if not isinstance(item.get(method), dict):
        raise SpecError(doc.display, item_ptr, f"no {method.upper()} operation")
    at = jp.join(item_ptr, method)
    try:
        return _parse_operation(
            doc,
            path,
            method,
            item[method],
            item.get("parameters", []),
            doc.raw.get("security", []),
            at,
        )
    except SpecError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        raise SpecError(doc.display, at, f"not a well-formed operation ({exc!r})") from None
