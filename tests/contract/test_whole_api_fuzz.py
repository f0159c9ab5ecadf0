"""Fuzzing a few operations of a large document: only what they reach is read.

The embedded mock serves the documents being fuzzed (not the project's own specs), each
operation's contract is read when its task runs, and Schemathesis is handed the operation
cut from the document with the components it reaches.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.spec.test_lazy import BROKEN_POINTER, two_operations, with_copies, write
from triggerspec.cli import main
from triggerspec.contract.execute import _operation
from triggerspec.contract.runner import plan
from triggerspec.contract.safety import Safety
from triggerspec.errors import UsageError
from triggerspec.spec.cache import cached_api


def _fuzz(spec: Path, operation: str, report: Path) -> int:
    argv = ["--root", str(ROOT), "fuzz", "--spec", str(spec), "--operation", operation]
    return main([*argv, "--max-examples", "5", "--seed", "3", "--json", str(report)])


def test_the_embedded_mock_serves_the_document_being_fuzzed(tmp_path: Path) -> None:
    spec = write(tmp_path, two_operations())  # outside the project's specs folder
    report = tmp_path / "run.json"
    assert _fuzz(spec, "createThing", report) in (0, 1)
    tasks = json.loads(report.read_text())["tasks"]
    statuses = {mode["mode"]: set(mode["statuses"]) for mode in tasks}
    assert "201" in statuses["positive"]
    assert "404" not in statuses["positive"] | statuses["negative"]


def test_a_broken_operation_stops_only_its_own_fuzz(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write(tmp_path, two_operations())
    report = tmp_path / "run.json"
    assert _fuzz(spec, "createThing", report) in (0, 1)
    assert all(task["error"] is None for task in json.loads(report.read_text())["tasks"])
    capsys.readouterr()
    assert _fuzz(spec, "getBroken", report) == 2
    errors = [task["error"] for task in json.loads(report.read_text())["tasks"]]
    assert errors and all(f"{BROKEN_POINTER}/$ref" in e for e in errors)
    assert "does not resolve" in capsys.readouterr().out


def test_schemathesis_is_handed_only_what_the_operation_reaches(tmp_path: Path) -> None:
    spec = write(tmp_path, two_operations())
    tasks = plan([cached_api(spec)], Safety(loopback=True), operation="createThing")
    api, op, sop = _operation(tasks[0])
    handed = sop.schema.raw_schema
    assert list(handed["paths"]) == ["/things"]
    assert set(handed["components"]["schemas"]) == {"NewThing", "Kind", "Cat", "Dog", "Thing"}
    assert "x-publisher-notes" not in handed
    assert op.operation_id == "createThing" and api.document.path == spec


def test_an_unknown_operation_of_a_large_document_names_the_closest(tmp_path: Path) -> None:
    api = cached_api(write(tmp_path, with_copies(two_operations(), 30)))
    with pytest.raises(UsageError) as unknown:
        plan([api], Safety(loopback=True), operation="createThing07x")
    message = str(unknown.value)
    assert message.startswith("unknown operation 'createThing07x'; closest: createThing07")
    assert message.endswith("; 32 operations are known")
    assert "createThing29" not in message
