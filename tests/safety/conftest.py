"""Fixtures for the hostile-server catalogue: the specs, credentials, and a CLI runner."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.conftest import ROOT
from triggerspec.cli import main
from triggerspec.project import Project
from triggerspec.spec.model import Api, load_api

PROJECT = Project.from_root(ROOT)
SPECS = ROOT / "specs"


def _tokens() -> dict[str, str]:
    """A credential for each operation's simplest security alternative, read from the specs."""
    tokens: dict[str, str] = {}
    for path in PROJECT.spec_files():
        api = load_api(path)
        for op in api.operations:
            simplest = min((alt for alt in op.security if alt), key=len, default=())
            for name in simplest:
                env = api.schemes[name].env
                if env:
                    tokens[env[0]] = f"{env[0].lower().replace('_', '-')}-hostile-7d1e0c"
    return tokens


TOKENS = _tokens()


@pytest.fixture(scope="session")
def spec_apis() -> list[Api]:
    return [load_api(p, PROJECT.relative(p)) for p in PROJECT.spec_files()]


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    return TOKENS


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float


@pytest.fixture
def fuzz(capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    """``fuzz(*args)``: ``triggerspec fuzz`` in-process, with its exit code and output."""

    def call(*args: str) -> Outcome:
        started = time.perf_counter()
        code = main(["--root", str(ROOT), "fuzz", *args])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err, time.perf_counter() - started)

    return call
