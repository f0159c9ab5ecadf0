"""Specs triggerspec has never seen go through lint, regen, mock and fuzz with no toolkit edit.

Each folder of ``tests/fixtures/foreign`` is a cut of a real vendor document (its source is
in its ``x-source`` and in the folder's README). The generated package is built once for all
of them together, so the cases also prove that specs of different vendors live side by side.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus.runner import (
    cases,
    check_generated,
    invalid_calls,
    make_project,
    send,
    valid_call,
)
from triggerspec.cli import main
from triggerspec.codegen.pipeline import PACKAGE
from triggerspec.mock import load_apis
from triggerspec.project import Project
from triggerspec.spec.naming import snake

CASES = cases()


def test_the_corpus_covers_the_published_forms() -> None:
    files = [f for case in CASES for f in (case / "specs").rglob("*") if f.is_file()]
    assert {f.suffix for f in files} >= {".yaml", ".json"}
    assert any(f.parent.name != "specs" for f in files), "no spec split over several files"
    assert any("openapi: 3.0" in f.read_text() or '"3.0' in f.read_text() for f in files)


@pytest.fixture(scope="module")
def combined(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, str]:
    """One project holding every case's specs, regenerated once, and its generated problems."""
    project = make_project(tmp_path_factory.mktemp("corpus"), *(c / "specs" for c in CASES))
    assert main(["--root", str(project.root), "regen", "-q"]) == 0
    return project, check_generated(project)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_lint_finds_no_problem(
    case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, case / "specs")
    assert main(["--root", str(project.root), "lint"]) == 0, capsys.readouterr().out
    assert " 0 problem(s)" in capsys.readouterr().err


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_regen_gives_an_importable_mypy_strict_package(
    case: Path, combined: tuple[Project, str]
) -> None:
    project, problems = combined
    assert problems == ""
    for spec in project.spec_files():
        if spec.name in {p.name for p in (case / "specs").iterdir()}:
            package = project.generated_dir / PACKAGE / snake(spec.stem)
            assert (package / "client.py").is_file() and (package / "models.py").is_file()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_mock_answers_examples_and_refuses_broken_requests(case: Path, tmp_path: Path) -> None:
    apis = load_apis(make_project(tmp_path, case / "specs"))
    for api in apis:
        for op in api.operations:
            good = send(apis, valid_call(api, op))
            assert 200 <= good.status_code < 300, (op.operation_id, good.status_code, good.text)
            for bad in invalid_calls(api, op):
                refused = send(apis, bad)
                assert 400 <= refused.status_code < 500, (op.operation_id, bad, refused.text)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_short_fuzz_finds_nothing(
    case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, case / "specs")
    args = ["--root", str(project.root), "fuzz", "--max-examples", "5", "--seed", "1"]
    code = main([*args, "--max-time", "20"])
    assert code == 0, capsys.readouterr()
