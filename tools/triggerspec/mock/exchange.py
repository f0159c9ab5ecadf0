"""The mock's own request and response values: what every front end turns traffic into.

The mock is a function from :class:`MockRequest` to :class:`MockResponse`. The ASGI app, the
httpx transports and the respx handler only translate to and from these two values, so the
same code answers under uvicorn and in-process.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from triggerspec.spec.model import Response


def headers_of(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased header names; repeated headers joined with ``", "`` as HTTP allows."""
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def asgi_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """:func:`headers_of` for ASGI's raw header list (names already lower-case on the
    usual servers; a dict built in one pass unless a name repeats)."""
    out = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw}
    if len(out) != len(raw):
        return headers_of((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)
    return out


@dataclass(slots=True)
class MockRequest:
    """One received request, transport-neutral.

    ``target`` is the raw (still percent-encoded) path without the query; header names are
    lower-case and values are decoded as Latin-1, as HTTP/1.1 carries them. One is made per
    request (a slotted class: half the cost of a frozen one); the mock never changes it.
    """

    method: str
    target: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The value of one header (case-insensitive), or ``None``."""
        return self.headers.get(name.lower())

    @property
    def content_length(self) -> int | None:
        """The declared ``Content-Length``, or ``None`` when absent or not a number."""
        raw = self.headers.get("content-length")
        if raw is None or not raw.strip().isdigit():
            return None
        return int(raw)


@dataclass
class MockResponse:
    """One answer: status, headers, body bytes, and how long to wait before sending it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    delay_s: float = 0.0

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """The first value of one header (case-insensitive), or ``None``."""
        key = name.lower()
        return next((v for k, v in self.headers if k.lower() == key), None)


_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode_json(payload: Any) -> bytes:
    """Compact JSON bytes.

    ASCII escapes keep any string a client sent (lone surrogates included) encodable.
    """
    return _ENCODER.encode(payload).encode("ascii")


def answer(
    response: Response, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()
) -> MockResponse:
    """The body of a documented response as its media type says: none (no body, no
    Content-Type), JSON, text, or bytes."""
    if response.kind == "none":
        return MockResponse(status, list(headers), b"")
    if response.kind == "json":
        return json_response(status, payload, headers)
    media = response.media_type or "application/octet-stream"
    if isinstance(payload, bytes):
        data = payload
    elif isinstance(payload, str):
        data = payload.encode("utf-8")
    else:
        data = json.dumps(payload).encode("utf-8") if payload is not None else b""
    return MockResponse(status, [("content-type", media), *headers], data)


def json_response(
    status: int, payload: Any, headers: Iterable[tuple[str, str]] = (), delay_s: float = 0.0
) -> MockResponse:
    """A JSON response."""
    return MockResponse(
        status,
        [("content-type", "application/json"), *headers],
        encode_json(payload),
        delay_s,
    )
