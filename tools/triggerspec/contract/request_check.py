"""Is a generated request really valid? Our own validator decides, independently.

Schemathesis' negative mode sometimes produces a request that is valid after all (a spec
example replayed, a negated header that the run's credentials replace). Judging acceptance
or rejection against triggerspec's own reading of the spec (ECMAScript patterns, formats,
cross-field rules) keeps the verdicts honest on both sides.
"""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from typing import Any

from triggerspec.runtime.rules import broken_rules
from triggerspec.spec.model import Api, Operation
from triggerspec.spec.validate import violations

_SCHEMAS: dict[int, tuple[Operation, dict[str, Any] | None]] = {}


def _body_schema(api: Api, op: Operation) -> dict[str, Any] | None:
    """The dereferenced body schema, computed once per operation object."""
    cached = _SCHEMAS.get(id(op))
    if cached is None or cached[0] is not op:
        schema = api.document.deref(op.body.schema) if op.body is not None else None
        cached = _SCHEMAS[id(op)] = (op, schema)
    return cached[1]


def _as_text(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return value


def form_fields(content_type: str, body: bytes) -> dict[str, Any]:
    """The parts of a multipart/form-data body as sent: text parts as str, files as bytes.

    Parts are split on the boundary exactly (RFC 7578), so a file part that itself says
    ``multipart/...`` keeps its bytes. A field sent more than once becomes a list.
    """
    boundary = _boundary(content_type)
    fields: dict[str, Any] = {}
    if boundary is None:
        return fields
    delimiter = b"--" + boundary
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, value = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        value = value.removesuffix(b"\r\n")
        headers = BytesParser(policy=policy.HTTP).parsebytes(head + b"\r\n\r\n")
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        is_file = headers.get_param("filename", header="content-disposition") is not None
        item: Any = value if is_file else value.decode("utf-8", "replace")
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, item] if isinstance(previous, list) else [previous, item]
        else:
            fields[name] = item
    return fields


def _boundary(content_type: str) -> bytes | None:
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    )
    boundary = message.get_boundary()
    return boundary.encode("latin-1") if boundary else None


def request_problems(
    api: Api, op: Operation, path_parameters: dict[str, Any] | None, body: Any, body_is_set: bool
) -> list[str]:
    """Every way the request breaks the spec (empty when it is valid).

    ``body`` is what went on the wire: the JSON value, or for a multipart form the fields
    :func:`form_fields` read back from the bytes sent.
    """
    problems: list[str] = []
    for param in op.path_parameters:
        value = (path_parameters or {}).get(param.name)
        if value is None:
            problems.append(f"path parameter {param.name} is missing")
            continue
        problems.extend(
            f"path parameter {param.name}: {v}"
            for v in violations(api.document.deref(param.schema), str(value))
        )
    schema = _body_schema(api, op)
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
        problems.extend(str(v) for v in violations(schema, instance))
        problems.extend(broken_rules(op.rules, instance, sizes))
    return problems
