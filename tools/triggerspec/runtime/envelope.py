"""How an API wraps results and words errors: a declaration, never a vendor branch.

A spec declares it under ``info.x-envelope`` (a preset name or an inline mapping; see
:mod:`triggerspec.spec.envelope`), the contract model holds it as an :class:`Envelope`, and
every consumer reads the same value: generated clients unwrap results and raise typed
errors, the mock wraps answers and words refusals, the checks judge envelopes. Generated
clients embed it as data (``Envelope(result_key="result", ...)``), so this module only
needs the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

KINDS: Mapping[str, int] = {
    "bad_request": 400,
    "auth": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "timeout": 408,
    "conflict": 409,
    "precondition": 412,
    "too_large": 413,
    "unsupported_media": 415,
    "rate_limit": 429,
    "cancelled": 499,
    "server_error": 500,
    "not_implemented": 501,
    "unavailable": 503,
    "gateway_timeout": 504,
}
"""Refusal kinds an envelope may name an error code for, and the status each one answers
(``validation`` is the envelope's own ``validation_status``)."""


@dataclass(frozen=True)
class ErrorShape:
    """Where an error sits in the body and what its members are called.

    Each member name is optional: ``None`` means the vendor's error has no such member.
    """

    key: str | None = None
    """Body member holding the error (``None``: the body is the error)."""
    many: bool = False
    """The member holds a list of error objects, one per problem (Cloudflare's ``errors``)."""
    message: str | None = "message"
    code: str | None = None
    status: str | None = None
    """Member repeating the HTTP status as a number."""
    request_id: str | None = None
    details: str | None = None
    """Member mapping each offending field to its problem (``{field: "message (rule)"}``)."""


@dataclass(frozen=True)
class RateLimit:
    """The rate-limit headers an API sends, and what the reset header counts."""

    limit: str | None = None
    remaining: str | None = None
    reset: str | None = None
    reset_unit: Literal["seconds", "epoch-seconds"] = "seconds"
    retry_after: str | None = "retry-after"
    """The header that says how long to wait after a 429 (seconds); ``None``: not sent."""
    window_s: int = 3600
    """The documented rate-limit window, in seconds."""


@dataclass(frozen=True)
class Envelope:
    """One API's envelope: result and error placement, success flag, codes, rate limits."""

    name: str = "plain"
    """The preset name, ``inline`` for a declaration in the spec, ``plain`` for none."""
    result_key: str | None = None
    """Member holding the payload of a success body (``None``: the body is the payload)."""
    error: ErrorShape = field(default_factory=ErrorShape)
    success_flag: str | None = None
    """Boolean member that is true on success and false on failure (even on a 2xx)."""
    success_members: Mapping[str, Any] = field(default_factory=dict)
    """Constant members of every success body besides the result (``errors: []``)."""
    error_members: Mapping[str, Any] = field(default_factory=dict)
    """Constant members of every error body besides the error (``result: null``)."""
    validation_status: int = 400
    """The status of a request refused for breaking the spec's rules (GitHub: 422)."""
    codes: Mapping[str, str | int] = field(default_factory=dict)
    """Error code per status (``"404"``) or refusal kind (``not_found``, ``validation``)."""
    code_offset: int | None = None
    """When no code is listed: ``code_offset + status`` (Cloudflare's 10400, 10429, ...)."""
    client_code: str | int | None = None
    """When no code is listed and there is no offset: the code of any other 4xx."""
    server_code: str | int | None = None
    """... and of any other 5xx."""
    rate_limit: RateLimit = field(default_factory=RateLimit)

    def code_for(self, status: int) -> str | int | None:
        """The error code of a refusal with ``status``: listed, offset, or the fallback."""
        key = str(status)
        if key in self.codes:
            return self.codes[key]
        if status == self.validation_status and "validation" in self.codes:
            return self.codes["validation"]
        for kind, kind_status in KINDS.items():
            if kind_status == status and kind in self.codes:
                return self.codes[kind]
        if self.code_offset is not None:
            return self.code_offset + status
        return self.server_code if status >= 500 else self.client_code

    def error_body(
        self,
        status: int,
        messages: Sequence[str],
        summary: str,
        details: Mapping[str, str],
        request_id: str,
        code: str | int | None = None,
    ) -> Any:
        """The error body for ``status``: one entry per message (``many``), else one; the
        error code is ``code`` when given, else :meth:`code_for` the status."""
        shape = self.error
        code = self.code_for(status) if code is None else code

        def entry(message: str) -> dict[str, Any]:
            out: dict[str, Any] = {}
            if shape.code:
                out[shape.code] = code
            if shape.status:
                out[shape.status] = status
            if shape.message:
                out[shape.message] = message
            if shape.request_id:
                out[shape.request_id] = request_id
            if shape.details:
                out[shape.details] = dict(details)
            return out

        error: Any = [entry(m) for m in messages or [summary]] if shape.many else entry(summary)
        body: dict[str, Any] = {}
        if self.success_flag:
            body[self.success_flag] = False
        if shape.key is None:  # the declaration's schema makes ``many`` need a key
            body.update(error if isinstance(error, dict) else {})
        else:
            body[shape.key] = error
        body.update(self.error_members)
        return body

    def success_body(self, payload: Any) -> Any:
        """The whole success body around ``payload``."""
        if self.result_key is None and not self.success_flag and not self.success_members:
            return payload
        body: dict[str, Any] = {}
        if self.success_flag:
            body[self.success_flag] = True
        body.update(self.success_members)
        if self.result_key is not None:
            body[self.result_key] = payload
        elif isinstance(payload, dict):
            body.update(payload)
        return body

    def failed(self, body: Any) -> bool:
        """Whether a 2xx body says it failed (its success flag is false)."""
        flag = self.success_flag
        return bool(flag) and isinstance(body, dict) and body.get(flag) is False

    def error_of(self, body: Any) -> Any:
        """The error object(s) inside an error body."""
        if isinstance(body, dict) and self.error.key is not None:
            return body.get(self.error.key)
        return body

    def summary(self, body: Any) -> str:
        """``[code] message`` for each error in an error body ("" when none can be read)."""
        error = self.error_of(body)
        items = error if isinstance(error, list) else [error]
        shape = self.error
        parts: list[str] = []
        for item in items:
            if not isinstance(item, dict):
                continue
            message = item.get(shape.message) if shape.message else None
            code = item.get(shape.code) if shape.code else None
            if code is None and shape.status:
                code = item.get(shape.status)
            if message is None:
                continue
            parts.append(f"[{code}] {message}" if code is not None else str(message))
        return "; ".join(parts)


PLAIN = Envelope()
"""No envelope: the body is the payload, and an error is ``{"message": ...}``."""
