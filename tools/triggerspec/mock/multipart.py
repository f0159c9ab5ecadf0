"""Parse a ``multipart/form-data`` body into its parts, refusing anything malformed.

python-multipart does the byte-level work; this module adds what a server must still
decide: every part has a ``Content-Disposition: form-data`` with a ``name``, names and
file names are UTF-8, the body ends with its closing boundary, and the part count and
header sizes are bounded. Field names are taken literally (no percent-decoding, and the
RFC 5987 ``name*`` form is ignored, as RFC 7578 section 4.2 asks), so names such as
``a%zz`` or ``a;b`` are just names.

The parser logs a warning for every malformed byte it meets ("Found invalid character 13
in header at 76"), which, with no logging configured, Python prints to stderr: a fuzz run
would flood the terminal with what the mock already answers as a 400. Our parser instances
log to a quiet logger of their own instead; the library's module logger is left alone for
anyone else in the process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_PARTS = 256
"""More parts than any documented form has many times over."""

PARSER_LOG = logging.getLogger("triggerspec.mock.multipart.parser")
"""Where python-multipart's complaints about our requests go: nowhere (each one is a 400)."""
PARSER_LOG.addHandler(logging.NullHandler())
PARSER_LOG.propagate = False


class MalformedForm(ValueError):
    """The body is not a well-formed ``multipart/form-data`` body; the message says why."""


@dataclass(frozen=True)
class FormPart:
    """One part: its field name, the file name when it is a file part, and its bytes."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def is_file(self) -> bool:
        """Whether the part was sent as a file (its Content-Disposition has a filename)."""
        return self.filename is not None


def boundary_of(content_type: str) -> bytes:
    """The boundary parameter of a multipart ``Content-Type``; ``MalformedForm`` if absent."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary", b"")
    if not boundary:
        raise MalformedForm("the multipart Content-Type has no boundary parameter")
    if len(boundary) > 70:
        raise MalformedForm("the multipart boundary is longer than 70 characters (RFC 2046)")
    return boundary


def _utf8(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedForm(f"{what} is not UTF-8") from None


class _Collector:
    """Callbacks for :class:`MultipartParser` that gather whole parts."""

    def __init__(self) -> None:
        self.parts: list[FormPart] = []
        self.ended = False
        self._headers: dict[str, bytes] = {}
        self._field = bytearray()
        self._value = bytearray()
        self._data: list[memoryview] = []

    def on_part_begin(self) -> None:
        if len(self.parts) >= MAX_PARTS:
            raise MalformedForm(f"the form has more than {MAX_PARTS} parts")
        self._headers = {}
        self._data = []

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[bytes(self._field).decode("latin-1").strip().lower()] = bytes(self._value)
        self._field = bytearray()
        self._value = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        # A view, not a copy: the body is immutable bytes, and the part's pieces are joined
        # once at its end (a 20 MiB field is copied once, not grown and copied again).
        self._data.append(memoryview(data)[start:end])

    def on_part_end(self) -> None:
        index = len(self.parts) + 1
        disposition = self._headers.get("content-disposition")
        if disposition is None:
            raise MalformedForm(f"part {index} has no Content-Disposition header")
        kind, params = parse_options_header(disposition.decode("latin-1"))
        if kind != b"form-data":
            raise MalformedForm(
                f"part {index} has Content-Disposition {kind.decode('latin-1')!r}, "
                "expected form-data"
            )
        if b"name" not in params:
            raise MalformedForm(f"part {index} has no name in its Content-Disposition")
        name = _utf8(params[b"name"], f"the name of part {index}")
        filename = params.get(b"filename")
        ctype = self._headers.get("content-type")
        self.parts.append(
            FormPart(
                name=name,
                filename=None if filename is None else _utf8(filename, f"the filename of {name}"),
                content_type=None if ctype is None else ctype.decode("latin-1").strip(),
                data=b"".join(self._data),
            )
        )

    def on_end(self) -> None:
        self.ended = True


def parse_form(content_type: str, body: bytes) -> list[FormPart]:
    """Every part of a multipart body, in order (each part's bytes copied once).

    Raises:
        MalformedForm: no boundary, a broken part, or a body without its closing boundary.
    """
    boundary = boundary_of(content_type)
    collector = _Collector()
    callbacks = {
        name: getattr(collector, name)
        for name in (
            "on_part_begin",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_part_data",
            "on_part_end",
            "on_end",
        )
    }
    try:
        parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
        parser.logger = PARSER_LOG
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise MalformedForm(f"the multipart body does not parse: {exc}") from None
    except MalformedForm:
        raise
    except Exception as exc:  # the parser's own errors are not all MultipartParseError
        raise MalformedForm(f"the multipart body does not parse: {exc}") from None
    if not collector.ended:
        raise MalformedForm("the multipart body ends before its closing boundary")
    return collector.parts
