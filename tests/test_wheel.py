"""The built wheel, installed in a fresh venv and used from an empty folder, is complete.

No ``[tool.triggerspec]`` anywhere: the mock, fuzz, the pytest fixtures and ``init`` all run
on what the wheel carries (the bundled specs, page snapshots and generated clients).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
import venv
from pathlib import Path

import pytest

from triggerspec.spec.model import load_api

ROOT = Path(__file__).resolve().parent.parent
SHA = "262ed9817b3cad5142fbceabe0c9e371e390d616"
SKIPPED = shutil.ignore_patterns(
    ".git", ".venv", ".nox", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


def sh(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with the wheel (and pytest, for the user's tests) installed."""
    work = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL"))}
    # Built from a copy of the checkout: setuptools leaves build/ in the tree it builds, and a
    # stale build/ from another run can break the next build.
    source = work / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=SKIPPED)
    sh(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(work / "dist"),
            str(source),
            str(source / "clients"),  # triggerspec-clients, which the toolkit depends on
        ],
        work,
        env,
    )
    [wheel] = (work / "dist").glob("triggerspec-*.whl")
    [clients] = (work / "dist").glob("triggerspec_clients-*.whl")
    venv.create(work / "venv", with_pip=True)
    python = work / "venv" / "bin" / "python"
    sh(
        [str(python), "-m", "pip", "install", "-q", str(wheel), str(clients), "pytest"],
        work,
        env,
        timeout=900,
    )
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    empty = work / "empty"
    empty.mkdir()
    return empty, env


def test_the_mock_serves_the_bundled_specs(installed: tuple[Path, dict[str, str]]) -> None:
    folder, env = installed
    server = subprocess.Popen(
        ["triggerspec", "mock", "--port", "0", "--seed", "1"],
        cwd=folder,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        banner = server.stderr.readline()  # the first line names the origin
        origin = re.search(r"on (http://127\.0\.0\.1:\d+)", banner)
        assert origin, banner
        request = urllib.request.Request(
            f"{origin[1]}/v1/projects/p/jobs/j/build",
            data=json.dumps({"sha": SHA}).encode(),
            headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
        )
        for line in server.stderr:  # the banner ends with the server line, then it serves
            if "server:" in line:
                break
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert json.load(answer)["data"]["sha"] == SHA
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def test_fuzz_runs_on_the_bundled_specs(installed: tuple[Path, dict[str, str]]) -> None:
    folder, env = installed
    out = sh(["triggerspec", "fuzz", "--max-examples", "5", "--seed", "0"], folder, env)
    summary = re.search(r"(\d+) cases in .* (\d+) failure\(s\), (\d+) error\(s\)", out)
    assert summary, out
    assert int(summary[1]) > 0 and summary[2] == summary[3] == "0"
    assert "startJobBuild" in out and "createManualBuild" in out  # the bundled specs


def test_a_user_test_file_with_the_fixtures_passes(installed: tuple[Path, dict[str, str]]) -> None:
    folder, env = installed
    shutil.copy(ROOT / "examples" / "test_my_integration.py", folder)
    out = sh(
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_integration.py"],
        folder,
        env,
    )
    assert re.search(r"\b\d+ passed\b", out) and "failed" not in out


def test_init_and_the_tests_it_scaffolds_pass(installed: tuple[Path, dict[str, str]]) -> None:
    folder, env = installed
    project = folder / "my-project"
    sh(["triggerspec", "init", str(project), "--from", "northflank"], folder, env)
    out = sh(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], project, env)
    operations = len(load_api(ROOT / "specs" / "northflank.yaml").operations)
    assert re.search(rf"\b{2 * operations + 1} passed\b", out), out  # per operation and mode, +1
