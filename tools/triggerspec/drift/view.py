"""The docs view: what one vendor page states, as typed values with page line numbers.

Extractors (one per page format) build it; ``compare`` reads it. Field paths are tuples of
segments: a property name, ``[]`` for the items of an array, ``{*}`` for the values of a map.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FieldPath = tuple[str, ...]
ITEMS = "[]"
VALUES = "{*}"
Part = Literal["parameters", "request", "response"]


def path_text(path: FieldPath) -> str:
    """A field path as shown to users: ``seed_repo.files[].content``, ``details{*}``."""
    out = ""
    for segment in path:
        if segment in (ITEMS, VALUES):
            out += segment
        else:
            out += ("." if out else "") + segment
    return out


@dataclass(frozen=True)
class DocField:
    """One field a page lists, with whatever the page states about it."""

    path: FieldPath
    line: int
    type_text: str = ""
    types: frozenset[str] | None = None
    """JSON types (``None``: the page does not state a type)."""
    required: bool | None = None
    """``None``: the page format does not say whether the field is required."""
    enum: tuple[str, ...] | None = None
    enum_partial: bool = False
    """The page shows only some of the values (``"a" or "b" or 3 more``)."""
    constraints: Mapping[str, Any] = field(default_factory=dict)
    """JSON Schema keywords the page states: minLength, maxLength, pattern, format, ..."""
    lines: Mapping[str, int] = field(default_factory=dict)
    """The page line of each constraint (and ``enum:<value>``), when not the field's line."""
    description: str = ""
    required_if: tuple[str, ...] = ()
    """Sibling fields named by "required if X not provided" prose."""
    exclusive_with: tuple[str, ...] = ()
    """Sibling fields named by "mutually exclusive with X" prose."""
    synthetic: bool = False
    """An array's items or a map's values, not a named field."""

    @property
    def name(self) -> str:
        """The field's own name (the last path segment)."""
        return self.path[-1] if self.path else ""

    def line_of(self, key: str) -> int:
        """The page line stating ``key`` (a constraint, or ``enum:<value>``)."""
        return self.lines.get(key, self.line)


@dataclass(frozen=True)
class Prose:
    """Text a page shows for a field whose name the capture lost."""

    line: int
    end_line: int
    text: str


@dataclass(frozen=True)
class FieldList:
    """The fields a page lists for one part of an operation.

    ``status`` is the response status the list belongs to (``None``: the success response).
    ``complete`` is false when the page shows the section but lost the field names; the
    unnamed descriptions are kept in ``descriptions``.
    """

    part: Part
    status: str | None
    line: int
    fields: tuple[DocField, ...]
    complete: bool = True
    descriptions: tuple[Prose, ...] = ()


@dataclass(frozen=True)
class FormField:
    """One ``-F name=value`` of a curl example."""

    name: str
    value: str
    line: int
    is_file: bool = False
    content_type: str | None = None


@dataclass(frozen=True)
class Curl:
    """One curl example: method, URL, headers and body (``-d`` JSON or ``-F`` form)."""

    line: int
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    data: str | None = None
    data_line: int = 0
    json: Any = None
    json_error: str | None = None
    form: tuple[FormField, ...] = ()

    def header(self, name: str) -> str | None:
        """The value of a header (case-insensitive), if the example sends it."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def form_values(self) -> dict[str, str]:
        """The form fields as the instance a multipart schema validates."""
        return {f.name: f.value for f in self.form}


@dataclass(frozen=True)
class JsonExample:
    """A JSON example on the page, and what it illustrates.

    ``field`` is empty for a whole body; for a field or type example it is the docs path
    the example belongs to.
    """

    line: int
    value: Any
    role: Literal["request", "response"]
    status: str | None = None
    field: FieldPath = ()


@dataclass(frozen=True)
class Endpoint:
    """A method and URL (or path) the page shows."""

    method: str
    target: str
    line: int


@dataclass(frozen=True)
class PageNote:
    """Something the extractor had to guess or could not read, with its line."""

    line: int
    message: str
    problem: bool = False
    """A problem (e.g. a JSON block that does not parse) rather than a repaired guess."""


@dataclass(frozen=True)
class PageView:
    """Everything extracted from one page snapshot."""

    name: str
    display: str
    format: str
    endpoints: tuple[Endpoint, ...] = ()
    curls: tuple[Curl, ...] = ()
    examples: tuple[JsonExample, ...] = ()
    field_lists: tuple[FieldList, ...] = ()
    deprecated: int | None = None
    """The line saying the operation is deprecated, if any."""
    replacement: Endpoint | None = None
    notes: tuple[PageNote, ...] = ()
    lines: tuple[str, ...] = ()
    """The page text, line by line (index 0 is line 1)."""

    def field_list(self, part: Part, status: str | None = None) -> FieldList | None:
        """The field list for a part (and response status), if the page shows one."""
        return next(
            (fl for fl in self.field_lists if fl.part == part and fl.status == status), None
        )

    def find_line(self, needle: str, start: int, stop: int | None = None) -> int | None:
        """The first line from ``start`` (up to ``stop``) containing ``needle``."""
        end = len(self.lines) if stop is None else min(stop, len(self.lines))
        for number in range(max(start, 1), end + 1):
            if needle in self.lines[number - 1]:
                return number
        return None
