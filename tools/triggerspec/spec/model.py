"""The contract model: one typed description of each API, built in one parse step.

Every tool (lint, codegen, mock, fuzz, drift, diff) reads these values instead of walking
the raw OpenAPI document its own way, so each rule is stated once and enforced the same way
everywhere. Schemas are kept fully dereferenced (plain JSON Schema dicts) for the libraries
that want them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from triggerspec.errors import SpecError
from triggerspec.runtime.envelope import Envelope
from triggerspec.spec import pointer as jp
from triggerspec.spec.auth_errors import AuthErrors, parse_auth_errors
from triggerspec.spec.envelope import parse_envelope
from triggerspec.spec.load import SpecDocument, load_spec
from triggerspec.spec.rules import Rule, find_rules
from triggerspec.spec.security import SecurityScheme, parse_schemes
from triggerspec.spec.servers import parse_servers
from triggerspec.spec.stateful import Stateful, parse_stateful
from triggerspec.spec.validate import SchemaValidator

__all__ = [
    "Api",
    "Body",
    "Detail",
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


MediaKind = Literal["json", "form", "multipart", "text", "binary"]


def media_kind(media_type: str) -> MediaKind:
    """How a media type travels: JSON (``application/json``, ``+json``), a urlencoded or
    multipart form, text (``text/*``), or anything else as bytes."""
    base = media_type.split(";", 1)[0].strip().lower()
    if base == "application/json" or base.endswith("+json"):
        return "json"
    if base == "application/x-www-form-urlencoded":
        return "form"
    if base == "multipart/form-data":
        return "multipart"
    if base.startswith("text/"):
        return "text"
    return "binary"


@dataclass(frozen=True)
class Media:
    """One media type of a request body: its schema, form parts and examples."""

    media_type: str
    schema: dict[str, Any]
    pointer: str
    parts: tuple[Part, ...] = ()
    examples: tuple[Example, ...] = ()

    @cached_property
    def kind(self) -> MediaKind:
        return media_kind(self.media_type)


@dataclass(frozen=True)
class Body:
    """A request body: JSON, a form, or a multipart form whose parts are listed.

    A body the spec offers in several media types keeps them all in ``alternatives``
    (JSON first when offered, then in the spec's order); the fields above describe that
    first, primary one, which clients send by default.
    """

    media_type: str
    schema: dict[str, Any]
    required: bool
    pointer: str
    parts: tuple[Part, ...] = ()
    examples: tuple[Example, ...] = ()
    alternatives: tuple[Media, ...] = ()

    @property
    def is_multipart(self) -> bool:
        return self.media_type == "multipart/form-data"

    @property
    def kind(self) -> MediaKind:
        return media_kind(self.media_type)

    @property
    def media_types(self) -> tuple[str, ...]:
        return tuple(m.media_type for m in self.alternatives) or (self.media_type,)

    @cached_property
    def primary(self) -> Media:
        """The primary media type as a :class:`Media` (the one a body offered in a single
        media type has, where ``alternatives`` is empty)."""
        return Media(self.media_type, self.schema, self.pointer, self.parts, self.examples)

    def media(self, content_type: str | None) -> Media | None:
        """The alternative a ``Content-Type`` selects (parameters ignored), or ``None``."""
        base = (content_type or "").split(";", 1)[0].strip().lower()
        return next((m for m in self.alternatives if m.media_type.lower() == base), None)


@dataclass(frozen=True)
class Response:
    """One documented response: a status (``200``, ``4XX``, ``default``) and its body.

    ``media_type`` is ``None`` for a response without a body (a 204); ``schema`` is the
    JSON schema when the body is JSON. ``when`` (``x-when``) is a JSON Schema the request
    body must match for a server to choose this success response among several.
    """

    status: str
    description: str
    schema: dict[str, Any] | None
    pointer: str
    examples: tuple[Example, ...] = ()
    media_type: str | None = "application/json"
    when: dict[str, Any] | None = None

    @property
    def is_success(self) -> bool:
        return self.status.startswith("2")

    @cached_property
    def kind(self) -> Literal["none", "json", "text", "binary"]:
        """What the body is: none, JSON, text or bytes (forms are read as bytes)."""
        if self.media_type is None:
            return "none"
        kind = media_kind(self.media_type)
        return kind if kind in ("json", "text") else "binary"


@dataclass(frozen=True)
class Detail:
    """The parts of an operation read through its ``$ref``s: parameters, body, responses
    and the body's cross-field rules (built on first use, see :class:`Operation`)."""

    parameters: tuple[Parameter, ...]
    body: Body | None
    responses: tuple[Response, ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Operation:
    """One API operation and every fact the tools need about it.

    The facts written on the operation itself (id, method, path, security, ``x-``
    declarations) are read when the spec is parsed. Its parameters, body and responses,
    which follow ``$ref``s into the components, are read on first use (:attr:`detail`), so
    a mock or fuzz of a few operations of a large document never reads the rest;
    :func:`parse_api` reads them all unless asked to be lazy. A part that cannot be read
    raises :class:`~triggerspec.errors.SpecError` naming its file and pointer, each time
    it is asked for.
    """

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
    security: tuple[tuple[str, ...], ...]
    pointer: str
    read_detail: Callable[[], Detail] = field(repr=False, compare=False)
    stateful: Stateful = field(default_factory=Stateful)
    """``x-dedup``, ``x-upsert``, ``x-missing-target`` (none: generic stateful answers)."""
    body_media_types: tuple[str, ...] = ()
    """The request body's media types as written (read without following its schemas)."""

    @cached_property
    def detail(self) -> Detail:
        """Parameters, body, responses and rules, read once (``SpecError`` when broken)."""
        return self.read_detail()

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return self.detail.parameters

    @property
    def body(self) -> Body | None:
        return self.detail.body

    @property
    def responses(self) -> tuple[Response, ...]:
        return self.detail.responses

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.detail.rules

    @property
    def path_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "path")

    @cached_property
    def successes(self) -> tuple[Response, ...]:
        """Every documented 2xx response, in status order; an operation that only redirects
        (a download answered 302) has its 3xx responses here instead."""
        found = [r for r in self.responses if r.is_success]
        found = found or [r for r in self.responses if r.status.startswith("3")]
        return tuple(sorted(found, key=lambda r: r.status))

    @cached_property
    def success(self) -> Response:
        """The primary 2xx response: the first without an ``x-when`` condition (else the
        first). It is what a server answers when no condition of another one holds."""
        found = self.successes
        return next((r for r in found if r.when is None), found[0])

    def success_for(self, body: Any) -> Response:
        """The 2xx a server answers to a valid request with ``body`` (``None``: no body).

        The first success response (in status order) whose ``x-when`` schema the body
        matches; else the primary one. A request without a body meets no condition. Mock
        and fuzz checks read this one rule.
        """
        if body is None:
            return self.success
        for response in self.successes:
            if response.when is not None and _when(response.when).is_valid(body):
                return response
        return self.success

    @property
    def error_responses(self) -> tuple[Response, ...]:
        return tuple(r for r in self.responses if not r.is_success)

    def response_for(self, status: int) -> Response | None:
        """The documented response covering ``status``: exact, its class (``4XX``), else
        ``default``."""
        by_key = {r.status.upper(): r for r in self.responses}
        key = str(status)
        return by_key.get(key) or by_key.get(f"{key[0]}XX") or by_key.get("DEFAULT")


_WHEN: dict[str, SchemaValidator] = {}


def _when(schema: dict[str, Any]) -> SchemaValidator:
    """The compiled validator of one ``x-when`` schema (compiled once per process)."""
    key = json.dumps(schema, sort_keys=True, default=str)
    found = _WHEN.get(key)
    if found is None:
        found = _WHEN[key] = SchemaValidator(schema)
    return found


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
    auth_errors: AuthErrors = field(default_factory=AuthErrors)
    """What the API answers to a missing, malformed, wrong or unpermitted credential."""
    base_url_env: tuple[str, ...] = ()
    """Environment variables that replace the first server in clients (``x-env`` on it, or
    derived ``<API>_BASE_URL``; spec/servers.py)."""

    @property
    def base_url(self) -> str:
        return self.servers[0]

    @property
    def has_absolute_server(self) -> bool:
        """Whether the first server is an absolute URL (``/``, where a spec lists none, is
        not: its clients need a base URL given)."""
        return "://" in self.base_url

    @property
    def base_path(self) -> str:
        """The path part of the vendor base URL (``/client/v4`` for Cloudflare)."""
        url = self.base_url
        rest = url.split("://", 1)[-1]
        return ("/" + rest.split("/", 1)[1]).rstrip("/") if "/" in rest else ""


def parse_api(doc: SpecDocument, *, lazy: bool = False) -> Api:
    """Parse one loaded spec into the contract model.

    With ``lazy``, each operation's parameters, body and responses are read on first use
    (a mock or fuzz of a few operations of a whole vendor API reads only those); otherwise
    every one is read now, and the first that is broken raises.

    Raises:
        SpecError: a fact the tools rely on is missing or malformed (file and pointer named).
    """
    try:
        api = _parse_api(doc)
        if not lazy:
            for op in api.operations:
                op.detail  # noqa: B018 - read now: the first broken operation raises
        return api
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
    auth_errors = parse_auth_errors(info.get("x-auth-errors"), doc.display)
    servers, base_url_env = parse_servers(raw, doc.path.stem, doc.display)
    schemes = parse_schemes(raw, doc.path.stem, doc.display)
    root_security = raw.get("security", [])
    operations: list[Operation] = []
    for path, item in (raw.get("paths") or {}).items():
        item_ptr = jp.join("/paths", path)
        item = doc.follow(item, item_ptr) if isinstance(item, dict) else {}
        for method in HTTP_METHODS:
            if method in item:
                operations.append(
                    _parse_operation(doc, path, method, item, root_security, item_ptr)
                )
    return Api(
        name=doc.path.stem,
        title=str(info.get("title", doc.path.stem)),
        envelope=envelope,
        servers=servers,
        schemes=schemes,
        operations=tuple(sorted(operations, key=lambda o: o.operation_id)),
        document=doc,
        auth_errors=auth_errors,
        base_url_env=base_url_env,
    )


def load_api(path: Path, display: str | None = None, *, lazy: bool = False) -> Api:
    """Load and parse one spec file (``lazy``: see :func:`parse_api`)."""
    return parse_api(load_spec(path, display), lazy=lazy)


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
    item: dict[str, Any],
    root_security: list[dict[str, Any]],
    item_ptr: str,
) -> Operation:
    """The operation's own facts now; its parts that follow ``$ref``s on first use."""
    at = jp.join(item_ptr, method)
    op = item[method]
    if not isinstance(op, dict):
        raise SpecError(doc.display, at, "an operation must be a mapping")
    op_id = op.get("operationId")
    if not op_id:
        raise SpecError(doc.display, at, "operationId is missing")

    def read_detail() -> Detail:
        try:
            return _parse_detail(doc, op, item, at, item_ptr)
        except SpecError as exc:
            raise doc.relocate(exc) from None
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
            raise SpecError(
                doc.display,
                at,
                f"not a well-formed operation ({type(exc).__name__}: {exc}); "
                "run `triggerspec lint` for the exact place",
            ) from None

    security = tuple(tuple(sorted(req)) for req in op.get("security", root_security))
    return Operation(
        api_name=doc.path.stem,
        operation_id=str(op_id),
        method=method.upper(),
        path=path,
        summary=str(op.get("summary", "")),
        description=str(op.get("description", "")),
        deprecated=bool(op.get("deprecated", False)),
        replaced_by=op.get("x-replaced-by"),
        side_effects=op.get("x-side-effects", "none"),
        retry_safe=op.get("x-retry-safe", "never-sent"),
        security=security,
        pointer=at,
        read_detail=read_detail,
        stateful=parse_stateful(op, doc.display, at),
        body_media_types=_media_types(doc, op.get("requestBody"), jp.join(at, "requestBody")),
    )


def _media_types(doc: SpecDocument, body: Any, at: str) -> tuple[str, ...]:
    """The media types of a request body, following only the body's own ``$ref``."""
    try:
        body = doc.follow(body, at)
    except SpecError:
        return ()  # reported when the body is read
    content = body.get("content") if isinstance(body, dict) else None
    return tuple(str(m) for m in content) if isinstance(content, dict) else ()


def _parse_detail(
    doc: SpecDocument, raw_op: dict[str, Any], item: dict[str, Any], at: str, item_ptr: str
) -> Detail:
    op = doc.deref(raw_op, at)
    shared_params = doc.deref(item.get("parameters", []), jp.join(item_ptr, "parameters"))
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
    if not any(r.status[:1] in ("2", "3") for r in responses):
        raise SpecError(
            doc.display, jp.join(at, "responses"), "at least one 2xx or 3xx response is required"
        )
    two_xx = [r for r in responses if r.is_success]
    if two_xx and all(r.when is not None for r in two_xx):
        raise SpecError(
            doc.display,
            jp.join(at, "responses"),
            "x-when: one 2xx response must have no condition (the answer when none holds)",
        )
    rules = find_rules(body.schema, "") if body else ()
    return Detail(tuple(params.values()), body, responses, tuple(rules))


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
    if not content:
        raise SpecError(doc.display, jp.join(at, "content"), "at least one media type is needed")
    # JSON first (what clients send by default), then the spec's order.
    ordered = sorted(content.items(), key=lambda item: media_kind(item[0]) != "json")
    alternatives = tuple(
        _parse_media(media_type, media or {}, jp.join(at, "content", media_type))
        for media_type, media in ordered
    )
    primary = alternatives[0]
    return Body(
        media_type=primary.media_type,
        schema=primary.schema,
        required=bool(body.get("required", False)),
        pointer=primary.pointer,
        parts=primary.parts,
        examples=primary.examples,
        alternatives=alternatives,
    )


def _parse_media(media_type: str, media: dict[str, Any], at: str) -> Media:
    schema = media.get("schema") or {}
    parts: list[Part] = []
    if media_kind(media_type) == "multipart":
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
    return Media(media_type, schema, at, tuple(parts), _examples(media, at))


def _parse_response(status: str, resp: dict[str, Any], at: str) -> Response:
    content = resp.get("content") or {}
    # JSON when the response offers it, else its first media type; none: no body.
    media_type = next((m for m in content if media_kind(m) == "json"), next(iter(content), None))
    media = content.get(media_type) or {} if media_type is not None else {}
    media_at = jp.join(at, "content", media_type or "application/json")
    when = resp.get("x-when")
    return Response(
        status=str(status),
        description=str(resp.get("description", "")),
        schema=media.get("schema") if media_type and media_kind(media_type) == "json" else None,
        pointer=media_at,
        examples=_examples(media, media_at),
        media_type=media_type,
        when=when if isinstance(when, dict) else None,
    )


def parse_operation(doc: SpecDocument, path: str, method: str) -> Operation:
    """One operation of any loaded document, a vendor's own included (no ``x-`` facts needed).

    Raises:
        SpecError: the operation is missing or malformed (file and pointer named).
    """
    item_ptr = jp.join("/paths", path)
    item = (doc.raw.get("paths") or {}).get(path)
    item = doc.follow(item, item_ptr) if isinstance(item, dict) else {}
    if not isinstance(item.get(method), dict):
        raise SpecError(doc.display, item_ptr, f"no {method.upper()} operation")
    try:
        op = _parse_operation(doc, path, method, item, doc.raw.get("security", []), item_ptr)
        op.detail  # noqa: B018 - read now: a broken operation raises here
        return op
    except SpecError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        at = jp.join(item_ptr, method)
        raise SpecError(doc.display, at, f"not a well-formed operation ({exc!r})") from None
