"""Turn request bytes into a JSON value or a form, with a clear 4xx for anything else.

Each failure names what is wrong and how to fix it: a missing or foreign Content-Type
(415), bytes that are not UTF-8 JSON, duplicate keys or ``NaN`` (400), a multipart body
that does not parse (400), a file field sent as text or text sent as a file (400).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from triggerspec.mock.envelopes import Problem, Rejected
from triggerspec.mock.multipart import FormPart, MalformedForm, parse_form
from triggerspec.spec.model import Body, Media, Part
from triggerspec.spec.wire import FormError, read_urlencoded

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a JSON body may have (no documented body nests
past 5); deeper ones are refused with 400 before any validator walks them."""

MAX_JSON_BYTES = 1024 * 1024
"""Largest JSON body read (the documented ones are a few KiB); larger ones get 413."""

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")

FILE_PLACEHOLDER = "<file>"
"""What a file part stands as in the instance validated against the form schema."""


@dataclass(frozen=True)
class FormFile:
    """One received file part (its bytes are kept out of reprs and the journal)."""

    filename: str
    content_type: str | None
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        """The file's size in bytes."""
        return len(self.data)

    def describe(self) -> dict[str, Any]:
        """``{filename, size, content_type, sha256}``, as the journal shows a file."""
        return {
            "filename": self.filename,
            "size": self.size,
            "content_type": self.content_type,
            "sha256": hashlib.sha256(self.data).hexdigest(),
        }


@dataclass(frozen=True)
class Form:
    """A parsed multipart form: text fields and file parts by name."""

    fields: dict[str, str]
    files: dict[str, FormFile]

    def instance(self) -> dict[str, Any]:
        """The object validated against the form schema (files as a placeholder string)."""
        return {**self.fields, **dict.fromkeys(self.files, FILE_PLACEHOLDER)}

    def sizes(self) -> dict[str, int]:
        """Byte size of each file part, for ``max-bytes`` rules."""
        return {name: f.size for name, f in self.files.items()}

    def describe(self) -> dict[str, Any]:
        """Text fields as they are, files as ``{filename, size, content_type, sha256}``."""
        return {**self.fields, **{n: f.describe() for n, f in self.files.items()}}


@dataclass(frozen=True)
class ParsedBody:
    """The request body as the operation reads it."""

    kind: Literal["none", "json", "form"]
    value: Any = None
    form: Form | None = None
    media: str | None = None
    """The documented media type the body came as (``None``: the primary one)."""

    def describe(self) -> Any:
        """What the journal records."""
        return self.form.describe() if self.form is not None else self.value


NO_BODY = ParsedBody("none")


def media_type_of(content_type: str | None) -> str:
    """``"application/json"`` from ``"Application/JSON; charset=utf-8"``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _accepts(expected: str, got: str) -> bool:
    if expected == "application/json":
        return got == "application/json" or (
            got.startswith("application/") and got.endswith("+json")
        )
    return got == expected


def parse_body(body: Body | None, content_type: str | None, data: bytes) -> ParsedBody:
    """The body of a request to an operation with the documented ``body``.

    Raises:
        Rejected: the body is missing, of the wrong media type, or malformed.
    """
    if body is None:
        return NO_BODY
    if not data:
        if body.required:
            raise Rejected(
                400, [Problem("body", "", "required", f"a {body.media_type} body is required")]
            )
        return NO_BODY
    got = media_type_of(content_type)
    media = next((m for m in body.alternatives if _accepts(m.media_type.lower(), got)), None)
    if media is None and not body.alternatives and _accepts(body.media_type, got):
        media = body.primary
    if media is None:
        sent = f"Content-Type {got!r}" if got else "no Content-Type"
        offered = " or ".join(body.media_types)
        raise Rejected(
            415,
            [
                Problem(
                    "header",
                    "Content-Type",
                    "media type",
                    f"{sent} is not accepted here; send {offered}",
                )
            ],
        )
    if media.kind == "multipart":
        return ParsedBody(
            "form", form=_read_form(media, content_type or "", data), media=media.media_type
        )
    if media.kind == "form":
        return ParsedBody("json", value=_read_urlencoded(media, data), media=media.media_type)
    return ParsedBody("json", value=_read_json(content_type or "", data), media=media.media_type)


def _read_urlencoded(media: Media, data: bytes) -> dict[str, Any]:
    """A urlencoded form as the object its schema describes (see :mod:`triggerspec.spec.wire`),
    so the same schema judges it as a JSON body."""
    try:
        return read_urlencoded(media.schema, data)
    except FormError as exc:
        raise Rejected(400, [Problem("body", "", "form", str(exc))]) from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):  # rare: find the repeated key for the message
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constants)


def _charset(content_type: str) -> str:
    """The ``charset`` parameter of a Content-Type, ``utf-8`` when there is none."""
    if ";" not in content_type:
        return "utf-8"
    return next(
        (
            p.split("=", 1)[1].strip().strip('"').lower()
            for p in content_type.split(";")[1:]
            if p.strip().lower().startswith("charset=")
        ),
        "utf-8",
    )


def _read_json(content_type: str, data: bytes) -> Any:
    charset = _charset(content_type)
    if charset not in ("utf-8", "utf8"):
        raise Rejected(
            415,
            [Problem("header", "Content-Type", "charset", f"charset {charset!r}: JSON is UTF-8")],
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(
            400, [Problem("body", "", "json", f"the body is not UTF-8 (byte {exc.start})")]
        ) from None
    if len(data) > MAX_JSON_BYTES:
        message = f"the JSON body is {len(data)} bytes, over the limit of {MAX_JSON_BYTES}"
        raise Rejected(413, [Problem("body", "", "max-bytes", message)])
    # Brackets are counted in C; only a body with many of them is walked for its depth.
    if data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH and _too_deep(data):
        message = f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels"
        raise Rejected(400, [Problem("body", "", "json", message)])
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        why = f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    except (ValueError, RecursionError) as exc:
        why = str(exc) or "nested too deeply"
    else:
        if _SURROGATE_ESCAPE.search(data) and _has_lone_surrogate(value):
            message = "a string holds an unpaired surrogate (\\ud800-\\udfff), not Unicode text"
            raise Rejected(400, [Problem("body", "", "json", message)])
        return value
    raise Rejected(400, [Problem("body", "", "json", f"the body is not valid JSON: {why}")])


_BRACKETS = re.compile(rb'[\[\]{}"\\]')


def _too_deep(data: bytes) -> bool:
    """Whether brackets outside strings nest deeper than :data:`MAX_JSON_DEPTH`."""
    depth = 0
    in_string = False
    skip = -1  # the byte after a backslash inside a string is escaped
    for match in _BRACKETS.finditer(data):
        at = match.start()
        if at == skip:
            continue
        ch = match.group()
        if in_string:
            if ch == b"\\":
                skip = at + 1
            elif ch == b'"':
                in_string = False
        elif ch == b'"':
            in_string = True
        elif ch in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif ch in (b"]", b"}"):
            depth -= 1
    return False


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a decoded JSON value holds an unpaired surrogate in any key or string."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def describe_unchecked(content_type: str | None, data: bytes) -> Any:
    """Best-effort journal view of a body that was refused before it was read.

    JSON as parsed, a form as its parts (files summarised), anything else as its size.
    """
    summary = {"size": len(data), "parsed": False}
    media = media_type_of(content_type)
    try:
        if media == "multipart/form-data":
            out: dict[str, Any] = {}
            for part in parse_form(content_type or "", data):
                text = None if part.is_file else part.data.decode("utf-8", "replace")
                out.setdefault(
                    part.name,
                    text
                    if text is not None
                    else FormFile(part.filename or "", part.content_type, part.data).describe(),
                )
            return out
        if media == "application/json" or media.endswith("+json"):
            return json.loads(data.decode("utf-8"))
    except (MalformedForm, ValueError, RecursionError):
        pass
    return summary


def _bytes_repr_hint(part: FormPart) -> str:
    if part.data[:2] in (b"b'", b'b"'):
        return (
            " (the value looks like a Python bytes repr: a client sent this file parameter as "
            "text; upload this file as a real file part)"
        )
    return ""


def _read_form(body: Body | Media, content_type: str, data: bytes) -> Form:
    try:
        parts = parse_form(content_type, data)
    except MalformedForm as exc:
        raise Rejected(400, [Problem("body", "", "multipart", str(exc))]) from None
    documented: dict[str, Part] = {p.name: p for p in body.parts}
    problems: list[Problem] = []
    fields: dict[str, str] = {}
    files: dict[str, FormFile] = {}
    for part in parts:
        pointer = "/" + part.name.replace("~", "~0").replace("/", "~1")
        if part.name in fields or part.name in files:
            problems.append(
                Problem("body", pointer, "multipart", "the field is sent more than once")
            )
            continue
        spec = documented.get(part.name)
        if spec is not None and spec.is_file and not part.is_file:
            problems.append(
                Problem(
                    "body",
                    pointer,
                    "format binary",
                    "must be a file part (a Content-Disposition with a filename), but came as "
                    "a text field" + _bytes_repr_hint(part),
                )
            )
            continue
        if spec is not None and not spec.is_file and part.is_file:
            problems.append(
                Problem(
                    "body",
                    pointer,
                    "type string",
                    "is a text field, but came as a file part; send it without a filename",
                )
            )
            continue
        if part.is_file:
            files[part.name] = FormFile(part.filename or "", part.content_type, part.data)
            continue
        try:
            fields[part.name] = part.data.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem("body", pointer, "type string", "is not UTF-8 text"))
    if problems:
        raise Rejected(400, problems)
    return Form(fields, files)
