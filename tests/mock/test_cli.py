"""The ``mock`` command: its options, its wiring into the main CLI, and its errors."""

from __future__ import annotations

import argparse
import importlib.util
import socket
from pathlib import Path

import pytest

from tests.conftest import ROOT
from triggerspec.errors import UsageError
from triggerspec.mock import cli, server
from triggerspec.mock.handles import InProcessMock
from triggerspec.project import Project


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="triggerspec")
    commands = parser.add_subparsers(dest="command", required=True)
    cli.add_parser(commands)
    return parser.parse_args(["mock", *argv])


def test_add_parser_wires_the_command_and_its_defaults() -> None:
    args = _parse()
    assert args.handler is cli.run
    assert (args.host, args.port, args.seed, args.token, args.scenario_file) == (
        "127.0.0.1",
        8080,
        None,
        None,
        None,
    )
    assert args.access_log is False


def test_options_become_settings(tmp_path: Path) -> None:
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text("- {operation: startJobBuild, status: 429, retry_after: 2}\n")
    args = _parse(
        "--seed",
        "4",
        "--token",
        "t",
        "--scenario-file",
        str(scenario_file),
        "--max-body-bytes",
        "1000",
        "--repeat-window",
        "5",
    )
    settings = cli.settings_from_args(args)
    assert (settings.seed, settings.token, settings.max_body_bytes) == (4, "t", 1000)
    assert settings.repeat_window_s == 5
    assert [s.status for s in settings.scenarios] == [429]


def test_the_token_may_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.TOKEN_ENV, "from-env")
    assert cli.settings_from_args(_parse()).token == "from-env"
    assert cli.settings_from_args(_parse("--token", "flag")).token == "flag"


def test_the_forbidden_token_comes_from_a_flag_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cli.settings_from_args(_parse()).forbidden_token is None
    monkeypatch.setenv(cli.FORBIDDEN_TOKEN_ENV, "read-only")
    assert cli.settings_from_args(_parse()).forbidden_token == "read-only"
    flagged = cli.settings_from_args(_parse("--forbidden-token", "ro", "--token", "rw"))
    assert (flagged.forbidden_token, flagged.token) == ("ro", "rw")
    with pytest.raises(UsageError, match="forbidden token must differ"):
        cli.settings_from_args(_parse("--token", "read-only"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--max-body-bytes", "0"], "--max-body-bytes"),
        (["--repeat-window", "-1"], "--repeat-window"),
        (["--scenario-file", "/nonexistent/s.yaml"], "cannot read"),
    ],
)
def test_bad_options_are_usage_errors(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        cli.run(_parse(*argv), Project.from_root(ROOT))


def test_a_scenario_for_an_unknown_operation_is_a_usage_error(tmp_path: Path) -> None:
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text("- {operation: nope, status: 500}\n")
    with pytest.raises(UsageError, match="no operation 'nope'"):
        cli.run(_parse("--scenario-file", str(scenario_file)), Project.from_root(ROOT))


def test_a_busy_port_is_a_usage_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"cannot listen on 127.0.0.1:{port}"):
            cli.run(_parse("--port", str(port)), Project.from_root(ROOT))


def test_main_reports_errors_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--root", str(ROOT), "--max-body-bytes", "0"]) == 2
    assert "triggerspec: error: --max-body-bytes" in capsys.readouterr().err


def test_main_needs_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--root", str(tmp_path)]) == 2
    assert "no [tool.triggerspec] table" in capsys.readouterr().err


def test_the_server_runs_quietly_unless_asked(mock_server: InProcessMock) -> None:
    app = mock_server.app
    quiet, loud = server.config(app), server.config(app, access_log=True)
    assert (quiet.access_log, quiet.log_level) == (False, "warning")
    assert (loud.access_log, loud.log_level) == (True, "info")
    assert _parse("--access-log").access_log is True


def test_the_banner_names_the_http_implementation(monkeypatch: pytest.MonkeyPatch) -> None:
    assert server.implementation() in {
        "httptools + uvloop",
        "httptools + asyncio",
        "h11 + uvloop",
        "h11 + asyncio",
    }
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert server.implementation() == "h11 + asyncio"
