"""Read ``info.x-auth-errors``: what an API answers when a credential is missing, malformed,
wrong, or valid but without the permission.

Vendors differ, and a client's exception class follows the status (401
``AuthenticationError``, 403 ``PermissionDeniedError``, 400 ``BadRequestError``), so the
spec states it once, and lint, the mock and its tests read the same value::

    info:
      x-auth-errors:
        missing:   {status: 400, code: 9106, message: "Missing ... headers", x-source: ...}
        malformed: {status: 400, code: 6003, message: "Invalid request headers"}
        invalid:   {status: 403, code: 10000, message: "Authentication error"}
        forbidden: {status: 403, code: 10000, message: "Authentication error"}

Each refusal has a 4xx ``status``, and optionally the vendor's error ``code`` (default: the
envelope's code for the status) and ``message`` (put before the mock's own explanation).
``x-source`` / ``x-decision`` / ``x-stricter`` sit next to each as provenance. A kind left
out keeps the default of RFC 6750 (section 3.1): 401 for a missing, malformed or invalid
credential, 403 for a valid one without the permission; ``malformed`` defaults to what
``missing`` says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import jsonschema

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp

AuthKind = Literal["missing", "malformed", "invalid", "forbidden"]
KINDS: tuple[AuthKind, ...] = ("missing", "malformed", "invalid", "forbidden")

_PROVENANCE: dict[str, Any] = {"^x-": {}}
_REFUSAL: dict[str, Any] = {
    "type": "object",
    "required": ["status"],
    "additionalProperties": False,
    "patternProperties": _PROVENANCE,
    "properties": {
        "status": {"type": "integer", "minimum": 400, "maximum": 499},
        "code": {"type": ["string", "integer"]},
        "message": {"type": "string", "minLength": 1, "maxLength": 500},
    },
}

AUTH_ERRORS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "patternProperties": _PROVENANCE,
    "properties": {kind: _REFUSAL for kind in KINDS},
}
"""The JSON Schema of an ``x-auth-errors`` declaration."""

_VALIDATOR = jsonschema.Draft202012Validator(AUTH_ERRORS_SCHEMA)
_AT = "/info/x-auth-errors"


@dataclass(frozen=True)
class AuthRefusal:
    """One way a request fails to authenticate: its status, code and message."""

    status: int
    code: str | int | None = None
    """The vendor's error code (``None``: the envelope's code for the status)."""
    message: str | None = None
    """The vendor's wording, put before the mock's own explanation."""


@dataclass(frozen=True)
class AuthErrors:
    """What an API answers per kind of authentication failure."""

    missing: AuthRefusal = field(default_factory=lambda: AuthRefusal(401))
    malformed: AuthRefusal = field(default_factory=lambda: AuthRefusal(401))
    invalid: AuthRefusal = field(default_factory=lambda: AuthRefusal(401))
    forbidden: AuthRefusal = field(default_factory=lambda: AuthRefusal(403))
    declared: tuple[AuthKind, ...] = ()
    """The kinds the spec states (the others are defaults)."""

    def of(self, kind: AuthKind) -> AuthRefusal:
        """The refusal of one kind."""
        found: AuthRefusal = getattr(self, kind)
        return found


DEFAULT = AuthErrors()


def parse_auth_errors(declared: Any, file: str) -> AuthErrors:
    """The refusals ``info.x-auth-errors`` declares in spec ``file`` (defaults when absent).

    Raises:
        SpecError: a declaration that breaks :data:`AUTH_ERRORS_SCHEMA`, or a ``forbidden``
            refusal answered 401 (a valid credential is not an authentication failure).
    """
    if declared is None:
        return DEFAULT
    errors = sorted(_VALIDATOR.iter_errors(declared), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = jp.join(_AT, *[str(p) for p in first.absolute_path])
        raise SpecError(file, where, f"auth errors: {first.message} ({first.validator})")
    forbidden = declared.get("forbidden") or {}
    if forbidden.get("status") == 401:
        raise SpecError(
            file,
            jp.join(_AT, "forbidden", "status"),
            "auth errors: a valid credential without the permission is not an authentication "
            "failure; 401 asks the client for credentials (RFC 9110 15.5.2): use 403, or 404 "
            "where the vendor hides what the caller may not see",
        )

    def pick(kind: AuthKind, default: AuthRefusal) -> AuthRefusal:
        entry = declared.get(kind)
        if entry is None:
            return default
        return AuthRefusal(entry["status"], entry.get("code"), entry.get("message"))

    missing = pick("missing", DEFAULT.missing)
    return AuthErrors(
        missing=missing,
        malformed=pick("malformed", missing),
        invalid=pick("invalid", DEFAULT.invalid),
        forbidden=pick("forbidden", DEFAULT.forbidden),
        declared=tuple(k for k in KINDS if k in declared),
    )
