"""The pytest plugin: one test per operation and mode, against the mock or a live server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from triggerspec.contract.pytest_plugin import base_urls
from triggerspec.mock.app import create_app
from triggerspec.mock.scenarios import Scenario
from triggerspec.mock.server import LiveMock
from triggerspec.mock.settings import MockSettings
from triggerspec.project import Project
from triggerspec.spec.model import Api, load_api

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "nf-secret-token-4242"
CONTRACT_TEST = """
def test_contract(triggerspec_contract):
    triggerspec_contract.check()
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_contract=CONTRACT_TEST)
    return pytester.runpytest(
        "-p",
        "no:triggerspec_contract",  # the installed entry point, if any: load the module once
        "-p",
        "triggerspec.contract.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:benchmark",  # it warns when the outer run uses xdist
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        # "=" forms: pytest guesses its rootdir from arguments that look like paths.
        f"--triggerspec-root={ROOT}",
        "--triggerspec-max-examples=5",
        "--triggerspec-seed=1",
        *args,
    )


def test_one_test_per_operation_and_mode_against_the_embedded_mock(
    pytester: pytest.Pytester,
) -> None:
    result = _run(pytester, "--triggerspec-operation", "startJobBuild", "-v")

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_contract[[]startJobBuild-positive[]] PASSED*",
            "*test_contract[[]startJobBuild-negative[]] PASSED*",
        ]
    )


@pytest.fixture
def failing_server(api_list: list[Api]) -> Iterator[LiveMock]:
    """A live mock on 127.0.0.1 that answers every valid build request with 503."""
    settings = MockSettings(seed=1, scenarios=(Scenario("startJobBuild", status=503),))
    with LiveMock(create_app(api_list, settings)) as mock:
        yield mock


def test_a_broken_server_fails_with_the_check_and_a_masked_reproduction(
    pytester: pytest.Pytester, failing_server: LiveMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NORTHFLANK_API_TOKEN", TOKEN)

    result = _run(
        pytester,
        "--triggerspec-base-url",
        failing_server.origin,
        "--triggerspec-operation",
        "startJobBuild",
        "--triggerspec-mode",
        "positive",
    )

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*startJobBuild [[]positive[]]: not_a_server_error (status 503)*",
            "*reproduce: curl -X POST*Authorization: [[]Filtered[]]*",
            "*seed: 1*",
        ]
    )
    assert TOKEN not in result.stdout.str()


def test_a_real_endpoint_gets_no_positive_build_cases(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--triggerspec-base-url", "https://api.example.com", "--co", "-q")

    collected = {line.split("[")[1].rstrip("]") for line in result.outlines if "[" in line}
    assert "startJobBuild-negative" in collected
    assert "upsertRepoConnection-negative" in collected
    builds = {
        op.operation_id
        for path in Project.from_root(ROOT).spec_files()
        for op in load_api(path).operations
        if op.side_effects != "none"
    }
    assert {"startJobBuild", "upsertRepoConnection"} <= builds
    assert not {c for c in collected if c.endswith("-positive") and c[:-9] in builds}


def test_a_real_endpoint_without_credentials_is_skipped_before_any_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NORTHFLANK_API_TOKEN",):
        monkeypatch.delenv(name, raising=False)

    result = _run(
        pytester,
        "--triggerspec-base-url",
        "https://api.example.com",
        "--triggerspec-operation",
        "startJobBuild",
        "-rs",
    )

    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no credentials for northflank*NORTHFLANK_API_TOKEN*"])


def test_side_effects_on_a_real_endpoint_need_a_budget(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        "--triggerspec-base-url",
        "https://api.example.com",
        "--triggerspec-allow-side-effects",
    )

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--max-requests*"])


def test_base_urls_per_api_keep_or_add_the_base_path(api_list: list[Api]) -> None:
    urls = base_urls(
        tuple(api_list),
        ["http://127.0.0.1:9000", "northflank=http://127.0.0.1:9001/"],
    )

    assert urls["northflank"] == "http://127.0.0.1:9001"
    assert urls["cloudflare-pages"] == "http://127.0.0.1:9000/client/v4"
    assert (
        base_urls(tuple(api_list), ["https://api.cloudflare.com/client/v4"])[
            "cloudflare-workers-builds"
        ]
        == "https://api.cloudflare.com/client/v4"
    )


def test_an_unknown_operation_is_a_usage_error_not_a_skip(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--triggerspec-operation", "nope")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown operation 'nope'*"])


@pytest.mark.parametrize(
    "flag",
    [
        "--triggerspec-max-examples=0",
        "--triggerspec-max-requests=0",
        "--triggerspec-seed=x",
        "--triggerspec-request-timeout=-1",
        "--triggerspec-mode=sideways",
    ],
)
def test_bad_plugin_flags_are_usage_errors(pytester: pytest.Pytester, flag: str) -> None:
    result = _run(pytester, flag)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in result.stderr.str()
    result.stderr.fnmatch_lines([f"*{flag.split('=')[0]}*"])


def test_real_endpoint_flag_applies_every_safety_on_loopback(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        "--triggerspec-base-url",
        "http://127.0.0.1:9",
        "--triggerspec-real-endpoint",
        "--co",
        "-q",
    )

    collected = {line.split("[")[1].rstrip("]") for line in result.outlines if "[" in line}
    assert "startJobBuild-negative" in collected
    assert not {c for c in collected if c.endswith("-positive")}
