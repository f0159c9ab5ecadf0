"""`triggerspec regen`: golden output, determinism, drift check, atomicity, lint-clean output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.codegen.golden import cases, generated_files, make_project
from triggerspec.cli import main
from triggerspec.codegen.datamodel import DEFAULTS, load_options
from triggerspec.codegen.pipeline import PACKAGE, RUFF_SETTINGS, build_tree, regen
from triggerspec.project import Project

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_golden(case: Path, tmp_path: Path) -> None:
    project = make_project(case, tmp_path)
    regen(project)
    got = generated_files(project)
    expected_dir = case / "expected"
    expected = {
        p.relative_to(expected_dir).as_posix(): p.read_text()
        for p in sorted(expected_dir.rglob("*"))
        if p.is_file()
    }
    assert sorted(got) == sorted(expected), "file list differs (python -m tests.codegen.golden)"
    for rel, text in expected.items():
        assert got[rel] == text, f"{rel} differs from the golden (python -m tests.codegen.golden)"


def test_committed_generated_code_is_fresh(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "regen", "--check"]) == 0


@pytest.fixture
def copy_project(tmp_path: Path) -> Project:
    """A copy of this repository's specs and generated code."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copytree(
        ROOT / "generated", tmp_path / "generated", ignore=shutil.ignore_patterns("__pycache__")
    )
    return Project.from_root(tmp_path)


def _snapshot(project: Project) -> dict[str, tuple[bytes, int]]:
    package = project.generated_dir / PACKAGE
    return {
        p.relative_to(package).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in package.rglob("*")
        if p.is_file()
    }


def test_same_specs_give_byte_identical_files(copy_project: Project) -> None:
    first = build_tree(copy_project, lambda _m: None)
    second = build_tree(copy_project, lambda _m: None)
    assert first == second
    on_disk = {rel: data.decode() for rel, (data, _) in _snapshot(copy_project).items()}
    assert first == on_disk


def test_second_regen_rewrites_nothing(copy_project: Project) -> None:
    before = _snapshot(copy_project)
    result = regen(copy_project)
    assert result.up_to_date and not result.rendered
    assert _snapshot(copy_project) == before


def test_check_names_the_stale_files(
    copy_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = copy_project.specs_dir / "northflank.yaml"
    spec.write_text(
        spec.read_text().replace("description: ID of the build.", "description: The build's ID.")
    )
    before = _snapshot(copy_project)
    assert main(["--root", str(copy_project.root), "regen", "--check"]) == 1
    out = capsys.readouterr().out
    assert "generated/triggerspec_clients/northflank/models.py" in out
    assert "cloudflare_pages" not in out
    assert _snapshot(copy_project) == before  # --check writes nothing
    assert main(["--root", str(copy_project.root), "regen", "-q"]) == 0
    assert main(["--root", str(copy_project.root), "regen", "--check"]) == 0


def test_hand_edit_of_generated_code_is_stale(
    copy_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    client = copy_project.generated_dir / PACKAGE / "sourcecraft" / "client.py"
    client.write_text(client.read_text() + "\n# edited\n")
    assert main(["--root", str(copy_project.root), "regen", "--check"]) == 1
    assert "sourcecraft/client.py" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (
            lambda s: s.replace(
                '$ref: "#/components/schemas/JobBuild"', '$ref: "#/components/schemas/JobBuilds"'
            ),
            "specs/northflank.yaml:/components/schemas/StartJobBuildResponse/properties/data/$ref",
        ),
        (
            lambda s: s.replace("openapi: 3.1.0", "openapi: 3.1.0\n  bad: [indent"),
            "specs/northflank.yaml:/: not valid YAML",
        ),
        (lambda s: s.replace("      operationId: startJobBuild\n", ""), "operationId is missing"),
    ],
)
def test_broken_spec_leaves_generated_as_it_was(
    copy_project: Project, capsys: pytest.CaptureFixture[str], edit: object, says: str
) -> None:
    spec = copy_project.specs_dir / "northflank.yaml"
    spec.write_text(edit(spec.read_text()))  # type: ignore[operator]
    before = _snapshot(copy_project)
    assert main(["--root", str(copy_project.root), "regen", "-q"]) == 2
    assert says in capsys.readouterr().err
    assert _snapshot(copy_project) == before


def test_regen_acts_on_the_project_it_is_run_in(
    copy_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.rmtree(copy_project.generated_dir)
    monkeypatch.chdir(copy_project.specs_dir)
    assert main(["regen", "-q"]) == 0
    assert (copy_project.generated_dir / PACKAGE / "northflank" / "client.py").is_file()


def test_generated_code_passes_ruff() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            *RUFF_SETTINGS,
            "--select",
            "E,F,W,I,UP,B",
            "--ignore",
            "E501",
            str(ROOT / "generated"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--check",
            *RUFF_SETTINGS,
            str(ROOT / "generated"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_generated_code_passes_mypy_strict() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", PACKAGE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"MYPYPATH": f"{ROOT / 'tools'}:{ROOT / 'generated'}", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_spec_found_refuses_and_removes_nothing(
    copy_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    for spec in copy_project.spec_files():
        spec.rename(spec.with_suffix(".bak"))
    before = _snapshot(copy_project)
    assert main(["--root", str(copy_project.root), "regen", "-q"]) == 2
    err = capsys.readouterr().err
    assert "no spec found in specs/ (looked for *.yaml, *.yml, *.json)" in err
    assert "ignored northflank.bak: not a spec file" in err
    assert "Traceback" not in err
    assert _snapshot(copy_project) == before


def test_json_spec_is_generated_like_yaml_and_a_removed_spec_says_so(
    copy_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    nf = copy_project.specs_dir / "northflank.yaml"
    as_json = nf.with_suffix(".json")
    as_json.write_text(json.dumps(yaml.safe_load(nf.read_text())))
    nf.unlink()
    (copy_project.specs_dir / "notes.txt").write_text("not a spec")
    client = copy_project.generated_dir / PACKAGE / "northflank" / "client.py"
    before = client.read_text()
    assert main(["--root", str(copy_project.root), "regen", "-q"]) == 0
    err = capsys.readouterr().err
    assert "ignored: specs/notes.txt: not a spec file" in err
    assert "northflank.json" in err
    after = client.read_text()
    assert (
        after.replace("northflank.json", "northflank.yaml").split("\n", 1)[1]
        == (before.split("\n", 1)[1])
    )
    sourcecraft = copy_project.specs_dir / "sourcecraft.yaml"
    sourcecraft.unlink()
    assert main(["--root", str(copy_project.root), "regen", "-q"]) == 0
    out = capsys.readouterr().out
    assert "removed client generated/triggerspec_clients/sourcecraft/: its spec is no longer" in out
    assert not (copy_project.generated_dir / PACKAGE / "sourcecraft").exists()
    assert (copy_project.generated_dir / PACKAGE / "northflank" / "client.py").is_file()


def test_an_edit_to_a_joined_file_makes_generated_code_stale(
    copy_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = copy_project.specs_dir / "northflank.yaml"
    document = yaml.safe_load(spec.read_text())
    part = copy_project.specs_dir / "common" / "sha.yaml"
    part.parent.mkdir()
    part.write_text(
        yaml.safe_dump(
            {"components": {"schemas": {"Sha": document["components"]["schemas"]["Sha"]}}}
        )
    )
    document["components"]["schemas"]["Sha"] = {"$ref": "common/sha.yaml#/components/schemas/Sha"}
    spec.write_text(yaml.safe_dump(document, sort_keys=False))
    assert main(["--root", str(copy_project.root), "regen", "-q"]) == 0
    assert main(["--root", str(copy_project.root), "regen", "--check"]) == 0
    part.write_text(part.read_text().replace("description:", "description: Edited.", 1))
    capsys.readouterr()
    assert main(["--root", str(copy_project.root), "regen", "--check"]) == 1
    assert "northflank/models.py" in capsys.readouterr().out


def test_options_are_the_defaults_with_the_projects_table_over_them(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    assert load_options(pyproject) == DEFAULTS  # no pyproject.toml at all
    pyproject.write_text('[tool.triggerspec]\nspecs = "specs"\n')
    assert load_options(pyproject) == DEFAULTS
    pyproject.write_text(
        "[tool.datamodel-codegen]\nfield-constraints = false\nwrap-string-literal = true\n"
    )
    options = load_options(pyproject)
    assert options["field_constraints"] is False and options["wrap_string_literal"] is True
    assert options["input_file_type"] == "openapi"
