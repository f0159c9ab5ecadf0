"""Each hostile server on 127.0.0.1 proves one guarantee of fuzzing a real endpoint.

Runs use ``--real-endpoint``, which turns on every real-endpoint safety on loopback, and the
servers count the valid build triggers that arrived (judged as the vendor would).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.safety.conftest import PROJECT, SPECS, TOKENS, Outcome
from tests.safety.hostile import (
    Arrival,
    HostileServer,
    accepts_everything,
    accepts_unknown_fields,
    echoes_secrets,
    fails_valid_triggers,
    hangs,
    rate_limited,
    refusal,
    success,
)
from triggerspec.contract.safety import MAX_RATE_LIMITED
from triggerspec.spec.model import Api

Fuzz = Callable[..., Outcome]
NORTHFLANK = str(SPECS / "northflank.yaml")
PAGES = str(SPECS / "cloudflare-pages.yaml")


def _sent(server: HostileServer) -> list[tuple[str, str, bytes]]:
    return [(a.method, a.path, a.body) for a in server.arrivals]


@pytest.mark.parametrize("spec", sorted(p.name for p in PROJECT.spec_files()))
def test_accepts_everything_gets_no_valid_trigger(
    spec_apis: list[Api], fuzz: Fuzz, spec: str
) -> None:
    """Without --allow-side-effects no build trigger the vendor would act on is ever sent."""
    with HostileServer(spec_apis, accepts_everything) as server:
        outcome = fuzz(
            "--base-url",
            server.url,
            "--real-endpoint",
            "--spec",
            str(SPECS / spec),
            "--max-examples",
            "8",
            "--seed",
            "1",
        )
    assert server.valid_triggers == 0
    assert outcome.code in (0, 1), outcome.err
    if server.arrivals:
        # The first accepted invalid request stops the run: a real endpoint acted on it.
        assert outcome.code == 1 and "rejects_invalid_request" in outcome.out
        assert "stopped" in outcome.err


def test_accepts_unknown_fields_gets_no_deployment(spec_apis: list[Api], fuzz: Fuzz) -> None:
    """A Pages "negative" case closed only by an x-stricter rule is withheld and counted."""
    with HostileServer(spec_apis, accepts_unknown_fields) as server:
        outcome = fuzz(
            "--base-url",
            server.url,
            "--real-endpoint",
            "--spec",
            PAGES,
            "--max-examples",
            "30",
            "--seed",
            "2",
        )
    assert server.valid_triggers == 0
    assert [a for a in server.arrivals if a.vendor_valid] == []
    assert "withheld (the vendor would act on them)" in outcome.out, outcome.out
    assert outcome.code == 0, outcome.out
    assert server.arrivals  # the cases the vendor refuses were still sent


def test_budget_is_exactly_the_builds_sent(spec_apis: list[Api], fuzz: Fuzz) -> None:
    """With --allow-side-effects, exactly --max-requests valid triggers arrive, then it stops."""
    with HostileServer(spec_apis, accepts_everything) as server:
        outcome = fuzz(
            "--base-url",
            server.url,
            "--real-endpoint",
            "--spec",
            NORTHFLANK,
            "--mode",
            "positive",
            "--allow-side-effects",
            "--max-requests",
            "3",
            "--max-examples",
            "20",
            "--seed",
            "3",
        )
    assert len(server.arrivals) == 3
    assert server.valid_triggers == 3
    assert "request budget of 3 used up" in outcome.err
    assert outcome.code == 0, outcome.out


@pytest.mark.parametrize("budget", ["1", "5"])
def test_500_to_a_valid_trigger_is_sent_once_and_reported(
    spec_apis: list[Api], fuzz: Fuzz, budget: str
) -> None:
    """No replay after a failure, and a failure on the budget's last request still counts."""
    with HostileServer(spec_apis, fails_valid_triggers) as server:
        outcome = fuzz(
            "--base-url",
            server.url,
            "--real-endpoint",
            "--spec",
            NORTHFLANK,
            "--operation",
            "startJobBuild",
            "--mode",
            "positive",
            "--allow-side-effects",
            "--max-requests",
            budget,
            "--max-examples",
            "10",
            "--seed",
            "4",
        )
    assert server.valid_triggers == 1 and len(server.arrivals) == 1
    assert outcome.code == 1
    assert "FAILED startJobBuild [positive]: not_a_server_error" in outcome.out
    assert "reproduce: curl" in outcome.out


def test_accepted_invalid_request_arrives_once_on_loopback_too(
    spec_apis: list[Api], fuzz: Fuzz
) -> None:
    """Even against loopback (no --real-endpoint), a failing case is never replayed."""
    with HostileServer(spec_apis, accepts_everything) as server:
        outcome = fuzz(
            "--base-url",
            server.url,
            "--spec",
            NORTHFLANK,
            "--mode",
            "negative",
            "--max-examples",
            "10",
            "--seed",
            "5",
        )
    assert outcome.code == 1
    sent = _sent(server)
    # The first failure ends the task: the failing request is the last to arrive, once.
    assert sent and sent.count(sent[-1]) == 1, "the failing request was sent again"
    assert not server.arrivals[-1].vendor_valid


def test_hanging_server_costs_one_timeout_per_task(spec_apis: list[Api], fuzz: Fuzz) -> None:
    """A timeout is a failure of its case (exit 1, with a curl line) and the run goes on."""
    with HostileServer(spec_apis, hangs) as server:
        outcome = fuzz(
            "--base-url",
            server.url,
            "--spec",
            NORTHFLANK,
            "--operation",
            "startJobBuild",
            "--request-timeout",
            "0.5",
            "--max-examples",
            "5",
            "--seed",
            "6",
        )
    assert outcome.code == 1, outcome.err
    assert outcome.out.count(": request_timeout") == 2  # both tasks ran, each timed out once
    assert "no answer within 0.5s" in outcome.out and "reproduce: curl" in outcome.out
    assert f"{server.url}/v1/projects/" in outcome.out  # the curl line names the real target
    assert len(server.arrivals) == 2
    assert outcome.seconds < 2 * 0.5 + 15


def test_max_time_bounds_a_hanging_run(spec_apis: list[Api], fuzz: Fuzz) -> None:
    with HostileServer(spec_apis, hangs) as server:
        outcome = fuzz(
            "--base-url",
            server.url,
            "--request-timeout",
            "5",
            "--max-time",
            "1",
            "--max-examples",
            "5",
            "--seed",
            "6",
        )
    assert outcome.seconds < 1 + 12
    assert outcome.code == 1, outcome.err  # the case cut short by max-time is a timeout
    assert "Traceback" not in outcome.err and "Flaky" not in outcome.out


@pytest.mark.parametrize(
    "retry_after", ["1", "Wed, 21 Oct 2015 07:28:00 GMT", "soon", "-3", "1e400", None]
)
def test_429_is_waited_out_a_bounded_number_of_times(
    spec_apis: list[Api], fuzz: Fuzz, retry_after: str | None
) -> None:
    """Every Retry-After form is read; a 429 is re-sent at most a bounded number of times."""
    with HostileServer(spec_apis, rate_limited(retry_after)) as server:
        outcome = fuzz(
            "--base-url",
            server.url,
            "--real-endpoint",
            "--spec",
            NORTHFLANK,
            "--max-examples",
            "5",
            "--seed",
            "7",
            "--max-time",
            "4",
        )
    assert outcome.code == 0, outcome.out + outcome.err
    assert 1 <= len(server.arrivals) <= MAX_RATE_LIMITED + 1
    assert server.valid_triggers == 0
    assert "rate limited" in outcome.err or "max-time" in outcome.err
    assert outcome.seconds < 4 + 12


def test_retry_after_is_honoured(spec_apis: list[Api], fuzz: Fuzz) -> None:
    """After a 429 with Retry-After: 1 the same case is sent again no sooner than a second."""
    import time

    times: list[float] = []

    def once_then_refuse(
        server: HostileServer, arrival: Arrival
    ) -> tuple[int, dict[str, str], object]:
        times.append(time.monotonic())
        if len(times) == 1:
            return 429, {"retry-after": "1"}, None
        return 400, {}, {"error": {"status": 400, "message": "refused"}}

    with HostileServer(spec_apis, once_then_refuse) as server:
        fuzz(
            "--base-url",
            server.url,
            "--real-endpoint",
            "--spec",
            NORTHFLANK,
            "--max-examples",
            "1",
            "--seed",
            "8",
            "--max-requests",
            "2",
        )
    assert len(server.arrivals) == 2 and server.valid_triggers == 0
    assert server.arrivals[0].body == server.arrivals[1].body
    assert times[1] - times[0] >= 0.95


def test_echoed_secrets_never_reach_a_report(
    spec_apis: list[Api], fuzz: Fuzz, tmp_path: Path
) -> None:
    """Credentials and secret build files echoed back are masked in every output."""
    reports = [tmp_path / "run.har", tmp_path / "run.json", tmp_path / "junit.xml"]
    with HostileServer(spec_apis, echoes_secrets) as server:
        outcome = fuzz(
            "--base-url",
            server.url,
            "--spec",
            NORTHFLANK,
            "--max-examples",
            "25",
            "--seed",
            "9",
            "--har",
            str(reports[0]),
            "--json",
            str(reports[1]),
            "--report",
            str(reports[2]),
        )
    secrets = {TOKENS["NORTHFLANK_API_TOKEN"]}
    for arrival in server.arrivals:
        try:
            body = json.loads(arrival.body)
        except ValueError:
            continue
        overrides = body.get("overrides") if isinstance(body, dict) else None
        # a negative case may send any JSON as `overrides`: only an object holds build files
        files = overrides.get("buildFiles") if isinstance(overrides, dict) else None
        if isinstance(files, dict):
            secrets |= {
                f["data"]
                for f in files.values()
                if isinstance(f, dict) and isinstance(f.get("data"), str) and len(f["data"]) >= 4
            }
    assert len(secrets) > 1, "no secret build file was sent: the test proves nothing"
    texts = [outcome.out, outcome.err, *(p.read_text() for p in reports)]
    for secret in secrets:
        for text in texts:
            assert secret not in text
            assert json.dumps(secret)[1:-1] not in text


def test_credential_with_trailing_cr_is_refused_unprinted(
    spec_apis: list[Api], fuzz: Fuzz, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "nf-crlf-token-55aa01\r"
    monkeypatch.setenv("NORTHFLANK_API_TOKEN", token)
    with HostileServer(spec_apis, accepts_everything) as server:
        outcome = fuzz("--base-url", server.url, "--real-endpoint", "--spec", NORTHFLANK)
    assert outcome.code == 2
    assert "NORTHFLANK_API_TOKEN" in outcome.err and len(outcome.err.strip().splitlines()) == 1
    assert token.strip() not in outcome.out + outcome.err
    assert server.arrivals == []


def test_har_masks_secret_fields_of_responses(
    spec_apis: list[Api], fuzz: Fuzz, tmp_path: Path
) -> None:
    """A response's x-sensitive fields (Pages' web_analytics_token) are masked in the HAR."""
    har = tmp_path / "run.har"
    with HostileServer(spec_apis, accepts_everything) as server:
        fuzz(
            "--base-url",
            server.url,
            "--spec",
            PAGES,
            "--mode",
            "positive",
            "--max-examples",
            "3",
            "--seed",
            "10",
            "--har",
            str(har),
        )
    token = (
        server.arrivals
        and success(server.arrivals[0])["result"]["build_config"]["web_analytics_token"]
    )
    assert isinstance(token, str) and len(token) > 8
    text = har.read_text()
    entries = json.loads(text)["log"]["entries"]
    assert entries and token not in text
    answer = json.loads(entries[0]["response"]["content"]["text"])
    assert answer["result"]["build_config"]["web_analytics_token"] == "***"


def test_spent_quota_waits_for_the_declared_reset(spec_apis: list[Api], fuzz: Fuzz) -> None:
    """Northflank's ``x-ratelimit-remaining: 0`` (declared by its envelope) pauses the run."""
    import time

    times: list[float] = []

    def spent(server: HostileServer, arrival: Arrival) -> tuple[int, dict[str, str], object]:
        times.append(time.monotonic())
        status, _, body = refusal(server, arrival)
        return status, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"}, body

    with HostileServer(spec_apis, spent) as server:
        outcome = fuzz(
            "--base-url",
            server.url,
            "--real-endpoint",
            "--spec",
            NORTHFLANK,
            "--max-examples",
            "5",
            "--seed",
            "11",
            "--max-requests",
            "2",
        )
    assert outcome.code == 0, outcome.out
    assert len(times) == 2 and times[1] - times[0] >= 0.95
    assert server.valid_triggers == 0
