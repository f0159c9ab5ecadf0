"""Read ``info.x-envelope`` into an :class:`~triggerspec.runtime.envelope.Envelope`.

The declaration is a preset name (a data file in ``triggerspec/presets/``, same schema as
inline), an inline mapping, or an inline mapping with ``preset:`` whose other keys override
the preset's. No declaration: plain JSON bodies. The declaration is checked against
:data:`ENVELOPE_SCHEMA` first, so a bad key is reported as ``file:/info/x-envelope/key: rule``.

Example (GitHub-like, inline)::

    info:
      x-envelope:
        error: {message: message, details: errors}
        validation_status: 422
        rate_limit: {limit: x-ratelimit-limit, remaining: x-ratelimit-remaining,
                     reset: x-ratelimit-reset, reset_unit: epoch-seconds}
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import yaml

from triggerspec.errors import SpecError
from triggerspec.runtime.envelope import KINDS, PLAIN, Envelope, ErrorShape, RateLimit
from triggerspec.spec import pointer as jp

_NAME = {"type": ["string", "null"], "minLength": 1, "maxLength": 100}
_CODE = {"type": ["string", "integer", "null"]}
_HEADER = {"type": ["string", "null"], "pattern": "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$"}

ENVELOPE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "preset": {"type": "string"},
        "result_key": _NAME,
        "success_flag": _NAME,
        "error": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "key": _NAME,
                "many": {"type": "boolean"},
                "message": _NAME,
                "code": _NAME,
                "status": _NAME,
                "request_id": _NAME,
                "details": _NAME,
            },
            "if": {"properties": {"many": {"const": True}}, "required": ["many"]},
            "then": {"required": ["key"], "properties": {"key": {"type": "string"}}},
        },
        "success_members": {"type": "object"},
        "error_members": {"type": "object"},
        "validation_status": {"type": "integer", "minimum": 400, "maximum": 499},
        "codes": {
            "type": "object",
            "propertyNames": {
                "anyOf": [
                    {"enum": sorted([*KINDS, "validation"])},
                    {"pattern": "^[1-5][0-9][0-9]$"},
                ]
            },
            "additionalProperties": _CODE,
        },
        "code_offset": {"type": ["integer", "null"]},
        "client_code": _CODE,
        "server_code": _CODE,
        "rate_limit": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "limit": _HEADER,
                "remaining": _HEADER,
                "reset": _HEADER,
                "reset_unit": {"enum": ["seconds", "epoch-seconds"]},
                "retry_after": _HEADER,
                "window_s": {"type": "integer", "minimum": 1, "maximum": 86400 * 31},
            },
        },
    },
}
"""The JSON Schema of an envelope declaration (inline or preset)."""

_VALIDATOR = jsonschema.Draft202012Validator(ENVELOPE_SCHEMA)
_AT = "/info/x-envelope"


def preset_names() -> list[str]:
    """The presets shipped with triggerspec, by name."""
    folder = resources.files("triggerspec.presets")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


@cache
def _preset(name: str) -> dict[str, Any]:
    shown = f"triggerspec/presets/{name}.yaml"
    raw = yaml.safe_load(
        resources.files("triggerspec.presets").joinpath(f"{name}.yaml").read_text()
    )
    _check(raw, shown, "")
    assert isinstance(raw, dict)  # _check made sure
    return raw


def parse_envelope(declared: Any, file: str) -> Envelope:
    """The envelope ``info.x-envelope`` declares in spec ``file`` (``PLAIN`` when absent).

    Raises:
        SpecError: an unknown preset (the available ones listed) or a declaration that
            breaks :data:`ENVELOPE_SCHEMA` (the pointer of the offending key named).
    """
    if declared is None:
        return PLAIN
    if isinstance(declared, str):
        return _build(_load_preset(declared, file, _AT), declared)
    _check(declared, file, _AT)
    data = dict(declared)
    name = "inline"
    if "preset" in data:
        name = str(data.pop("preset"))
        data = {**_load_preset(name, file, jp.join(_AT, "preset")), **data}
    return _build(data, name)


def _load_preset(name: str, file: str, at: str) -> dict[str, Any]:
    names = preset_names()
    if name not in names:
        raise SpecError(
            file,
            at,
            f"no envelope preset {name!r}; available: {', '.join(names)} "
            "(or declare the envelope inline)",
        )
    return _preset(name)


def _check(declared: Any, file: str, at: str) -> None:
    errors = sorted(_VALIDATOR.iter_errors(declared), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    first = errors[0]
    path = [str(p) for p in first.absolute_path]
    message, rule = first.message, str(first.validator)
    if "propertyNames" in first.schema_path:  # a key of ``codes``: name it and the choices
        path.append(str(first.instance))
        kinds = ", ".join(sorted([*KINDS, "validation"]))
        message = f"{first.instance!r} is neither a refusal kind ({kinds}) nor a status"
        rule = "propertyNames"
    where = jp.join(at, *path) if at else "/" + "/".join(path)
    raise SpecError(file, where, f"envelope declaration: {message} ({rule})")


def _build(data: dict[str, Any], name: str) -> Envelope:
    error = data.get("error") or {}
    rate = data.get("rate_limit") or {}
    return Envelope(
        name=name,
        result_key=data.get("result_key"),
        error=ErrorShape(
            key=error.get("key"),
            many=bool(error.get("many", False)),
            message=error.get("message", "message"),
            code=error.get("code"),
            status=error.get("status"),
            request_id=error.get("request_id"),
            details=error.get("details"),
        ),
        success_flag=data.get("success_flag"),
        success_members=dict(data.get("success_members") or {}),
        error_members=dict(data.get("error_members") or {}),
        validation_status=int(data.get("validation_status", 400)),
        codes={str(k): v for k, v in (data.get("codes") or {}).items()},
        code_offset=data.get("code_offset"),
        client_code=data.get("client_code"),
        server_code=data.get("server_code"),
        rate_limit=RateLimit(
            limit=rate.get("limit"),
            remaining=rate.get("remaining"),
            reset=rate.get("reset"),
            reset_unit=rate.get("reset_unit", "seconds"),
            retry_after=rate.get("retry_after", "retry-after"),
            window_s=int(rate.get("window_s", 3600)),
        ),
    )
