"""The retry rules as a table: a build trigger is never sent twice unless provably safe."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest

from triggerspec.runtime.envelope import RateLimit
from triggerspec.runtime.retry import (
    MAX_RETRY_AFTER,
    RetryPolicy,
    after_error,
    after_response,
    backoff,
    parse_retry_after,
    server_wait,
)

REQ = httpx.Request("POST", "https://example.test/build")
POLICY = RetryPolicy(max_retries=2)
OPT_IN = RetryPolicy(max_retries=2, retry_unsafe=True)


def _resp(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=REQ)


@pytest.mark.parametrize(
    ("error", "safety", "policy", "retry"),
    [
        (httpx.ConnectError("refused", request=REQ), "never-sent", POLICY, True),
        (httpx.ConnectTimeout("slow", request=REQ), "never-sent", POLICY, True),
        (httpx.ReadTimeout("slow", request=REQ), "never-sent", POLICY, False),
        (httpx.WriteTimeout("slow", request=REQ), "never-sent", POLICY, False),
        (httpx.RemoteProtocolError("reset", request=REQ), "never-sent", POLICY, False),
        (httpx.ReadTimeout("slow", request=REQ), "idempotent", POLICY, True),
        (httpx.ReadTimeout("slow", request=REQ), "never-sent", OPT_IN, True),
    ],
)
def test_after_transport_error(
    error: httpx.HTTPError, safety: str, policy: RetryPolicy, retry: bool
) -> None:
    decision = after_error(error, 0, safety, policy)  # type: ignore[arg-type]
    assert decision.retry is retry, decision.reason


@pytest.mark.parametrize(
    ("response", "safety", "policy", "retry", "delay"),
    [
        (_resp(429, **{"Retry-After": "2"}), "never-sent", POLICY, True, 2.0),
        (_resp(429), "never-sent", POLICY, False, None),
        (_resp(429), "idempotent", POLICY, True, None),
        (
            _resp(429, **{"Retry-After": str(int(MAX_RETRY_AFTER) + 1)}),
            "idempotent",
            POLICY,
            False,
            None,
        ),
        (_resp(503), "never-sent", POLICY, False, None),
        (_resp(503), "idempotent", POLICY, True, None),
        (_resp(503, **{"Retry-After": "1"}), "idempotent", POLICY, True, 1.0),
        (_resp(500), "never-sent", OPT_IN, True, None),
        (_resp(408), "idempotent", POLICY, True, None),
        (_resp(404), "idempotent", POLICY, False, None),
        (_resp(400), "never-sent", OPT_IN, False, None),
    ],
)
def test_after_response(
    response: httpx.Response, safety: str, policy: RetryPolicy, retry: bool, delay: float | None
) -> None:
    decision = after_response(response, 0, safety, policy)  # type: ignore[arg-type]
    assert decision.retry is retry, decision.reason
    if delay is not None:
        assert decision.delay == delay


def test_no_retries_left() -> None:
    error = httpx.ConnectError("refused", request=REQ)
    assert not after_error(error, 2, "idempotent", POLICY).retry
    assert not after_response(_resp(429, **{"Retry-After": "1"}), 2, "idempotent", POLICY).retry


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("soon", None),
        ("nan", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str, seconds: float | None) -> None:
    assert parse_retry_after(httpx.Headers({"Retry-After": value})) == seconds


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    delays = [backoff(n, rng) for n in range(8)]
    assert delays[0] < delays[1] < delays[2]
    assert all(0.75 * 0.5 * 2**n <= d <= 0.5 * 2**n for n, d in enumerate(delays[:4]))
    assert max(delays) <= 8.0


def test_a_declared_rate_limit_reset_says_how_long_a_429_lasts() -> None:
    """Without Retry-After, a spent quota's declared reset header is the wait (seconds to go
    or epoch seconds, as the envelope declares); undeclared headers mean nothing."""
    now = datetime(2025, 1, 1, tzinfo=UTC)
    epoch = RateLimit(
        remaining="x-ratelimit-remaining", reset="x-ratelimit-reset", reset_unit="epoch-seconds"
    )
    spent = httpx.Headers(
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(now.timestamp()) + 7)}
    )
    assert server_wait(spent, epoch, now) == 7
    seconds = RateLimit(remaining="x-ratelimit-remaining", reset="x-ratelimit-reset")
    assert (
        server_wait(
            httpx.Headers({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "3"}), seconds
        )
        == 3
    )
    assert (
        server_wait(
            httpx.Headers({"x-ratelimit-remaining": "5", "x-ratelimit-reset": "3"}), seconds
        )
        is None
    )
    assert server_wait(spent, None, now) is None  # nothing declared: only Retry-After counts
    response = _resp(429, **{"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2"})
    decision = after_response(response, 0, "never-sent", POLICY, rate=seconds)
    assert (decision.retry, decision.delay) == (True, 2)
    assert not after_response(response, 0, "never-sent", POLICY).retry
