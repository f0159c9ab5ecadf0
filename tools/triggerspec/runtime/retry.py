"""When to retry, as pure functions with a table test.

A build trigger is a non-idempotent POST: sending it twice may start two builds. So it is
retried only where the request provably never reached the server (a connect error) or the
server said when to come back (429 with Retry-After, capped). An idempotent operation (the
repository-connection PUT upsert) may also retry 5xx and errors after sending. The caller may
opt in to retrying unsafe cases. Each operation's safety comes from its spec
(``x-retry-safe``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from triggerspec.runtime.envelope import RateLimit

RetrySafety = Literal["never-sent", "idempotent"]

MAX_RETRY_AFTER = 60.0
"""A server asking for a longer wait than this is not waited for: the error is raised."""
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry, and whether unsafe retries are allowed."""

    max_retries: int = 2
    retry_unsafe: bool = False
    """Opt in to retrying a non-idempotent operation after it may have reached the server."""


@dataclass(frozen=True)
class Decision:
    """Whether to retry, after how long, and why (for the log)."""

    retry: bool
    delay: float
    reason: str


def parse_retry_after(
    headers: httpx.Headers, now: datetime | None = None, header: str = "retry-after"
) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), if any."""
    return retry_after_seconds(headers.get(header), now)


def retry_after_seconds(value: object, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for; ``None`` when it is absent or unreadable.

    Accepts delta-seconds and an HTTP date (a date in the past is 0), and a list of values as
    some libraries keep headers (the first counts). NaN, infinite or garbled values are no answer
    (a negative number means now): the caller falls back to its own bounded backoff.
    """
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(seconds, 0.0)


def backoff(attempt: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter for retry number ``attempt`` (0-based)."""
    base: float = min(INITIAL_BACKOFF * (2**attempt), MAX_BACKOFF)
    jitter = rng.uniform(0.75, 1.0) if rng is not None else random.uniform(0.75, 1.0)
    return base * jitter


def after_error(
    error: httpx.HTTPError,
    attempt: int,
    safety: RetrySafety,
    policy: RetryPolicy,
    rng: random.Random | None = None,
) -> Decision:
    """Decide after a transport error."""
    if attempt >= policy.max_retries:
        return Decision(False, 0.0, "no retries left")
    if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout)):
        return Decision(True, backoff(attempt, rng), "connect error: the request was never sent")
    if safety == "idempotent" or policy.retry_unsafe:
        why = "idempotent operation" if safety == "idempotent" else "caller opted in"
        return Decision(True, backoff(attempt, rng), f"{type(error).__name__} ({why})")
    return Decision(False, 0.0, "the request may have reached the server; not retried")


def server_wait(
    headers: httpx.Headers, rate: RateLimit | None = None, now: datetime | None = None
) -> float | None:
    """Seconds the server asked to wait: its retry-after header, else (a spent quota) the
    time until the declared rate-limit reset; ``None`` when it says nothing."""
    rate = rate or RateLimit()
    wait = parse_retry_after(headers, now, rate.retry_after or "retry-after")
    if wait is not None or not (rate.reset and rate.remaining):
        return wait
    if headers.get(rate.remaining, "").strip() != "0":
        return None
    try:
        reset = float(headers.get(rate.reset, ""))
    except ValueError:
        return None
    if rate.reset_unit == "epoch-seconds":
        reset -= (now or datetime.now(UTC)).timestamp()
    return max(reset, 0.0) if reset == reset else None


def after_response(
    response: httpx.Response,
    attempt: int,
    safety: RetrySafety,
    policy: RetryPolicy,
    rng: random.Random | None = None,
    rate: RateLimit | None = None,
) -> Decision:
    """Decide after a response with an error status (``rate``: the envelope's rate-limit
    headers, which say how long a 429 lasts when there is no Retry-After)."""
    status = response.status_code
    if attempt >= policy.max_retries:
        return Decision(False, 0.0, "no retries left")
    if status == 429:
        wait = server_wait(response.headers, rate)
        if wait is None:
            if safety == "idempotent" or policy.retry_unsafe:
                return Decision(True, backoff(attempt, rng), "429 without Retry-After")
            return Decision(False, 0.0, "429 without Retry-After; not retried")
        if wait > MAX_RETRY_AFTER:
            return Decision(
                False, 0.0, f"Retry-After {wait:.0f}s is over the {MAX_RETRY_AFTER:.0f}s cap"
            )
        return Decision(True, wait, f"429, server asked to retry after {wait:g}s")
    if status == 408 or status >= 500:
        if safety == "idempotent" or policy.retry_unsafe:
            why = "idempotent operation" if safety == "idempotent" else "caller opted in"
            wait = server_wait(response.headers, rate)
            delay = min(wait, MAX_RETRY_AFTER) if wait is not None else backoff(attempt, rng)
            return Decision(True, delay, f"status {status} ({why})")
        return Decision(False, 0.0, f"status {status} on a non-idempotent operation; not retried")
    return Decision(False, 0.0, f"status {status} is not retried")
