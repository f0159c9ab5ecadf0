"""How long a server asks the fuzzer to wait, read from its answer's headers.

Pure functions over a status and a header mapping (a value may be a string or a list of
strings, as Schemathesis keeps them). ``Retry-After`` is read in every form (seconds, an
HTTP date; a bad value is no answer), and so are the rate-limit headers the API's envelope
declares (its remaining-requests and reset headers). All of it is read here, in one place.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from triggerspec.runtime.envelope import RateLimit
from triggerspec.runtime.retry import retry_after_seconds

RATE_LIMITED_BACKOFF = (1.0, 2.0, 4.0)
"""Waits after a 429 that does not say how long (one per re-send, then the task stops)."""
_EPOCH_THRESHOLD = 1_000_000_000
"""A reset value this large is a Unix time, not a number of seconds."""


@dataclass(frozen=True)
class Wait:
    """What the answer asks: wait ``seconds`` (``None``: it did not say), and why."""

    seconds: float | None
    reason: str
    rate_limited: bool
    """The request was refused for the rate limit (429): it was not acted on."""


def header(headers: Mapping[str, object], name: str) -> str | None:
    """One header's first value, from a ``str`` or a list of values, by any case of its name."""
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            return value if isinstance(value, str) else None
    return None


def reset_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds until a rate-limit reset header's moment (seconds, or a Unix time)."""
    if value is None or len(value) > 32:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    if number >= _EPOCH_THRESHOLD:
        number -= time.time() if now is None else now
    return max(number, 0.0)


def wait_for(status: int, headers: Mapping[str, object], limits: RateLimit) -> Wait | None:
    """The wait an answer asks for before the next request, or ``None`` when it asks none."""
    if status == 429:
        seconds = retry_after_seconds(header(headers, limits.retry_after or "retry-after"))
        if seconds is None and limits.reset:
            seconds = reset_seconds(header(headers, limits.reset))
        said = f"{seconds:g}s" if seconds is not None else "no Retry-After"
        return Wait(seconds, f"429 ({said})", rate_limited=True)
    remaining = header(headers, limits.remaining) if limits.remaining else None
    if remaining is not None and remaining.strip() == "0":
        seconds = reset_seconds(header(headers, limits.reset)) if limits.reset else None
        return Wait(
            seconds if seconds is not None else RATE_LIMITED_BACKOFF[0],
            f"{limits.remaining}: 0",
            rate_limited=False,
        )
    return None
