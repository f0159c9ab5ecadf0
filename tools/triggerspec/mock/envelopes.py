"""Vendor envelopes as data: how each vendor wraps a result and words an error.

One small class per envelope kind (the ``x-envelope`` profile names), chosen by a table
lookup, never by branching on a vendor's name. Every error the mock emits goes through
:meth:`Envelope.error`, so each one has the vendor's documented shape for its status.

Cloudflare error codes: 10000 for authentication errors and 7000 for an unknown route are
Cloudflare's own; every other status ``s`` uses ``10000 + s`` (10400, 10413, 10429, ...), so
a client can tell a mock error apart by its code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar, Literal, Protocol

from triggerspec.spec.profiles import Profile

Location = Literal["body", "path", "query", "header", "request"]


@dataclass(frozen=True)
class Problem:
    """One reason a request was refused: where, which rule, and what is wrong.

    ``field`` is a JSON pointer into the body (``""`` is the body itself) or the name of a
    path, query or header parameter.
    """

    location: Location
    field: str
    rule: str
    message: str

    @property
    def key(self) -> str:
        """The field as an error ``details`` key: ``/sha``, ``path.trigger_uuid``, ..."""
        if self.location == "body":
            return self.field or "/"
        if self.location == "request":
            return "request"
        return f"{self.location}.{self.field}"

    def __str__(self) -> str:
        where = {
            "body": self.field or "body",
            "path": f"path parameter {self.field}",
            "query": f"query parameter {self.field}",
            "header": f"header {self.field}",
            "request": "request",
        }[self.location]
        return f"{where}: {self.message} ({self.rule})"


class Rejected(Exception):
    """A request the mock refuses, with the status and every problem found."""

    def __init__(self, status: int, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.status = status
        self.problems = list(problems)


def reason(status: int) -> str:
    """The standard reason phrase of a status (``"Too Many Requests"``)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def details_of(problems: Sequence[Problem]) -> dict[str, str]:
    """``{field: "message (rule)"}``; string values, as SourceCraft's ``details`` requires."""
    out: dict[str, str] = {}
    for p in problems:
        text = f"{p.message} ({p.rule})"
        out[p.key] = f"{out[p.key]}; {text}" if p.key in out else text
    return out


def summary_of(status: int, problems: Sequence[Problem]) -> str:
    """One message naming every problem, or the reason phrase when there are none."""
    return "; ".join(str(p) for p in problems) if problems else reason(status)


class Envelope(Protocol):
    """How one vendor wraps success payloads and error bodies."""

    def success(self, payload: Any) -> Any:
        """The full success body around ``payload``."""

    def error(self, status: int, problems: Sequence[Problem], request_id: str) -> Any:
        """The vendor's error body for ``status``."""

    def rate_limit_headers(self, limit: int, remaining: int, reset_s: int) -> list[tuple[str, str]]:
        """The vendor's rate-limit headers (empty when it documents none)."""


class CloudflareEnvelope:
    """``{"success", "errors": [{"code", "message"}], "messages", "result"}``."""

    CODES: ClassVar[Mapping[int, int]] = {401: 10000, 403: 10000, 404: 7000}

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    def success(self, payload: Any) -> Any:
        return {"success": True, "errors": [], "messages": [], "result": payload}

    def error(self, status: int, problems: Sequence[Problem], request_id: str) -> Any:
        code = self.CODES.get(status, 10000 + status)
        errors = [{"code": code, "message": str(p)} for p in problems] or [
            {"code": code, "message": reason(status)}
        ]
        return {"success": False, "errors": errors, "messages": [], "result": None}

    def rate_limit_headers(self, limit: int, remaining: int, reset_s: int) -> list[tuple[str, str]]:
        return []


class NorthflankEnvelope:
    """``{"data": ...}`` and ``{"error": {"status", "message", "id", "details"}}``."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    def success(self, payload: Any) -> Any:
        return {self.profile.result_key or "data": payload}

    def error(self, status: int, problems: Sequence[Problem], request_id: str) -> Any:
        error = {
            "status": status,
            "message": summary_of(status, problems),
            "id": request_id,
            "details": details_of(problems),
        }
        return {self.profile.error_key or "error": error}

    def rate_limit_headers(self, limit: int, remaining: int, reset_s: int) -> list[tuple[str, str]]:
        reset = self.profile.rate_limit_reset or "x-ratelimit-reset"
        return [
            ("x-ratelimit-limit", str(limit)),
            ("x-ratelimit-remaining", str(remaining)),
            (reset, str(reset_s)),
        ]


class SourceCraftEnvelope:
    """A plain body, and ``{"error_code", "message", "request_id", "details"}`` errors.

    Error codes are the gRPC status names SourceCraft's gateway reports.
    """

    CODES: ClassVar[Mapping[int, str]] = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        405: "UNIMPLEMENTED",
        408: "DEADLINE_EXCEEDED",
        409: "ALREADY_EXISTS",
        412: "FAILED_PRECONDITION",
        413: "RESOURCE_EXHAUSTED",
        415: "INVALID_ARGUMENT",
        429: "RESOURCE_EXHAUSTED",
        499: "CANCELLED",
        500: "INTERNAL",
        501: "UNIMPLEMENTED",
        503: "UNAVAILABLE",
        504: "DEADLINE_EXCEEDED",
    }

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    def success(self, payload: Any) -> Any:
        return payload

    def error(self, status: int, problems: Sequence[Problem], request_id: str) -> Any:
        fallback = "INTERNAL" if status >= 500 else "FAILED_PRECONDITION"
        return {
            "error_code": self.CODES.get(status, fallback),
            "message": summary_of(status, problems),
            "request_id": request_id,
            "details": details_of(problems),
        }

    def rate_limit_headers(self, limit: int, remaining: int, reset_s: int) -> list[tuple[str, str]]:
        return []


class PlainEnvelope:
    """No envelope: the body is the payload; an error is ``{"message", "details"}``."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    def success(self, payload: Any) -> Any:
        return payload

    def error(self, status: int, problems: Sequence[Problem], request_id: str) -> Any:
        return {"message": summary_of(status, problems), "details": details_of(problems)}

    def rate_limit_headers(self, limit: int, remaining: int, reset_s: int) -> list[tuple[str, str]]:
        return []


ENVELOPES: dict[
    str, type[CloudflareEnvelope | NorthflankEnvelope | SourceCraftEnvelope | PlainEnvelope]
] = {
    "plain": PlainEnvelope,
    "cloudflare": CloudflareEnvelope,
    "northflank": NorthflankEnvelope,
    "sourcecraft": SourceCraftEnvelope,
}
"""Envelope class per profile name; every profile in ``PROFILES`` has one."""


def envelope_for(profile: Profile) -> Envelope:
    """The envelope of one vendor profile."""
    return ENVELOPES[profile.name](profile)
