"""Vendor differences as data: one small profile per envelope kind.

The generator, the mock and the checks read these tables instead of branching on the
vendor's name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How one vendor wraps results and errors, and how it signals rate limits."""

    name: str
    result_key: str | None
    """Key holding the payload in a success body (``None``: the body is the payload)."""
    error_key: str | None
    """Key holding the error object in an error body (``None``: the body is the error)."""
    success_flag: str | None
    """Boolean key that must be true on success (Cloudflare's ``success``)."""
    rate_limit_reset: str | None
    """Header telling seconds until the rate limit resets, besides ``Retry-After``."""


PLAIN = Profile("plain", None, None, None, None)
"""No envelope: the body is the payload, and an error is the body itself."""

PROFILES: dict[str, Profile] = {
    "plain": PLAIN,
    "cloudflare": Profile("cloudflare", "result", None, "success", None),
    "northflank": Profile("northflank", "data", "error", None, "x-ratelimit-reset"),
    "sourcecraft": Profile("sourcecraft", None, None, None, None),
}
