"""Helpers for the drift tests: a CLI runner, project copies, and spec edits as JSON patches."""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from triggerspec import cli as main_cli
from triggerspec.drift.cli import add_parsers
from triggerspec.errors import TriggerspecError
from triggerspec.project import Project
from triggerspec.spec import pointer as jp

FIXTURES = Path(__file__).parent / "fixtures"
BASELINE = FIXTURES / "baseline"
"""A frozen copy of specs/ (see fixtures/README.md): the scenarios' starting point."""


@dataclass(frozen=True)
class Run:
    """What one CLI run printed and returned."""

    code: int
    out: str
    err: str


def _wired() -> bool:
    """Whether the main CLI already registers the drift commands."""
    parser = main_cli.build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return "docs" in action.choices
    return False


def _drift_main(argv: list[str]) -> int:
    """The main CLI's dispatch, with only the drift commands registered."""
    parser = argparse.ArgumentParser(prog="triggerspec")
    parser.add_argument("--root", type=Path)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_parsers(commands)
    args = parser.parse_args(argv)
    try:
        project = Project.from_root(args.root) if args.root else Project.discover()
        code: int = args.handler(args, project)
        return code
    except TriggerspecError as exc:
        print(f"triggerspec: error: {exc}", file=sys.stderr)
        return exc.exit_code


def run_cli(*argv: str | Path, root: Path = BASELINE) -> Run:
    """Run ``triggerspec --root ROOT ARGV...`` in-process and capture its output.

    The default root is the frozen baseline; pass ``root=ROOT`` for the live project.
    """
    args = ["--root", str(root), *map(str, argv)]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main_cli.main(args) if _wired() else _drift_main(args)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return Run(code, out.getvalue(), err.getvalue())


def apply_edits(document: Any, edits: list[dict[str, Any]]) -> Any:
    """Apply JSON Patch operations (add, replace, remove) to a loaded document in place."""
    for edit in edits:
        parent_at, _, last = edit["path"].rpartition("/")
        token = last.replace("~1", "/").replace("~0", "~")
        parent = jp.resolve(document, parent_at)
        op = edit["op"]
        if isinstance(parent, list):
            index = len(parent) if token == "-" else int(token)
            if op == "add":
                parent.insert(index, edit["value"])
            elif op == "replace":
                parent[index] = edit["value"]
            else:
                del parent[index]
        elif op == "add":
            parent[token] = edit["value"]
        else:
            assert token in parent, f"{edit['path']} does not exist"
            if op == "replace":
                parent[token] = edit["value"]
            else:
                del parent[token]
    return document


def edited_spec(text: str, edits: list[dict[str, Any]]) -> str:
    """A spec's YAML text after JSON Patch edits."""
    return yaml.safe_dump(apply_edits(yaml.safe_load(text), edits), sort_keys=False)


@dataclass(frozen=True)
class Scenario:
    """A fixture folder: a modified page snapshot and, usually, the matching spec edit."""

    name: str
    folder: Path
    spec: str | None
    edits: list[dict[str, Any]]

    @classmethod
    def load(cls, name: str) -> Scenario:
        folder = FIXTURES / name
        edit_file = folder / "spec-edit.yaml"
        if not edit_file.exists():
            return cls(name, folder, None, [])
        data = yaml.safe_load(edit_file.read_text())
        return cls(name, folder, data["spec"], data["edits"])

    @property
    def pages(self) -> list[Path]:
        return sorted(self.folder.glob("*.txt"))


@pytest.fixture
def project_copy(tmp_path: Path) -> Callable[[], Path]:
    """A writable copy of the baseline project (specs, snapshots, decisions, doc defects)."""

    def make() -> Path:
        root = tmp_path / "project"
        shutil.copytree(BASELINE, root)
        return root

    return make
