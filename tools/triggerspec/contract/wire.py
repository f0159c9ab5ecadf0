"""What goes on the wire, read back: prepared requests, sent bodies, and masking for reports.

Verdicts are taken from the bytes a request really carries (:func:`prepare` builds them once;
the same prepared request is judged and sent). Everything that leaves a run (a curl line, a
HAR entry, a message) is masked here: credentials as text, secret body fields
(``x-sensitive``) structurally, and the values of secret fields wherever they come back.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

import requests

from triggerspec.contract.request_check import form_fields
from triggerspec.spec.model import Api, Operation
from triggerspec.spec.paths import match_segment
from triggerspec.spec.redact import Redactor
from triggerspec.spec.wire import FormError, read_urlencoded


def prepare(
    case: Any,
    session: requests.Session,
    base_url: str,
    headers: dict[str, str],
    auth_query: dict[str, str] | None = None,
) -> requests.PreparedRequest:
    """The request ``case`` makes, prepared once: these bytes are judged and sent.

    ``auth_query`` holds the query-string credentials (an ``apiKey`` in the query).
    """
    kwargs = case.as_transport_kwargs(base_url=base_url, headers=headers)
    if auth_query:
        kwargs["params"] = {**(kwargs.get("params") or {}), **auth_query}
    fields = ("method", "url", "headers", "params", "json", "data", "files", "cookies")
    return session.prepare_request(
        requests.Request(**{k: kwargs[k] for k in fields if k in kwargs})
    )


def mask(text: str, secrets: dict[str, str]) -> str:
    """``text`` with every credential value replaced by ``***``.

    A bearer or basic credential is masked without its scheme first (``Bearer ***``), and
    each cookie's value on its own (``session=***``), in a fixed order, so the same text
    always masks the same way. Values under four characters are left alone: replacing them
    everywhere would garble the text (secret body fields are also masked structurally where
    the body is written).
    """
    parts: set[str] = set()
    for key, value in secrets.items():
        parts |= {value, value.removeprefix("Bearer ").removeprefix("Basic ")}
        if key.lower() == "cookie":
            parts |= {c.partition("=")[2] for c in value.split("; ")}
    parts |= {quote_plus(p) for p in parts} | {quote(p, safe="") for p in parts}  # in URLs
    for part in sorted(parts, key=lambda p: (len(p), p)):
        if len(part) >= 4:
            text = text.replace(part, "***")
    return text


def json_of(body: Any) -> Any:
    """A body parsed as JSON, or ``None``."""
    try:
        return json.loads(body) if isinstance(body, (bytes, str)) and body else None
    except ValueError:
        return None


def redacted(schema: Any, body: Any) -> Any:
    """``body`` with every ``x-sensitive`` field of ``schema`` replaced by ``***``."""
    if schema is None or not isinstance(body, (dict, list)):
        return body
    masked, _ = Redactor.from_schemas([schema]).mask(body)
    return masked


def body_schema(api: Api, op: Operation) -> Any:
    """The operation's request body schema, dereferenced (``None`` without a body)."""
    return api.document.deref(op.body.schema) if op.body is not None else None


def response_schemas(api: Api, op: Operation) -> list[Any]:
    """Every documented response schema of the operation, dereferenced."""
    found = [r.schema for r in op.responses]
    return [api.document.deref(s) for s in found if s is not None]


def redacted_case(api: Api, op: Operation, sop: Any, case: Any) -> Any:
    """A copy of ``case`` whose body has its secret fields masked, for the curl line."""
    masked = redacted(body_schema(api, op), case.body)
    if masked is case.body or masked == case.body:
        return case
    return sop.Case(
        path_parameters=case.path_parameters,
        headers=case.headers,
        query=case.query,
        body=masked,
        media_type=case.media_type,
    )


def body_secrets(api: Api, op: Operation, body: Any) -> dict[str, str]:
    """The values of the body's ``x-sensitive`` fields, to mask wherever they come back.

    Each value is listed as it is and as JSON writes it (non-ASCII escaped), since a curl
    line or a recorded body carries the serialized form.
    """
    if op.body is None or not isinstance(body, (dict, list)):
        return {}
    _, hidden = Redactor.from_schemas([body_schema(api, op)]).mask(body)
    forms = {form for value in hidden for form in (value, json.dumps(value)[1:-1])}
    return {f"body-secret-{i}": form for i, form in enumerate(sorted(forms))}


def sent_path_parameters(op: Operation, base_url: str, url: str) -> dict[str, str] | None:
    """The path parameters as the URL sent carries them (``None``: it is another path)."""
    path = urlsplit(url).path
    prefix = urlsplit(base_url).path.rstrip("/")
    if not path.startswith(prefix):
        return None
    sent = path[len(prefix) :].split("/")
    template = op.path.split("/")
    if len(sent) != len(template):
        return None
    values: dict[str, str] = {}
    for want, got in zip(template, sent, strict=True):
        found = match_segment(want, unquote(got))
        if found is None:
            return None
        values.update(found)
    return values


def sent_body(op: Operation, prepared: requests.PreparedRequest) -> tuple[Any, bool]:
    """The body as it went on the wire: parsed JSON, or the multipart fields read back."""
    raw = prepared.body
    data = raw if isinstance(raw, bytes) else (raw or "").encode() if raw is not None else b""
    if not data:
        return None, False
    content_type = prepared.headers.get("content-type", "")
    if "multipart/form-data" in content_type:
        return form_fields(content_type, data), True
    form = op.body.media(content_type) if op.body is not None else None
    if form is not None and form.kind == "form":
        try:
            return read_urlencoded(form.schema, data), True
        except FormError:
            return data, True
    try:
        return json.loads(data), True
    except ValueError:
        return data, True  # not JSON: the validator refuses it as the wrong type
