"""Vendor-independent pieces of a page: curl commands, JSON blocks, endpoints, deprecation.

Captured pages lose formatting: a curl command may run straight into the response example
(``-F pages_build_output_dir=dist{``, ``}'{``) and a JSON block may run into the next heading
(``}Returns Examples``). The scanners here accept those shapes, and report the line of
everything they find.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from triggerspec.drift.view import Curl, Endpoint, FormField, PageNote

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_CURL_START = re.compile(r"(?m)^[ \t]*curl[ \t]+(?=\S)")
_ENDPOINT = re.compile(rf"^\s*({'|'.join(METHODS)})\s*((?:https?://|/)\S*)\s*$")
_METHOD_ONLY = re.compile(rf"^\s*({'|'.join(METHODS)})\s*$")
_URL = re.compile(r"^\s*(https?://\S+)\s*$")
_REPLACEMENT = re.compile(rf"deprecated.*?\buse\s+({'|'.join(METHODS)})\s+(\S+)", re.IGNORECASE)
_DEPRECATED = re.compile(r"^\s*deprecated\s*$|\bis deprecated\b", re.IGNORECASE)


@dataclass(frozen=True)
class PageText:
    """A page's text with offset-to-line arithmetic."""

    text: str

    @cached_property
    def lines(self) -> list[str]:
        """The text split into lines (index 0 is line 1)."""
        return self.text.split("\n")

    def line_at(self, offset: int) -> int:
        """The 1-based line holding character ``offset``."""
        return bisect.bisect_right(self._starts, offset)

    @cached_property
    def _starts(self) -> list[int]:
        starts = [0]
        starts.extend(m.end() for m in re.finditer("\n", self.text))
        return starts


@dataclass(frozen=True)
class Span:
    """Where a snippet sits in the page text (``end`` exclusive)."""

    start: int
    end: int


@dataclass(frozen=True)
class JsonBlock:
    """A JSON value found in the page, with its first line."""

    line: int
    value: Any
    span: Span


def find_curls(page: PageText) -> tuple[list[Curl], list[Span], list[int]]:
    """Every curl command: parsed examples, their spans, and offsets where JSON starts glued."""
    curls: list[Curl] = []
    spans: list[Span] = []
    glued: list[int] = []
    for match in _CURL_START.finditer(page.text):
        if spans and match.start() < spans[-1].end:
            continue
        words, end, json_start = _lex(page.text, match.end())
        curls.append(_curl(page, match.start(), words))
        spans.append(Span(match.start(), end))
        if json_start is not None:
            glued.append(json_start)
    return curls, spans, glued


def _lex(text: str, pos: int) -> tuple[list[tuple[str, int]], int, int | None]:
    """Shell words from ``pos`` to the end of the command, each with its start offset.

    The command ends at an unquoted newline that is not escaped, or at an unquoted ``{`` that
    ends its line (a response example glued to the command).
    """
    words: list[tuple[str, int]] = []
    word: list[str] = []
    start = -1
    quote: str | None = None
    i = pos
    while i < len(text):
        ch = text[i]
        if quote is None:
            if ch == "\\" and i + 1 < len(text):
                if text[i + 1] != "\n":
                    word.append(text[i + 1])
                    start = i if start < 0 else start
                i += 2
                continue
            if ch == "\n":
                break
            if ch == "{" and text[i + 1 : i + 2] in ("\n", ""):
                if word or start >= 0:
                    words.append(("".join(word), start))
                return words, i, i
            if ch in " \t":
                if word or start >= 0:
                    words.append(("".join(word), start))
                word, start = [], -1
            elif ch in "'\"":
                quote = ch
                start = i if start < 0 else start
            else:
                word.append(ch)
                start = i if start < 0 else start
        elif ch == quote:
            quote = None
        elif quote == '"' and ch == "\\" and text[i + 1 : i + 2] in ('"', "\\", "$", "`"):
            word.append(text[i + 1])
            i += 1
        else:
            word.append(ch)
        i += 1
    if word or start >= 0:
        words.append(("".join(word), start))
    return words, i, None


_VALUE_FLAGS = {
    "-X": "method",
    "--request": "method",
    "-H": "header",
    "--header": "header",
    "-d": "data",
    "--data": "data",
    "--data-raw": "data",
    "--data-binary": "data",
    "--data-ascii": "data",
    "--json": "json",
    "-F": "form",
    "--form": "form",
    "-u": "user",
    "--user": "user",
    "-o": "skip",
    "--output": "skip",
    "-w": "skip",
    "--write-out": "skip",
}


def _curl(page: PageText, offset: int, words: list[tuple[str, int]]) -> Curl:
    method: str | None = None
    url = ""
    headers: list[tuple[str, str]] = []
    data: str | None = None
    data_line = 0
    form: list[FormField] = []
    i = 0
    while i < len(words):
        word, at = words[i]
        flag, value, value_at = word, None, at
        if word.startswith("-X") and len(word) > 2:
            flag, value = "-X", word[2:]
        elif word.startswith("--") and "=" in word:
            flag, value = word.split("=", 1)
        if flag in _VALUE_FLAGS:
            if value is None:
                if i + 1 >= len(words):
                    break
                value, value_at = words[i + 1]
                i += 1
            kind = _VALUE_FLAGS[flag]
            if kind == "method":
                method = value.upper()
            elif kind == "header" and ":" in value:
                name, _, content = value.partition(":")
                headers.append((name.strip(), content.strip()))
            elif kind in ("data", "json"):
                data, data_line = value, page.line_at(value_at)
                if kind == "json":
                    headers.append(("Content-Type", "application/json"))
            elif kind == "form":
                form.append(_form_field(value, page.line_at(value_at)))
        elif not word.startswith("-") and not url:
            url = word
        i += 1
    parsed, error = _parse_json(data)
    return Curl(
        line=page.line_at(offset),
        method=method or ("POST" if data is not None or form else "GET"),
        url=url,
        headers=tuple(headers),
        data=data,
        data_line=data_line,
        json=parsed,
        json_error=error,
        form=tuple(form),
    )


def _form_field(value: str, line: int) -> FormField:
    name, _, rest = value.partition("=")
    content_type = None
    if ";type=" in rest:
        rest, _, content_type = rest.partition(";type=")
    is_file = rest.startswith("@")
    return FormField(name, rest, line, is_file, content_type)


def _parse_json(data: str | None) -> tuple[Any, str | None]:
    if data is None:
        return None, None
    try:
        return json.loads(data), None
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"


def find_json_blocks(
    page: PageText, skip: list[Span], glued: list[int]
) -> tuple[list[JsonBlock], list[PageNote]]:
    """Every JSON object or array outside ``skip`` that starts a line, ends one, or is glued.

    A block that looks like JSON (``{`` followed by a quoted key) but does not parse is
    reported as a problem note; ``{object}`` and ``[additional]`` are prose, not JSON.
    """
    text = page.text
    decoder = json.JSONDecoder()
    candidates = sorted({*glued, *_line_edges(text)})
    blocks: list[JsonBlock] = []
    notes: list[PageNote] = []
    taken = list(skip)
    for offset in candidates:
        if any(s.start <= offset < s.end for s in taken) and offset not in glued:
            continue
        if not _looks_like_json(text, offset):
            continue
        try:
            value, end = decoder.raw_decode(text, offset)
        except json.JSONDecodeError as exc:
            notes.append(
                PageNote(
                    page.line_at(exc.pos),
                    f"the JSON example starting on line {page.line_at(offset)} does not parse: "
                    f"{exc.msg}",
                    True,
                )
            )
            taken.append(Span(offset, _balanced_end(text, offset)))
            continue
        span = Span(offset, end)
        taken.append(span)
        blocks.append(JsonBlock(page.line_at(offset), value, span))
    return blocks, notes


def _balanced_end(text: str, offset: int) -> int:
    """Where the brackets opened at ``offset`` close (strings respected), or the text's end."""
    depth = 0
    in_string = False
    i = offset
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def _line_edges(text: str) -> list[int]:
    """Offsets of a ``{``/``[`` that is the first or last non-blank character of its line."""
    found: list[int] = []
    start = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            first = start + len(line) - len(line.lstrip())
            last = start + len(line.rstrip()) - 1
            if text[first] in "{[":
                found.append(first)
            if text[last] in "{[" and last != first:
                found.append(last)
        start += len(line) + 1
    return found


def _looks_like_json(text: str, offset: int) -> bool:
    rest = text[offset + 1 : offset + 200].lstrip()
    if text[offset] == "{":
        return rest.startswith(('"', "}"))
    return bool(rest) and (rest[0] in '{["]-' or rest[0].isdigit() or rest.startswith("null"))


def find_endpoints(page: PageText) -> list[Endpoint]:
    """Method and URL lines: ``POST/accounts/...``, ``POST /v1/...``, or ``POST`` then a URL."""
    lines = page.lines
    found: list[Endpoint] = []
    for i, line in enumerate(lines):
        if m := _ENDPOINT.match(line):
            found.append(Endpoint(m.group(1), m.group(2), i + 1))
        elif m := _METHOD_ONLY.match(line):
            nxt = next((j for j in range(i + 1, min(i + 4, len(lines))) if lines[j].strip()), None)
            if nxt is not None and (u := _URL.match(lines[nxt])):
                found.append(Endpoint(m.group(1), u.group(1), nxt + 1))
    return found


def find_deprecation(page: PageText) -> tuple[int | None, Endpoint | None]:
    """The line saying the operation is deprecated, and the replacement it names."""
    line: int | None = None
    replacement: Endpoint | None = None
    for i, text in enumerate(page.lines):
        if line is None and _DEPRECATED.search(text):
            line = i + 1
        if replacement is None and (m := _REPLACEMENT.search(text)):
            replacement = Endpoint(m.group(1).upper(), m.group(2).rstrip(".,;"), i + 1)
    return line, replacement
