"""Is a generated request really valid? Our own validator decides, independently.

Schemathesis' negative mode sometimes produces a request that is valid after all (a spec
example replayed, a negated header that the run's credentials replace). Judging acceptance
or rejection against triggerspec's own reading of the spec (ECMAScript patterns, formats,
cross-field rules) keeps the verdicts honest on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value
from typing import Any

from triggerspec.runtime.rules import broken_rules
from triggerspec.spec.model import Api, Operation
from triggerspec.spec.validate import SchemaValidator
from triggerspec.spec.wire import coerce

_SCHEMAS: dict[int, tuple[Operation, dict[str, Any] | None]] = {}


def deref_body(api: Api, op: Operation) -> dict[str, Any] | None:
    """The operation's body schema, dereferenced once per operation object (do not mutate it)."""
    cached = _SCHEMAS.get(id(op))
    if cached is None or cached[0] is not op:
        schema = api.document.deref(op.body.schema) if op.body is not None else None
        cached = _SCHEMAS[id(op)] = (op, schema)
    return cached[1]


_VALIDATORS: dict[tuple[int, str], tuple[Operation, SchemaValidator]] = {}


def validator_for(api: Api, op: Operation, what: str, schema: Any) -> SchemaValidator:
    """A compiled validator for one schema of one operation (the body, or a parameter)."""
    key = (id(op), what)
    cached = _VALIDATORS.get(key)
    if cached is None or cached[0] is not op:
        cached = _VALIDATORS[key] = (op, SchemaValidator(api.document.deref(schema)))
    return cached[1]


def _as_text(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return value


@dataclass(frozen=True)
class FormPart:
    """One part of a multipart/form-data body, as sent."""

    name: str
    filename: str | None
    """``None`` for a text field; a file part's filename otherwise."""
    content_type: str | None
    content: bytes

    @property
    def value(self) -> str | bytes:
        """A file part's bytes, or a text field's text."""
        return (
            self.content if self.filename is not None else self.content.decode("utf-8", "replace")
        )


def form_parts(content_type: str, body: bytes) -> tuple[list[FormPart], list[str]]:
    """The parts of a multipart/form-data body, and every way its framing breaks RFC 7578.

    Parts are split on the delimiter exactly (CRLF, ``--``, the boundary), so a file part
    that itself says ``multipart/...`` or holds ``--boundary`` mid-line keeps its bytes.
    Reading is lenient, judging is strict: a preamble, a missing close delimiter or the wrong
    media type is reported, and the parts found are returned all the same; a part without a
    header block or a name is reported and skipped.
    """
    header = _header_block(b"Content-Type: " + content_type.encode("latin-1"))
    boundary = header.get_boundary()
    problems: list[str] = []
    if header.get_content_type() != "multipart/form-data" or not boundary:
        problems.append(
            f"content type is {content_type!r}, not multipart/form-data with a boundary"
        )
        if not boundary:
            return [], problems
    chunks = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))
    closed = any(chunk.startswith(b"--") for chunk in chunks[1:])
    if chunks[0] or not closed:
        problems.append("the multipart body is not delimited by its boundary")
    parts: list[FormPart] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not head.startswith(b"\r\n") or not sep:
            problems.append("a multipart part has no header block")
            continue
        headers = _header_block(head[2:])
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            problems.append("a multipart part has no name")
            continue
        if not closed and chunk is chunks[-1]:
            content = content.removesuffix(b"\r\n")  # an unterminated body's last line break
        filename = headers.get_param("filename", header="content-disposition")
        part_type = headers.get("content-type")
        parts.append(
            FormPart(
                name,
                collapse_rfc2231_value(filename) if filename is not None else None,
                str(part_type) if part_type is not None else None,
                content,
            )
        )
    names = [p.name for p in parts]
    problems += [
        f"form field {n} is sent twice" for n in sorted({n for n in names if names.count(n) > 1})
    ]
    return parts, problems


def _header_block(head: bytes) -> Message:
    return BytesParser(policy=policy.HTTP).parsebytes(head + b"\r\n\r\n")


def form_fields(content_type: str, body: bytes) -> dict[str, Any]:
    """The parts of a multipart/form-data body as sent: text parts as str, files as bytes.

    Parts are read by :func:`form_parts`, leniently: a server may accept what that reports.
    A field sent more than once becomes a list.
    """
    fields: dict[str, Any] = {}
    for part in form_parts(content_type, body)[0]:
        if part.name in fields:
            previous = fields[part.name]
            fields[part.name] = (
                [*previous, part.value] if isinstance(previous, list) else [previous, part.value]
            )
        else:
            fields[part.name] = part.value
    return fields


def vendor_view(schema: Any) -> Any:
    """``schema`` as the vendor enforces it: without the rules triggerspec adds (``x-stricter``).

    An ``x-stricter`` note may list the keywords it adds (``keywords: [...]``); without a
    list, a closed object (``additionalProperties: false``) is what it adds: the vendor
    ignores unknown fields there (Cloudflare's Pages form deploys with a misspelt field).
    """
    if isinstance(schema, list):
        return [vendor_view(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: vendor_view(v) for k, v in schema.items()}
    stricter = schema.get("x-stricter")
    if stricter is not None:
        listed = stricter.get("keywords") if isinstance(stricter, dict) else None
        if isinstance(listed, list):
            for keyword in listed:
                out.pop(str(keyword), None)
        elif schema.get("additionalProperties") is False:
            out.pop("additionalProperties", None)
    return out


_VENDOR_VALIDATORS: dict[int, tuple[Operation, SchemaValidator | None]] = {}


def vendor_problems(
    api: Api, op: Operation, path_parameters: dict[str, Any] | None, body: Any, body_is_set: bool
) -> list[str]:
    """How the request breaks a rule the vendor itself enforces (empty: the vendor acts on it).

    Like :func:`request_problems`, with every ``x-stricter`` rule left out (see
    :func:`vendor_view`). On a real endpoint a side-effect operation's "negative" case is
    sent only when this finds a problem.
    """
    cached = _VENDOR_VALIDATORS.get(id(op))
    if cached is None or cached[0] is not op:
        schema = deref_body(api, op)
        validator = SchemaValidator(vendor_view(schema)) if schema is not None else None
        cached = _VENDOR_VALIDATORS[id(op)] = (op, validator)
    return request_problems(api, op, path_parameters, body, body_is_set, body_validator=cached[1])


def request_problems(
    api: Api,
    op: Operation,
    path_parameters: dict[str, Any] | None,
    body: Any,
    body_is_set: bool,
    *,
    body_validator: SchemaValidator | None = None,
) -> list[str]:
    """Every way the request breaks the spec (empty when it is valid).

    ``body`` is what went on the wire: the JSON value, or for a multipart form the fields
    :func:`form_fields` read back from the bytes sent. ``body_validator`` replaces the body
    schema's validator (:func:`vendor_problems` passes the vendor's view).
    """
    problems: list[str] = []
    for param in op.path_parameters:
        value = (path_parameters or {}).get(param.name)
        if value is None:
            problems.append(f"path parameter {param.name} is missing")
            continue
        checker = validator_for(api, op, f"path:{param.name}", param.schema)
        value = coerce(param.schema, value) if isinstance(value, str) else value
        problems.extend(f"path parameter {param.name}: {v}" for v in checker.violations(value))
    schema = deref_body(api, op)
    if schema is not None and op.body is not None:
        if not body_is_set:
            if op.body.required:
                problems.append("the request body is missing")
            return problems
        instance = body
        sizes: dict[str, int] = {}
        if op.body.is_multipart and isinstance(body, dict):
            sizes = {k: len(v) for k, v in body.items() if isinstance(v, (bytes, bytearray))}
            instance = {k: _as_text(v) for k, v in body.items()}
        checker = body_validator or validator_for(api, op, "body", op.body.schema)
        problems.extend(str(v) for v in checker.violations(instance))
        problems.extend(broken_rules(op.rules, instance, sizes))
    return problems
