"""Regen swaps the generated tree in one atomic step: killed at any moment, ``generated/``
holds the old tree or the new one, and the next run removes what the killed one left."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.codegen.golden import HERE, generated_files, make_project
from triggerspec.cli import main
from triggerspec.codegen import pipeline, swap
from triggerspec.codegen.pipeline import PACKAGE, regen
from triggerspec.project import Project

KILLS = 20


def _tree(project: Project) -> dict[str, str]:
    package = project.generated_dir / PACKAGE
    return {
        p.relative_to(package).as_posix(): p.read_text()
        for p in sorted(package.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _variant(project: Project, n: int) -> None:
    """Write one of exactly two versions of the spec (only the summary differs)."""
    spec = project.root / "specs" / "mini.yaml"
    text = re.sub(r"summary: Start a build.*", f"summary: Start a build {n % 2}", spec.read_text())
    spec.write_text(text)


def test_the_kernel_exchange_is_used(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "f").write_text("a")
    (b / "f").write_text("b")
    assert swap._native_exchange(a, b), "no atomic exchange here: the fallback has a window"
    assert (a / "f").read_text() == "b" and (b / "f").read_text() == "a"


def test_killed_at_random_the_tree_is_old_or_new(tmp_path: Path) -> None:
    project = make_project(HERE / "mini", tmp_path / "p")
    trees = []
    for n in range(2):
        _variant(project, n)
        regen(project)
        trees.append(_tree(project))
    assert trees[0] != trees[1]
    command = [
        sys.executable,
        "-c",
        "import sys; from triggerspec.cli import main; sys.exit(main(sys.argv[1:]))",
        "--root",
        str(project.root),
        "regen",
    ]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, timeout=120)  # back to tree 1
    duration = time.monotonic() - started
    rng = random.Random(11)
    for n in range(KILLS):
        _variant(project, n)
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        proc.kill()
        proc.wait(timeout=30)
        tree = _tree(project)
        diff = [k for k in set(tree) | set(trees[0]) if tree.get(k) != trees[0].get(k)]
        diff1 = [k for k in set(tree) | set(trees[1]) if tree.get(k) != trees[1].get(k)]
        assert tree in trees, (
            f"kill {n}: {diff} {diff1}: generated/ holds neither the old nor the new tree"
        )
    regen(project)
    assert not list(project.generated_dir.glob(".regen-*")), "stale scratch folders remain"
    assert generated_files(project)


def test_stale_scratch_of_dead_runs_is_removed(tmp_path: Path) -> None:
    project = make_project(HERE / "mini", tmp_path / "p")
    regen(project)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()
    stale_new = project.generated_dir / f".regen-new-{dead}-abc"
    stale_old = project.generated_dir / f".regen-old-{dead}"
    live = project.generated_dir / f".regen-new-{os.getppid()}-live"
    for folder in (stale_new, stale_old, live):
        (folder / "sub").mkdir(parents=True)
    _variant(project, 1)
    regen(project)
    assert not stale_new.exists() and not stale_old.exists()
    assert live.exists(), "a running process's scratch folder was removed"


def test_a_target_that_cannot_be_written_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(HERE / "mini", tmp_path / "p")
    (project.root / "generated").write_text("not a folder")
    assert main(["--root", str(project.root), "regen"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err)
    errors = [line for line in err if line.startswith("triggerspec: error: ")]
    assert len(errors) == 1 and errors[0] == err[-1]
    assert "cannot write the generated tree" in errors[0]
    (project.root / "generated").unlink()
    regen(project)
    before = _tree(project)

    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pipeline, "remove_stale_scratch", refuse)  # as a read-only folder would
    _variant(project, 1)
    assert main(["--root", str(project.root), "regen"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("triggerspec: error: ")
    assert "Permission denied; generated/ was left as it was" in err[-1]
    assert "Traceback" not in "\n".join(err)
    assert _tree(project) == before
    assert pipeline.SCRATCH_NEW == ".regen-new-"
