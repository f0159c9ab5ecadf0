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
TOKENS = {
    "NORTHFLANK_API_TOKEN": "nf-hostile-token-7d1e0c",
    "CLOUDFLARE_API_TOKEN": "cf-hostile-token-93ab52",
    "SOURCECRAFT_TOKEN": "sc-hostile-token-4f8a61",
}


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
