"""Developer tasks, one short session each: `nox -s tests`, `nox -s lint`, ...

`tests`, `lint`, `typecheck`, `regen` and `contract` install the hashed lock in
requirements/ (what CI runs). `matrix` resolves afresh with uv at both ends of the ranges in
pyproject.toml, on every supported Python; `clients` proves the light install is light.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|virtualenv"

PYTHONS = ["3.11", "3.12", "3.13"]
RESOLUTIONS = ["lowest-direct", "highest"]
GENERATED_RUFF = ["--isolated", "--line-length=100", "--target-version=py311"]
LOCAL = ["--no-deps", "-e", "./clients", "-e", "."]
CLIENT_TESTS = ["tests/codegen/test_clients.py"]


def _pyenv_versions() -> None:
    """Let pyenv's shims answer for every installed 3.11/3.12/3.13 (this process only)."""
    pyenv = shutil.which("pyenv")
    if pyenv is None or "PYENV_VERSION" in os.environ:
        return
    listed = subprocess.run(
        [pyenv, "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    wanted = [v for v in listed if any(v.startswith(p + ".") for p in PYTHONS)]
    if wanted:
        os.environ["PYENV_VERSION"] = ":".join(wanted)


_pyenv_versions()


def _locked(session: nox.Session, lock: str) -> None:
    session.install("-r", f"requirements/{lock}.txt")
    session.install(*LOCAL)


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite on the locked set (the same install and command CI and the README use)."""
    _locked(session, "test")
    session.run("python", "-m", "pytest", "-n", "2", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the toolkit and tests, the generator's ruff over generated/, lint over specs."""
    _locked(session, "dev")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", *GENERATED_RUFF, "--ignore", "E501", "generated")
    session.run("ruff", "format", "--check", *GENERATED_RUFF, "generated")
    session.run("triggerspec", "lint")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the toolkit and the generated code."""
    _locked(session, "dev")
    session.run("mypy")


@nox.session
def regen(session: nox.Session) -> None:
    """Regenerate generated/ from the specs with the pinned generator (`codegen` extra)."""
    _locked(session, "main")
    session.run("triggerspec", "regen")


@nox.session
def contract(session: nox.Session) -> None:
    """The main job: lint, freshness, client contract tests, fuzz of the embedded mock."""
    _locked(session, "main")
    session.run("triggerspec", "run", *session.posargs)


@nox.session(python=PYTHONS, venv_backend="uv", reuse_venv=False)
@nox.parametrize("resolution", RESOLUTIONS)
def matrix(session: nox.Session, resolution: str) -> None:
    """The whole suite at one end of the dependency ranges: `nox -s matrix` runs all six.

    lowest-direct installs every direct dependency at its lower bound (pydantic, httpx, ...);
    highest the newest in range. The generator stays at its pin (`codegen` extra), so the
    suite's freshness and golden tests prove generated code is the same at both ends.
    """
    session.install("--resolution", resolution, "-e", "./clients", "-e", ".[test]")
    session.run("uv", "pip", "freeze", "--python", str(Path(session.bin) / "python"))
    session.run("python", "-m", "pytest", "-n", "2", "-q", *session.posargs)


@nox.session(python=PYTHONS[0], venv_backend="uv", reuse_venv=False)
@nox.parametrize("resolution", RESOLUTIONS)
def clients(session: nox.Session, resolution: str) -> None:
    """Only triggerspec-clients (not editable): no toolkit package arrives; client tests pass."""
    session.install("--resolution", resolution, "./clients")
    session.run("python", "-m", "tests.client_install")
    session.install("pytest", "respx")
    # Only what the installed wheel provides: run from a scratch folder (the checkout's
    # egg-info would register the toolkit's pytest plugins), no conftest (it imports the
    # toolkit), no pythonpath from pyproject.toml (it points at tools/ and generated/).
    tests = [str(Path(p).resolve()) for p in CLIENT_TESTS]
    session.chdir(session.create_tmp())
    session.run(
        "pytest", "-q", "--noconftest", "-o", "pythonpath=", "--import-mode=importlib",
        "-p", "no:cacheprovider", *tests, *session.posargs,
    )  # fmt: skip


@nox.session(venv_backend="uv")
def lock(session: nox.Session) -> None:
    """Refresh the hashed locks in requirements/ from the ranges (`uv pip compile`)."""
    session.install("uv")
    for name in ("main", "test", "dev"):
        session.run(
            "uv", "pip", "compile", f"requirements/{name}.in", "--universal",
            "--python-version", "3.11", "--generate-hashes", "--no-header", "--quiet",
            "--no-emit-package", "triggerspec", "--no-emit-package", "triggerspec-clients",
            "-o", f"requirements/{name}.txt", *session.posargs,
        )  # fmt: skip
