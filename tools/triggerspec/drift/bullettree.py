"""Page format ``bullet-tree``: API reference pages whose fields are bulleted trees.

Northflank's API pages are of this format (an example: any page like it is read the same
way).

A field is a bullet (``• sha``) followed by its type line (``string required``,
``{object}``), its description and constraint pairs (``min length`` / ``40``, ``pattern`` /
the regex). ``• {object}`` opens a body shape, ``OR`` starts the next shape. Nesting is read
from the indentation, but captures break it (each sibling under ``overrides`` sits two
spaces deeper than the last), so when the page's own examples place a field under an
ancestor instead, the examples win and a note says so. JSON blocks after "Example response"
are responses (status from the ``200 OK`` line); request bodies come from the curl examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from triggerspec.drift.builder import Extracted, FieldBuilder, field_list
from triggerspec.drift.snippets import JsonBlock, PageText
from triggerspec.drift.view import Curl, FieldList, FieldPath, JsonExample, PageNote, Part

_HEADERS: dict[str, Part] = {
    "Path parameters": "parameters",
    "Query parameters": "parameters",
    "Request body": "request",
    "Response body": "response",
}
_STOP = {"API", "CLI", "JS Client", "Example request", "Example response"}
_BULLET = re.compile(r"^(?P<indent>\s*)•\s*(?P<label>.+?)\s*$")
_TYPE = re.compile(
    r"^(?P<type>\{object\}|\[[^\]]*\]|string|number|integer|boolean|object|array)"
    r"(?P<required>\s+required)?$"
)
_CONSTRAINTS = {
    "min length": "minLength",
    "max length": "maxLength",
    "min": "minimum",
    "max": "maximum",
    "pattern": "pattern",
    "format": "format",
}
_ENUM = re.compile(r"^(?:one of|enum|allowed values)\s*:?\s*(?P<values>.*)$", re.IGNORECASE)
_STATUS = re.compile(r"^\s*(?P<status>\d{3})\b")


def _json_type(text: str) -> frozenset[str]:
    if text == "{object}":
        return frozenset({"object"})
    if text.startswith("["):
        return frozenset({"array"})
    return frozenset({text})


def read(page: PageText, blocks: list[JsonBlock], curls: Iterable[Curl]) -> Extracted:
    """Field lists and example roles of a ``bullet-tree`` page."""
    lines = page.lines
    response_from = next(
        (i + 1 for i, line in enumerate(lines) if line.strip() == "Example response"), None
    )
    examples: list[JsonExample] = []
    for block in blocks:
        if response_from is not None and block.line > response_from:
            status = _status_before(lines, block.line)
            examples.append(JsonExample(block.line, block.value, "response", status))
        else:
            examples.append(JsonExample(block.line, block.value, "request"))
    samples: dict[Part, list[Any]] = {
        "request": [c.json for c in curls if c.json is not None]
        + [e.value for e in examples if e.role == "request"],
        "response": [e.value for e in examples if e.role == "response"],
        "parameters": [],
    }
    notes: list[PageNote] = []
    lists: list[FieldList] = []
    for part, header, section in _sections(lines):
        lists.append(_read_section(lines, part, header, section, samples[part], notes))
    return Extracted(tuple(lists), tuple(examples), tuple(notes))


def _status_before(lines: list[str], line: int) -> str | None:
    for i in range(line - 2, -1, -1):
        if m := _STATUS.match(lines[i]):
            return m.group("status")
    return None


def _sections(lines: list[str]) -> list[tuple[Part, int, list[int]]]:
    sections: list[tuple[Part, int, list[int]]] = []
    current: list[int] | None = None
    for i, raw in enumerate(lines):
        text = raw.strip()
        if text in ("Example request", "Example response"):
            break  # the rest of the page is examples
        if text in _HEADERS:
            current = []
            sections.append((_HEADERS[text], i + 1, current))
        elif text in _STOP or re.match(r"^(GET|POST|PUT|PATCH|DELETE) /", text):
            current = None
        elif current is not None:
            current.append(i)
    return sections


def _read_section(
    lines: list[str],
    part: Part,
    header: int,
    indices: list[int],
    samples: list[Any],
    notes: list[PageNote],
) -> FieldList:
    shapes: list[list[FieldBuilder]] = [[]]
    stack: list[tuple[int, FieldPath]] = []
    current: FieldBuilder | None = None
    pending: str | None = None
    for i in indices:
        text = lines[i].strip()
        if not text:
            continue
        if text == "OR":
            shapes.append([])
            stack, current = [], None
            continue
        bullet = _BULLET.match(lines[i])
        if bullet:
            indent, label = len(bullet.group("indent")), bullet.group("label")
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if label.startswith(("{", "[")):  # a body shape, not a field
                stack.append((indent, ()))
                current = None
                continue
            parent = stack[-1][1] if stack else ()
            path = _place(parent, label, samples)
            if path[:-1] != parent:
                notes.append(
                    PageNote(
                        i + 1,
                        f"{label!r} is indented under {'.'.join(parent)!r}, but the page's "
                        f"example places it under {'.'.join(path[:-1]) or 'the body'!r}",
                    )
                )
            stack.append((indent, path))
            current = FieldBuilder(path, i + 1, required=False)
            shapes[-1].append(current)
            pending = None
            continue
        if current is None:
            continue
        if current.types is None and (t := _TYPE.match(text)):
            current.type_text = text
            current.types = _json_type(t.group("type"))
            current.required = bool(t.group("required"))
        elif pending is not None:
            key = _CONSTRAINTS[pending]
            value: Any = int(text) if key != "pattern" and text.isdigit() else text
            current.constrain(key, value, i + 1)
            pending = None
        elif text.lower() in _CONSTRAINTS:
            pending = text.lower()
        elif e := _ENUM.match(text):
            values = tuple(v.strip() for v in e.group("values").split(",") if v.strip())
            current.set_enum(values, i + 1)
        else:
            current.describe(text, i + 1)
    return _merge_shapes(part, header, shapes)


def _place(parent: FieldPath, name: str, samples: list[Any]) -> FieldPath:
    """The deepest of ``parent`` and its ancestors under which an example holds ``name``."""
    for depth in range(len(parent), -1, -1):
        candidate = (*parent[:depth], name)
        if any(_holds(sample, candidate) for sample in samples):
            return candidate
    return (*parent, name)


def _holds(value: Any, path: FieldPath) -> bool:
    for segment in path:
        if not isinstance(value, dict) or segment not in value:
            return False
        value = value[segment]
    return True


def _merge_shapes(part: Part, header: int, shapes: list[list[FieldBuilder]]) -> FieldList:
    """One list for all shapes: a field is required only if every shape requires it."""
    shapes = [s for s in shapes if s]
    merged: list[FieldBuilder] = []
    by_path: dict[FieldPath, FieldBuilder] = {}
    for shape in shapes:
        for builder in shape:
            if builder.path not in by_path:
                by_path[builder.path] = builder
                merged.append(builder)
    for path, builder in by_path.items():
        # Nested fields are required relative to their parent; top-level ones per shape.
        in_all = len(path) > 1 or all(any(b.path == path for b in s) for s in shapes)
        every_required = all(b.required for s in shapes for b in s if b.path == path)
        builder.required = bool(in_all and every_required)
    return field_list(part, None, header, merged)
