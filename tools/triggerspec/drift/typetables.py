"""Page format ``name-type-table``: reference pages of Name / Description tables and types.

SourceCraft's API reference is of this format (an example: any page like it is read the
same way).

Each table lists fields as a name line, ``Type: X`` (``string``, ``WorkflowInput``,
``InputValue[]``), optionally ``Enum: a, b`` and ``Example: ...``. Types used by a field are
defined further down, either as their own table (``InputValue`` then ``Name`` /
``Description``) or as a scalar (``TriggerStatus`` / ``Type: string`` / ``Enum: ...``); the
reader expands them into the field tree. ``[additional]`` describes a map's values. The page
does not say which fields are required. ``Body`` / ``application/json`` precedes a body
example; ``Example`` precedes a field's or a type's example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from triggerspec.drift.builder import Extracted, FieldBuilder, field_list
from triggerspec.drift.snippets import JsonBlock, PageText
from triggerspec.drift.view import ITEMS, VALUES, FieldList, FieldPath, JsonExample, Part

_IDENT = re.compile(r"^[A-Za-z_][\w]*$")
_TYPE_REF = re.compile(r"^Type:\s*(?P<name>[A-Za-z_]\w*)(\[\])?\s*$")
_STATUS = re.compile(r"^(?P<status>\d{3})(\s+\S.*)?$|^(?P<default>default)$")
_BASIC = {
    "string": "string",
    "integer": "integer",
    "int32": "integer",
    "int64": "integer",
    "number": "number",
    "float": "number",
    "double": "number",
    "boolean": "boolean",
    "bool": "boolean",
    "object": "object",
}
Owner = tuple[str, ...]
"""``("parameters",)``, ``("request",)``, ``("response", status)`` or ``("type", name)``."""


@dataclass(eq=False)
class _Entry:
    name: str
    line: int
    type_text: str = ""
    enum: tuple[tuple[str, ...], int] | None = None
    description: list[str] = field(default_factory=list)
    additional: _Entry | None = None
    parent: _Entry | None = None
    has_example: bool = False


@dataclass
class _State:
    section: str = ""
    status: str = ""
    owner: Owner | None = None
    fresh: bool = False
    """A parameters or type header was just read: the next table belongs to it."""
    entity: _Entry | None = None
    marker: str = ""
    tables: dict[Owner, list[_Entry]] = field(default_factory=dict)
    scalars: dict[str, _Entry] = field(default_factory=dict)
    headers: dict[Owner, int] = field(default_factory=dict)
    examples: list[tuple[int, Any, Owner, FieldPath]] = field(default_factory=list)

    def body_owner(self) -> Owner:
        return ("response", self.status) if self.section == "responses" else ("request",)


def read(page: PageText, blocks: list[JsonBlock]) -> Extracted:
    """Field lists and example roles of a ``name-type-table`` page."""
    lines = [line.strip() for line in page.lines]
    starts = {b.line: b for b in blocks}
    ends = {b.line: page.line_at(b.span.end - 1) for b in blocks}
    type_names = {m.group("name") for line in lines if (m := _TYPE_REF.match(line))}
    nonempty = [i for i, line in enumerate(lines) if line]
    after = {a: b for a, b in zip(nonempty, [*nonempty[1:], None], strict=True)}
    st = _State()
    skip_to = -1
    for i in nonempty:
        if i <= skip_to:
            continue
        text = lines[i]
        nxt = lines[n] if (n := after[i]) is not None else ""
        if i + 1 in starts:
            _example(st, starts[i + 1])
            skip_to = ends[i + 1] - 1
        elif text in ("Request", "Responses"):
            st.section, st.owner, st.entity = text.lower(), None, None
        elif text in ("Path parameters", "Query parameters", "Header parameters"):
            st.owner, st.fresh, st.entity = ("parameters",), True, None
        elif text in ("application/json", "Example", "Body"):
            st.marker = text
        elif text == "Name" and nxt == "Description":
            if not st.fresh:
                st.owner = st.body_owner()
            st.fresh = False
            st.headers.setdefault(st.owner or st.body_owner(), i + 1)
            skip_to = after[i] or i
        elif (_IDENT.match(text) or text == "[additional]") and nxt.startswith("Type:"):
            _entity(st, text, i + 1, type_names)
        elif _IDENT.match(text) and nxt == "Name":
            st.owner, st.entity, st.fresh = ("type", text), None, True
            st.headers.setdefault(st.owner, i + 1)
        elif st.section == "responses" and (m := _STATUS.match(text)):
            st.status = m.group("status") or "default"
            st.owner, st.entity = None, None
        elif st.entity is not None:
            _detail(st.entity, text, i + 1)
    return _expand(st)


def _entity(st: _State, name: str, line: int, type_names: set[str]) -> None:
    if name == "[additional]" and st.entity is not None:
        parent = st.entity.parent or st.entity
        parent.additional = _Entry(VALUES, line, parent=parent)
        st.entity = parent.additional
    elif name in type_names and name[0].isupper():
        st.entity = st.scalars.setdefault(name, _Entry(name, line))
    else:
        st.owner = st.owner or st.body_owner()
        st.entity = _Entry(name, line)
        st.tables.setdefault(st.owner, []).append(st.entity)
    st.marker = ""


def _detail(entry: _Entry, text: str, line: int) -> None:
    if text.startswith("Type:"):
        entry.type_text = text[len("Type:") :].strip()
    elif text.startswith("Enum:"):
        values = tuple(v.strip() for v in text[len("Enum:") :].split(",") if v.strip())
        entry.enum = (values, line)
    elif text.startswith("Example:"):
        entry.has_example = True
    else:
        entry.description.append(text)


def _example(st: _State, block: JsonBlock) -> None:
    """Attach a JSON block to the body, the field, or the type it illustrates."""
    entity = st.entity
    target: tuple[Owner, FieldPath] | None = None
    if st.marker == "Example" and entity is not None:
        if entity.parent is not None and (owner := _owner_of(st, entity.parent)):
            target = (owner, (entity.parent.name,))
        elif not entity.has_example and (owner := _owner_of(st, entity)):
            target = (owner, (entity.name,))
            entity.has_example = True
        elif st.owner is not None:
            target = (st.owner, ())
    st.examples.append((block.line, block.value, *(target or (st.body_owner(), ()))))
    st.marker = ""


def _owner_of(st: _State, entry: _Entry) -> Owner | None:
    return next((o for o, es in st.tables.items() if any(e is entry for e in es)), None)


def _expand(st: _State) -> Extracted:
    type_paths: dict[str, tuple[Owner, FieldPath]] = {}
    lists: list[FieldList] = []
    for owner, entries in st.tables.items():
        if owner[0] == "type":
            continue
        builders: list[FieldBuilder] = []
        for entry in entries:
            _expand_entry(st, entry, (), owner, builders, type_paths, ())
        part: Part = "response" if owner[0] == "response" else owner[0]  # type: ignore[assignment]
        status = owner[1] if owner[0] == "response" else None
        lists.append(field_list(part, status, st.headers.get(owner, entries[0].line), builders))
    examples: list[JsonExample] = []
    for line, value, owner, rel in st.examples:
        if owner[0] == "type":
            if owner[1] not in type_paths:
                continue
            owner, prefix = type_paths[owner[1]]
            rel = (*prefix, *rel)
        if owner[0] == "parameters":
            continue
        if owner[0] == "response":
            examples.append(JsonExample(line, value, "response", owner[1], rel))
        else:
            examples.append(JsonExample(line, value, "request", None, rel))
    return Extracted(tuple(lists), tuple(examples))


def _expand_entry(
    st: _State,
    entry: _Entry,
    prefix: FieldPath,
    owner: Owner,
    out: list[FieldBuilder],
    type_paths: dict[str, tuple[Owner, FieldPath]],
    seen: tuple[str, ...],
) -> None:
    path = (*prefix, entry.name)
    builder = FieldBuilder(path, entry.line, entry.type_text, synthetic=entry.name == VALUES)
    builder.description = list(entry.description)
    out.append(builder)
    m = re.fullmatch(r"([A-Za-z_]\w*)(\[\])?", entry.type_text)
    if m is None:
        builder.description.insert(0, entry.type_text)  # the capture put prose in "Type:"
    else:
        base, is_array = m.group(1), bool(m.group(2))
        target = builder
        if is_array:
            builder.types = frozenset({"array"})
            target = FieldBuilder((*path, ITEMS), entry.line, base, synthetic=True)
            out.append(target)
        if entry.enum is not None:
            target.set_enum(*entry.enum)
        _apply_type(st, base, target, owner, out, type_paths, seen)
    if entry.additional is not None:
        if builder.types is None:
            builder.types = frozenset({"object"})
        _expand_entry(st, entry.additional, path, owner, out, type_paths, seen)


def _apply_type(
    st: _State,
    name: str,
    target: FieldBuilder,
    owner: Owner,
    out: list[FieldBuilder],
    type_paths: dict[str, tuple[Owner, FieldPath]],
    seen: tuple[str, ...],
) -> None:
    if name in _BASIC:
        target.types = frozenset({_BASIC[name]})
        return
    if name in seen:
        return  # a recursive type: its fields are listed once
    type_paths.setdefault(name, (owner, target.path))
    if ("type", name) in st.tables:
        target.types = frozenset({"object"})
        for child in st.tables[("type", name)]:
            _expand_entry(st, child, target.path, owner, out, type_paths, (*seen, name))
    elif name in st.scalars:
        scalar = st.scalars[name]
        base = scalar.type_text
        target.types = frozenset({_BASIC[base]}) if base in _BASIC else None
        if scalar.enum is not None:
            values, line = scalar.enum
            known = target.enum or ()
            target.set_enum((*known, *(v for v in values if v not in known)), line)
