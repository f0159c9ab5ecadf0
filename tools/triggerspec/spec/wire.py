"""Text on the wire read as the types a schema declares: one rule for every tool.

A path or query parameter, or a field of an ``application/x-www-form-urlencoded`` body,
arrives as text. Before it is validated, the mock, the fuzz checks and the client contract
read it the same way: as the first type the schema admits (``type``, a type list, or the
branches of ``oneOf``/``anyOf``, in order) that the text spells (``integer``: an optional
minus and digits; ``number``: a decimal; ``boolean``: ``true``/``false``; ``object`` or
``array``: JSON text), and as the text itself otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

_INTEGER = re.compile(r"-?\d+", re.ASCII)
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", re.ASCII)
_MAX_DIGITS = 64
"""Longer digit strings stay text (no quadratic int parsing of hostile input)."""


def _types(schema: Mapping[str, Any]) -> Iterator[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        yield kind
    elif isinstance(kind, list):
        yield from (k for k in kind if isinstance(k, str))
    for key in ("oneOf", "anyOf"):
        for branch in schema.get(key) or []:
            if isinstance(branch, Mapping):
                yield from _types(branch)


def coerce(schema: Mapping[str, Any], text: str) -> object:
    """``text`` as the first type of ``schema`` it spells (the text itself otherwise)."""
    for kind in _types(schema):
        if kind == "string":
            return text
        if kind == "integer" and len(text) <= _MAX_DIGITS and _INTEGER.fullmatch(text):
            return int(text)
        if kind == "number" and len(text) <= _MAX_DIGITS and _NUMBER.fullmatch(text):
            return float(text) if not _INTEGER.fullmatch(text) else int(text)
        if kind == "boolean" and text in ("true", "false"):
            return text == "true"
        if kind in ("object", "array") and text[:1] in "{[":
            try:
                return json.loads(text)
            except (ValueError, RecursionError):
                continue
    return text


class FormError(ValueError):
    """A urlencoded body that does not parse, or repeats a field."""


def read_urlencoded(schema: Mapping[str, Any], data: bytes) -> dict[str, Any]:
    """A urlencoded form as the object ``schema`` describes, each field read by
    :func:`coerce` with its property's schema.

    Raises:
        FormError: not UTF-8, not a urlencoded form, or a field sent twice.
    """
    try:
        pairs = parse_qsl(data.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormError(f"not a urlencoded form: {exc}") from None
    props = schema.get("properties") or {}
    out: dict[str, Any] = {}
    for name, text in pairs:
        if name in out:
            raise FormError(f"the field {name!r} is sent more than once")
        prop = props.get(name)
        out[name] = coerce(prop if isinstance(prop, Mapping) else {}, text)
    return out
