"""Spec text into generated source, escaped for the place it lands: never read as code.

Every string that comes from a spec and is printed into generated Python goes through one
of these, chosen by its context:

- :func:`doc` for text inside a ``\"\"\"`` docstring: the evaluated ``__doc__`` holds the text
  exactly (backslashes, quotes, line breaks other than ``\\n``, control characters, lone
  surrogates and whitespace at a line's edges, which ruff would strip, are written as
  escapes);
- :func:`line` for a single-line docstring or a ``#`` comment: as :func:`doc`, with ``\\n``
  escaped too, so the text can never open a new line of code;
- :func:`literal` for a Python string literal (``repr``: always valid, always exact; JSON
  would turn astral characters into surrogate pairs);
- identifiers are never printed from spec text directly: :mod:`triggerspec.spec.naming`
  reduces them to ``[0-9A-Za-z_]``.
"""

from __future__ import annotations

_EDGE = " \t"


def _char(ch: str) -> str:
    if ch == "\\":
        return "\\\\"
    if ch == '"':
        return '\\"'
    if ch.isprintable():
        return ch
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _edges(text: str) -> str:
    """``text`` escaped, with its leading and trailing blanks escaped as well."""
    body = text.strip(_EDGE)
    if not body:
        return "".join(f"\\x{ord(c):02x}" for c in text)
    start = text.index(body[0])
    head = "".join(f"\\x{ord(c):02x}" for c in text[:start])
    tail = "".join(f"\\x{ord(c):02x}" for c in text[start + len(body) :])
    return head + "".join(_char(c) for c in body) + tail


def doc(text: str) -> str:
    """``text`` for the inside of a triple-quoted docstring, lines kept as lines."""
    return "\n".join(_edges(part) for part in text.split("\n"))


def line(text: str) -> str:
    """``text`` for a single line: a one-line docstring or a ``#`` comment."""
    return "\\n".join(_edges(part) for part in text.split("\n"))


def literal(value: object) -> str:
    """A Python literal for a string (or other plain value) from a spec."""
    return repr(value)
