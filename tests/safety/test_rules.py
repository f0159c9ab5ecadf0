"""The pure parts of real-endpoint safety: where requests go, waits, the vendor's view, flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tests.conftest import ROOT
from triggerspec.cli import main
from triggerspec.contract.ratelimit import header, reset_seconds, wait_for
from triggerspec.contract.request_check import vendor_problems, vendor_view
from triggerspec.contract.safety import Safety, is_loopback
from triggerspec.errors import UsageError
from triggerspec.runtime.envelope import RateLimit
from triggerspec.spec.model import Api

NORTHFLANK_LIKE = RateLimit(remaining="x-ratelimit-remaining", reset="x-ratelimit-reset")
PLAIN = RateLimit()


@pytest.mark.parametrize(
    "url",
    [
        "http://192.0.2.2:1\\@127.0.0.1/",
        "http://user:pw@127.0.0.1/",
        "http://192.0.2.2@127.0.0.1/",
        "http://127.0.0.1 .example/",
        "ftp://127.0.0.1/",
        "http://127.0.0.1:99999/",
    ],
)
def test_ambiguous_urls_are_refused(url: str) -> None:
    with pytest.raises(UsageError, match="base URL"):
        is_loopback(url)


def test_fooling_url_is_a_usage_error_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["--root", str(ROOT), "fuzz", "--base-url", "http://192.0.2.2:1\\@127.0.0.1/"])
    assert code == 2
    assert "backslash" in capsys.readouterr().err


def test_names_are_judged_by_what_they_resolve_to() -> None:
    assert is_loopback("http://localhost:8080")
    assert not is_loopback("http://no-such-host.invalid.")


def test_real_endpoint_flag_turns_safety_on_for_loopback() -> None:
    assert Safety.for_target(["http://127.0.0.1:1"]).loopback
    real = Safety.for_target(["http://127.0.0.1:1"], real_endpoint=True)
    assert real.real and real.guards("starts-build") and not real.guards("none")
    assert real.modes_for("starts-build", ("positive", "negative")) == ("negative",)
    with pytest.raises(UsageError, match="--max-requests"):
        Safety.for_target(["http://127.0.0.1:1"], real_endpoint=True, allow_side_effects=True)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": ["2"]}, 2.0),  # Schemathesis keeps header values as lists
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "1e999"}, None),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({}, None),
        ({"x-ratelimit-reset": "5"}, 5.0),  # the envelope's own reset header
    ],
)
def test_429_waits(headers: dict[str, object], seconds: float | None) -> None:
    wait = wait_for(429, headers, NORTHFLANK_LIKE)
    assert wait is not None and wait.rate_limited
    assert wait.seconds == seconds


def test_retry_after_as_a_future_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    wait = wait_for(429, {"Retry-After": when}, PLAIN)
    assert wait is not None and wait.seconds is not None and 25 <= wait.seconds <= 31


def test_remaining_zero_waits_for_the_reset_header_the_envelope_declares() -> None:
    wait = wait_for(
        202, {"X-RateLimit-Remaining": ["0"], "x-ratelimit-reset": "7"}, NORTHFLANK_LIKE
    )
    assert wait is not None and not wait.rate_limited and wait.seconds == 7.0
    assert wait_for(202, {"x-ratelimit-remaining": "3"}, NORTHFLANK_LIKE) is None
    assert wait_for(202, {"x-ratelimit-remaining": "0"}, PLAIN) is None  # not declared: not read


def test_reset_as_a_unix_time() -> None:
    assert reset_seconds("1000000060", now=1_000_000_000.0) == 60.0
    assert reset_seconds("junk") is None and header({"A": [b"x"]}, "a") == "x"


def test_vendor_view_drops_only_x_stricter_rules() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string", "minLength": 2}},
        "additionalProperties": False,
        "x-stricter": {"note": "closed"},
    }
    view = vendor_view(schema)
    assert "additionalProperties" not in view and view["properties"]["a"]["minLength"] == 2
    listed = {"required": ["a"], "minItems": 1, "x-stricter": {"keywords": ["required"]}}
    assert vendor_view(listed) == {"minItems": 1, "x-stricter": {"keywords": ["required"]}}
    assert schema["additionalProperties"] is False  # the spec's own schema is untouched


def test_pages_unknown_field_is_valid_for_the_vendor(apis: dict[str, Api]) -> None:
    api = apis["cloudflare-pages"]
    op = api.operations[0]
    params = {p.name: str(p.example or "x") for p in op.path_parameters}
    body = {"branch": "main", "_worker_js": "misspelt"}
    assert vendor_problems(api, op, params, body, True) == []
    from triggerspec.contract.request_check import request_problems

    assert request_problems(api, op, params, body, True)  # triggerspec itself refuses it


@pytest.mark.parametrize(
    "argv",
    [
        ["fuzz", "--max-time", "-1"],
        ["fuzz", "--max-time", "nan"],
        ["fuzz", "--workers", "0"],
        ["fuzz", "--max-examples", "0"],
        ["fuzz", "--max-requests", "0"],
        ["fuzz", "--request-timeout", "0"],
        ["fuzz", "--seed", "-1"],
        ["fuzz", "--mode", "sideways"],
        ["run", "--max-examples", "0"],
        ["run", "--workers", "0"],
        ["run", "--client-examples", "-2"],
        ["mock", "--port", "99999"],
        ["mock", "--port", "-1"],
    ],
)
def test_bad_flags_are_one_line_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--root", str(ROOT), *argv])
    err = capsys.readouterr().err
    assert exited.value.code == 2, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"triggerspec {argv[0]}: error: argument {argv[1]}"), last


def test_unknown_operation_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "fuzz", "--operation", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown operation 'nope'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [["--repeat-window", "nan"], ["--max-body-bytes", "0"]])
def test_bad_mock_settings_are_one_line_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(ROOT), "mock", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"triggerspec: error: {argv[0]}") and len(err.strip().splitlines()) == 1
