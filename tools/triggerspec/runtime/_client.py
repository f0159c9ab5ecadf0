"""The hand-written core every generated client builds on, written and tested once.

A call is three steps. :func:`build_request` checks the arguments against the spec (the
body model, the cross-field rules, path formats) and builds the ``httpx.Request``; nothing is
sent when a rule is broken. The send loop (sync or async, the only part that differs; in
:mod:`triggerspec.runtime._base_client` with the clients' options) sends it and asks
:mod:`triggerspec.runtime.retry` whether to try again. :func:`read_response` turns the answer
into the vendor's typed envelope (read by wire names) or a precise exception.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ValidationError

from triggerspec.runtime import errors, retry
from triggerspec.runtime._types import NOT_GIVEN, FileInput, NotGiven
from triggerspec.runtime.auth import Scheme, Secret, authorize
from triggerspec.runtime.envelope import Envelope
from triggerspec.runtime.model import from_wire
from triggerspec.runtime.rules import Rule, broken_rules

ParsedT = TypeVar("ParsedT")
SuccessTable = Mapping[int | str, Any]
"""Status (``200``, or ``"2XX"``) -> how its body is read: a model class, ``bytes``,
``str``, or ``None`` for a response without a body."""
Timeout = float | httpx.Timeout | None
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)


@dataclass(frozen=True)
class PathParam:
    """A path parameter: its name in the template and its documented constraints."""

    name: str
    format: str | None = None
    types: tuple[str, ...] = ("string",)
    """The JSON types the value may have: ``string`` and/or ``integer``."""
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    """The spec's ECMAScript pattern already rewritten for Python ``re`` (ASCII mode)."""


def _path_problems(param: PathParam, value: str) -> list[str]:
    where = f"path parameter {param.name}"
    if param.min_length is not None and len(value) < param.min_length:
        return [f"{where}: shorter than {param.min_length} characters (minLength)"]
    if param.max_length is not None and len(value) > param.max_length:
        return [f"{where}: longer than {param.max_length} characters (maxLength)"]
    if param.pattern is not None and re.search(param.pattern, value, re.ASCII) is None:
        return [f"{where}: {value!r} does not match the pattern (pattern)"]
    return []


@dataclass(frozen=True)
class OperationDef:
    """What the runtime needs to know of one operation, rendered from the contract model."""

    operation_id: str
    method: str
    path: str
    retry: retry.RetrySafety
    path_params: tuple[PathParam, ...] = ()
    body: Literal["json", "form", "multipart", "none"] = "none"
    rules: tuple[Rule, ...] = ()
    file_parts: Mapping[str, str] = field(default_factory=dict)
    """File part name -> default content type."""
    media_types: tuple[str, ...] = ()
    """Every media type the body may be sent as, the default first (empty: only ``body``)."""


@dataclass(frozen=True)
class ApiDef:
    """One API: base URL, declared envelope, auth schemes and options."""

    name: str
    base_url: str
    envelope: Envelope
    schemes: Mapping[str, Scheme]
    security: tuple[tuple[str, ...], ...]
    base_url_env: tuple[str, ...] = ()
    """Environment variables that replace ``base_url`` when set (first non-empty wins)."""


class APIResponse(Generic[ParsedT]):
    """The raw view of a call: status, headers, the ``httpx.Response`` and the parsed body."""

    def __init__(self, http_response: httpx.Response, parsed: ParsedT, retries: int) -> None:
        self.http_response = http_response
        self.parsed = parsed
        """The whole success body (the vendor envelope) as its model; ``None`` for a
        response without a body, ``bytes`` or ``str`` for a non-JSON one."""
        self.retries = retries

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] {type(self.parsed).__name__}>"


def drop_not_given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments the caller actually passed, keyed by their names on the wire."""
    return {k: v for k, v in values.items() if not isinstance(v, NotGiven)}


def _pydantic_problems(error: ValidationError, covered: frozenset[str] = frozenset()) -> list[str]:
    """One line per broken rule, naming the field (as a JSON pointer) and the rule.

    A union (two body shapes, an optional field) makes pydantic report every branch; the
    branch-bookkeeping entries are dropped, "extra field" complaints from the other shape are
    dropped when a real rule is broken, and "field required" is dropped for the fields of a
    broken cross-field rule (``covered``), which says it better.
    """
    items = [
        e
        for e in error.errors()
        if e["type"] not in _NOISE and not (e["type"] == "missing" and e["loc"][-1] in covered)
    ]
    if any(e["type"] != "extra_forbidden" for e in items):
        items = [e for e in items if e["type"] != "extra_forbidden"]
    problems: list[str] = []
    for item in items:
        loc = "/" + "/".join(str(p) for p in item["loc"] if not _is_union_tag(p))
        line = f"{loc}: {item['msg']} ({item['type']})"
        if line not in problems:
            problems.append(line)
    return problems


_NOISE = {"missing_sentinel_error"}


def _is_union_tag(part: object) -> bool:
    # pydantic puts union members (a class name, "constrained-str", "missing-sentinel")
    # into the location path; they are not field names.
    return isinstance(part, str) and (part[:1].isupper() or "-" in part or "[" in part)


def _file_tuple(name: str, value: FileInput, default_type: str) -> tuple[str, Any, str]:
    if isinstance(value, tuple):
        if len(value) == 2:
            return value[0], value[1], default_type
        return value[0], value[1], value[2]
    return name, value, default_type


def _read_once(content: Any) -> bytes | None:
    """The bytes of a binary stream, read once (``None`` when it cannot be read as bytes)."""
    read = getattr(content, "read", None)
    if read is None:
        return None
    try:
        data = read()
    except Exception:  # a broken or text stream: refused as a file part
        return None
    return bytes(data) if isinstance(data, (bytes, bytearray)) else None


def _size(content: Any) -> int | None:
    if isinstance(content, (bytes, bytearray)):
        return len(content)
    try:
        here = content.tell()
        end = content.seek(0, 2)
        content.seek(here)
        return int(end - here)
    except (AttributeError, OSError):
        return None


def build_request(
    client: httpx.Client | httpx.AsyncClient,
    api: ApiDef,
    op: OperationDef,
    *,
    base_url: str,
    auth_headers: Mapping[str, Secret],
    path: Mapping[str, str | int],
    body: Mapping[str, Any] | None = None,
    body_model: type[BaseModel] | None = None,
    files: Mapping[str, FileInput] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    timeout: Timeout | NotGiven = NOT_GIVEN,
    media_type: str | NotGiven = NOT_GIVEN,
) -> httpx.Request:
    """Check the arguments against the spec and build the request; raise before sending."""
    problems: list[str] = []
    for param in op.path_params:
        value = path.get(param.name)
        problem = _path_problem(param, value)
        if problem:
            problems.append(f"path parameter {param.name}: {problem}")
        elif isinstance(value, str):
            problems.extend(_path_problems(param, value))
    kind = op.body
    if not isinstance(media_type, NotGiven):
        if media_type not in op.media_types:
            listed = ", ".join(op.media_types) or "none"
            problems.append(f"media_type: {media_type!r} is not offered (offered: {listed})")
        elif media_type == "application/x-www-form-urlencoded":
            kind = "form"
        elif media_type == "multipart/form-data":
            kind = "multipart"
        else:
            kind = "json"
    sizes: dict[str, int] = {}
    file_parts: list[tuple[str, tuple[str, Any, str]]] = []
    for name, file_value in (files or {}).items():
        filename, content, content_type = _file_tuple(name, file_value, op.file_parts[name])
        if isinstance(content, str):
            problems.append(f"/{name}: a file part needs bytes or a binary file, not text")
            continue
        if not isinstance(content, (bytes, bytearray)):
            # Read once, here: a stream (seekable or not) sent as it is would be empty on a
            # retry, or half-sent; bytes are sized exactly and re-sent whole.
            content = _read_once(content)
            if content is None:
                problems.append(f"/{name}: a file part needs bytes or a readable binary stream")
                continue
        size = _size(content)
        if size is not None:
            sizes[name] = size
        file_parts.append((name, (filename, content, content_type)))
    if kind in ("multipart", "form") and op.body == kind and body is not None:
        body = {k: _form_text(v) for k, v in body.items()}  # text parts travel as text
    payload: dict[str, Any] = {}
    invalid: ValidationError | None = None
    if body is not None and body_model is not None:
        try:
            validated = body_model.model_validate(body)
        except ValidationError as exc:
            invalid = exc
        else:
            dumped = validated.model_dump(mode="json", by_alias=True, exclude_unset=True)
            payload = dumped if isinstance(dumped, dict) else {}
    # Rules read the serialized body (models given as arguments become plain objects).
    presence = {**(payload if invalid is None else body or {}), **{n: True for n, _ in file_parts}}
    if invalid is not None:
        covered = frozenset(f for r in op.rules if not r.check(presence, sizes) for f in r.fields)
        problems.extend(_pydantic_problems(invalid, covered))
    problems.extend(p for p in broken_rules(op.rules, presence, sizes) if p not in problems)
    if invalid is not None and not problems:
        problems.append(str(invalid))
    if problems:
        raise errors.RequestValidationError(op.operation_id, problems)

    url = base_url.rstrip("/") + op.path.format_map({k: _segment(str(v)) for k, v in path.items()})
    headers = dict(extra_headers or {})
    for name, value in headers.items():
        if not isinstance(value, str) or not value.isascii() or not value.isprintable():
            problems.append(f"header {name}: the value must be printable ASCII text")
    if problems:
        raise errors.RequestValidationError(op.operation_id, problems)
    options: dict[str, Any] = {}
    query = {k[1:]: s.reveal() for k, s in auth_headers.items() if k.startswith("?")}
    if query:  # an apiKey in the query
        options["params"] = query
    if kind == "json":
        default = (op.media_types or ("application/json",))[0]
        headers["Content-Type"] = media_type if isinstance(media_type, str) else default
        options["content"] = json.dumps(payload, separators=(",", ":")).encode()
    elif kind == "form":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        options["content"] = urlencode([(k, _form_text(v)) for k, v in payload.items()]).encode()
    elif kind == "multipart":
        # Every text field as a part of its own, so the body is multipart even without files.
        parts = [(k, (None, _form_text(v))) for k, v in payload.items()] + file_parts
        if parts:
            options["files"] = parts
        else:  # an empty form is still a multipart body
            boundary = os.urandom(16).hex()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
            options["content"] = f"--{boundary}--\r\n".encode()
    extensions = {}
    if not isinstance(timeout, NotGiven):
        extensions["timeout"] = httpx.Timeout(timeout).as_dict()
    try:
        request = client.build_request(
            op.method, url, headers=headers, extensions=extensions or None, **options
        )
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError among them
        raise errors.RequestValidationError(
            op.operation_id, [f"the request cannot be built: {type(exc).__name__}"]
        ) from None
    return authorize(request, auth_headers)


def _path_problem(param: PathParam, value: object) -> str | None:
    """Why a path argument does not fit its parameter's types and format (``None``: fits)."""
    if "integer" in param.types and isinstance(value, int) and not isinstance(value, bool):
        return None
    if "string" in param.types and isinstance(value, str) and value:
        if param.format == "uuid" and not _UUID.match(value):
            return f"{value!r} is not a uuid (format uuid)"
        return None
    wanted = " or ".join(
        {"string": "a non-empty string", "integer": "an integer"}.get(t, t) for t in param.types
    )
    return f"{wanted} is required"


def _segment(value: str) -> str:
    """A path parameter as one URL segment: escaped, and never a dot segment.

    httpx normalises ``.`` and ``..`` away (RFC 3986), which would address another resource;
    ``%2E`` reaches the server as the value itself.
    """
    escaped = quote(value, safe="")
    return {".": "%2E", "..": "%2E%2E"}.get(escaped, escaped)


def _form_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _success_reader(success: SuccessTable | type[BaseModel], status: int) -> Any:
    if not isinstance(success, Mapping):
        return success
    for key in (status, str(status), f"{str(status)[0]}XX"):
        if key in success:
            return success[key]
    if len(success) == 1:
        return next(iter(success.values()))
    return _UNDOCUMENTED


_UNDOCUMENTED = object()


def read_response(
    api: ApiDef,
    op: OperationDef,
    response: httpx.Response,
    success: SuccessTable | type[BaseModel],
    error_model: type[BaseModel] | None,
) -> Any:
    """The typed success body (``None``, ``bytes`` or ``str`` as the spec says for its
    status), or the precise exception for this response."""
    status = response.status_code
    if status >= 400:
        raise status_error(api, op, response, error_model)
    reader = _success_reader(success, status)
    if reader is _UNDOCUMENTED:
        listed = ", ".join(str(k) for k in success) if isinstance(success, Mapping) else ""
        raise errors.ResponseValidationError(
            f"{op.operation_id}: {status} is not a documented success status ({listed})",
            response=response,
        )
    if reader is None:
        return None
    if reader is bytes:
        return response.content
    if reader is str:
        return response.text
    success_model: type[BaseModel] = reader
    try:
        data = response.json()
    except ValueError:
        raise errors.ResponseValidationError(
            f"{op.operation_id}: {status} response is not JSON", response=response
        ) from None
    flag = api.envelope.success_flag
    if flag and isinstance(data, dict) and flag in data:
        if data[flag] is False:
            raise status_error(api, op, response, error_model, data=data)
        if data[flag] is not True:  # "false", 0, "no": not a JSON boolean, never coerced
            raise errors.ResponseValidationError(
                f"{op.operation_id}: {status} response: {flag} must be a JSON boolean, "
                f"got {type(data[flag]).__name__}",
                response=response,
            )
    try:
        return from_wire(success_model, data)
    except ValidationError as exc:
        raise errors.ResponseValidationError(
            f"{op.operation_id}: {status} response does not fit the spec: "
            + "; ".join(_pydantic_problems(exc)),
            response=response,
        ) from None


def status_error(
    api: ApiDef,
    op: OperationDef,
    response: httpx.Response,
    error_model: type[BaseModel] | None,
    data: Any = None,
) -> errors.APIStatusError:
    if data is None:
        try:
            data = response.json()
        except ValueError:
            data = response.text[:500]
    envelope: Any = data
    if error_model is not None:
        try:
            envelope = from_wire(error_model, data)
        except ValidationError:
            envelope = data
    cls = errors.status_error_class(response.status_code)
    detail = api.envelope.summary(data) if isinstance(data, dict) else ""
    message = f"{op.operation_id}: {response.status_code} {response.reason_phrase}"
    return cls(f"{message}: {detail}" if detail else message, response=response, envelope=envelope)
