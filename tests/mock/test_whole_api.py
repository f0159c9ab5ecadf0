"""A whole vendor API in the mock: operations compiled on first use, a broken one answered 501.

The mock starts without reading the schemas of operations nobody calls; an operation whose
part of the spec cannot be read is answered 501 naming the file, pointer and problem, and
the other operations are served as usual.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.spec.test_lazy import BROKEN_POINTER, two_operations, with_copies, write
from triggerspec.cli import build_parser, command_of
from triggerspec.mock import MockSettings, cli, create_app, load_apis
from triggerspec.mock.exchange import MockRequest
from triggerspec.mock.scenarios import Scenario, ScenarioError
from triggerspec.project import Project

JSON = {"content-type": "application/json"}


def project_with(tmp_path: Path, doc: dict[str, Any]) -> tuple[Project, Path]:
    """A throw-away project whose one spec is ``doc`` (``specs/things.json``)."""
    (tmp_path / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    (tmp_path / "specs").mkdir()
    return Project.from_root(tmp_path), write(tmp_path / "specs", doc)


def _app(tmp_path: Path) -> Any:
    project, spec = project_with(tmp_path, two_operations())
    return create_app(load_apis(project, [spec], lazy=True), MockSettings(seed=1))


def test_a_broken_operation_is_answered_501_and_the_others_are_served(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(tmp_path)
    assert app.compiled.broken() == {}
    body = json.dumps({"name": "n", "kind": "a"}).encode()
    made = app.handle(MockRequest("POST", "/v1/things", headers=JSON, body=body))
    assert made.status == 201, made.body
    assert json.loads(made.body)["name"] == "n"
    with caplog.at_level(logging.WARNING, logger="triggerspec.mock"):
        first = app.handle(MockRequest("GET", "/v1/broken/7"))
        again = app.handle(MockRequest("GET", "/v1/broken/8"))
    assert (first.status, again.status) == (501, 501)
    text = first.body.decode()
    assert f"specs/things.json:{BROKEN_POINTER}/$ref" in text
    assert "'#/components/schemas/Missing' does not resolve" in text
    assert sum("getBroken cannot be served" in r.getMessage() for r in caplog.records) == 1
    assert set(app.compiled.broken()) == {("things", "getBroken")}
    refused = app.handle(MockRequest("POST", "/v1/things", headers=JSON, body=b"{}"))
    assert refused.status == 400  # the sound operation still validates
    assert [e.status for e in app.journal.entries()][-3:] == [501, 501, 400]


def test_a_scenario_for_a_broken_operation_is_refused_naming_why(tmp_path: Path) -> None:
    app = _app(tmp_path)
    with pytest.raises(ScenarioError, match=r"getBroken cannot be served: .*does not resolve"):
        app.add_scenarios(Scenario(operation="getBroken", status=500))
    app.add_scenarios(Scenario(operation="*", delay_ms=1))  # every operation: none compiled


def test_the_command_starts_on_a_document_with_a_broken_operation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project, spec = project_with(tmp_path, with_copies(two_operations(), 20))
    served: list[Any] = []
    monkeypatch.setattr(cli, "serve", lambda app, sock, **kw: (served.append(app), sock.close()))
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(["--port", "0", str(spec)])
    assert cli.run(args, project) == 0
    banner = capsys.readouterr().err
    assert "22 operation(s) from 1 spec(s)" in banner
    assert "createThing, createThing00, createThing01" in banner
    assert "createThing10, and 10 more)" in banner
    assert "/__triggerspec/routes" in banner
    assert served and served[0].compiled.broken() == {}


def test_a_body_sent_nowhere_is_masked_by_every_secret_field_the_document_declares(
    tmp_path: Path,
) -> None:
    doc = two_operations()
    doc["components"]["schemas"]["NewThing"]["properties"]["name"]["x-sensitive"] = True
    project, spec = project_with(tmp_path, doc)
    app = create_app(load_apis(project, [spec], lazy=True), MockSettings(seed=1))
    body = json.dumps({"name": "hunter2-secret", "other": "shown"}).encode()
    lost = app.handle(MockRequest("POST", "/v1/nowhere", headers=JSON, body=body))
    assert lost.status == 404
    recorded = app.journal.entries()[-1].body_json
    assert "hunter2-secret" not in recorded and "shown" in recorded
    assert app.compiled.broken() == {}  # the broken operation was not needed for that


def test_a_scenario_for_an_unknown_operation_of_a_large_document_names_the_closest(
    tmp_path: Path,
) -> None:
    project, spec = project_with(tmp_path, with_copies(two_operations(), 30))
    app = create_app(load_apis(project, [spec], lazy=True), MockSettings(seed=1))
    with pytest.raises(ScenarioError) as unknown:
        app.add_scenarios(Scenario(operation="createThing07x", status=500))
    assert str(unknown.value).startswith("no operation 'createThing07x'; closest: createThing07")
    assert str(unknown.value).endswith("; 32 operations are known")


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["mock", "--port", "0"], "mock"),
        (["--root", "x", "fuzz"], "fuzz"),
        (["--root=x", "lint"], "lint"),
        (["--help"], None),
        (["--root", "mock"], None),
        ([], None),
    ],
)
def test_the_command_line_knows_which_command_runs(argv: list[str], command: str | None) -> None:
    assert command_of(argv) == command


def test_the_mock_command_imports_neither_hypothesis_nor_the_drift_tools() -> None:
    code = (
        "import sys\nfrom triggerspec.cli import build_parser\n"
        "build_parser('mock').parse_args(['mock', '--port', '0'])\n"
        "print(sorted(m for m in ('hypothesis', 'schemathesis', 'triggerspec.drift.cli') "
        "if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    full = build_parser(None).format_help()
    assert all(name in full for name in ("lint", "regen", "mock", "fuzz", "docs", "run"))
