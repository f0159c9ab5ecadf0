"""Which project a command acts on: the user's own, named, or the bundled specs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from triggerspec.cli import main
from triggerspec.errors import ProjectNotFoundError
from triggerspec.project import BUNDLED_ROOT, Project

ROOT = Path(__file__).resolve().parent.parent


def make_project(root: Path, table: str) -> Path:
    (root / "pyproject.toml").write_text(f"[tool.triggerspec]\n{table}", encoding="utf-8")
    return root


def test_no_project_falls_back_to_the_bundled_specs(tmp_path: Path) -> None:
    project = Project.discover(tmp_path)
    assert project.bundled
    assert {p.name for p in project.spec_files()} == {
        p.name for p in Project.from_root(ROOT).spec_files()
    }
    assert project.relative(project.spec_files()[0]).startswith("specs/")


def test_without_fallback_the_error_names_every_way_to_name_a_project(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFoundError) as err:
        Project.discover(tmp_path, fallback=False)
    message = str(err.value)
    assert "triggerspec init" in message and "--triggerspec-root" in message


def test_a_project_wins_over_the_bundled_specs(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = Project.discover(make_project(tmp_path, 'specs = "api"\n'))
    assert not project.bundled
    assert project.specs_dir == tmp_path / "api"


def test_doc_defects_and_docs_default_to_the_specs_folder(tmp_path: Path) -> None:
    specs = tmp_path / "contracts"
    specs.mkdir()
    shutil.copy(ROOT / "specs" / "northflank.yaml", specs / "northflank.yaml")
    shutil.copy(ROOT / "specs" / "doc-defects.yaml", specs / "doc-defects.yaml")
    project = Project.from_root(make_project(tmp_path, 'specs = "contracts"\n'))
    assert project.doc_defects == specs / "doc-defects.yaml"
    assert project.docs_dir == specs / "docs"
    assert [p.name for p in project.spec_files()] == ["northflank.yaml"]


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('spec = "specs"\n', "unknown key 'spec'"),
        ('specs = "nowhere"\n', "specs = "),
        ('docs = "nowhere"\n', "docs = "),
        ('doc-defects = "nowhere.yaml"\n', "doc-defects = "),
        ("specs = 3\n", "specs must be a non-empty path string"),
    ],
)
def test_a_bad_table_is_one_clear_error(tmp_path: Path, table: str, named: str) -> None:
    (tmp_path / "specs").mkdir()
    make_project(tmp_path, table)
    with pytest.raises(ProjectNotFoundError, match=r"\[tool\.triggerspec\]") as err:
        Project.from_root(tmp_path)
    assert named in str(err.value)


@pytest.mark.parametrize("command", [["regen"], ["regen", "--check"]])
def test_commands_that_write_refuse_the_bundled_specs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "triggerspec init" in err and "Traceback" not in err
    assert BUNDLED_ROOT.resolve().is_dir()


def test_update_refuses_the_bundled_snapshots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "003_3d60e4de50c50917.txt"
    page.write_text("a page\n", encoding="utf-8")
    before = (BUNDLED_ROOT / "docs" / page.name).read_bytes()
    monkeypatch.chdir(tmp_path)
    assert main(["update", str(page)]) == 2
    assert "triggerspec init" in capsys.readouterr().err
    assert (BUNDLED_ROOT / "docs" / page.name).read_bytes() == before
