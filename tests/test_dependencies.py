"""Dependencies a user's project can live with: ranges, locks, a light client install.

The ranges are declared in pyproject.toml (the toolkit) and clients/pyproject.toml (the
generated clients and their runtime); the exact, hashed set CI uses is in requirements/.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

import triggerspec
from tests.client_install import CLIENT_DEPENDENCIES, problems, toolkit_only
from triggerspec.codegen.pipeline import GENERATOR_PINS
from triggerspec.extras import NEEDED_BY, missing_dependency

ROOT = Path(__file__).resolve().parents[1]


def _pyproject(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


TOOLKIT = _pyproject(ROOT / "pyproject.toml")
CLIENTS = _pyproject(ROOT / "clients" / "pyproject.toml")
OWN = {"triggerspec", "triggerspec-clients"}


def _runtime_requirements() -> list[Requirement]:
    return [
        Requirement(r)
        for r in [*TOOLKIT["project"]["dependencies"], *CLIENTS["project"]["dependencies"]]
    ]


def pin_problems(requirements: list[Requirement]) -> list[str]:
    """A runtime requirement must be a range with a lower bound, never one exact version."""
    found = []
    for req in requirements:
        if canonicalize_name(req.name) in OWN:
            continue  # the sibling distribution, released together (checked below)
        operators = {s.operator for s in req.specifier}
        if operators & {"==", "==="}:
            found.append(f"{req}: exact pin (belongs in requirements/, not in [project])")
        elif not operators & {">=", ">", "~="}:
            found.append(f"{req}: no lower bound")
    return found


def test_the_pin_check_catches_a_pin_and_a_missing_lower_bound() -> None:
    broken = [Requirement("pydantic==2.14.3"), Requirement("httpx<1"), Requirement("ruff>=0.17")]
    assert pin_problems(broken) == [
        "pydantic==2.14.3: exact pin (belongs in requirements/, not in [project])",
        "httpx<1: no lower bound",
    ]


def test_no_runtime_dependency_is_pinned_exactly() -> None:
    assert pin_problems(_runtime_requirements()) == []


def test_the_toolkit_depends_on_its_own_clients_release() -> None:
    version = TOOLKIT["project"]["version"]
    assert CLIENTS["project"]["version"] == version == triggerspec.__version__
    own = [Requirement(r) for r in TOOLKIT["project"]["dependencies"]]
    clients = [r for r in own if canonicalize_name(r.name) == "triggerspec-clients"]
    assert [str(r.specifier) for r in clients] == [f"=={version}"]


def test_the_clients_need_only_httpx_pydantic_and_typing_extensions() -> None:
    names = {canonicalize_name(Requirement(r).name) for r in CLIENTS["project"]["dependencies"]}
    assert names == CLIENT_DEPENDENCIES


def _closure(distribution: str) -> set[str]:
    """Every distribution ``distribution`` pulls in (as installed here, markers applied)."""
    environment: dict[str, str] = {**default_environment(), "extra": ""}
    seen: set[str] = set()
    todo = [distribution]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(environment):
                todo.append(req.name)
    return seen


def test_the_client_install_pulls_no_toolkit_only_package() -> None:
    closure = _closure("triggerspec-clients")
    assert closure >= CLIENT_DEPENDENCIES
    assert problems(closure, set()) == []


def test_the_client_install_check_names_a_toolkit_package_that_slipped_in() -> None:
    assert "uvicorn" in toolkit_only() and "schemathesis" in toolkit_only()
    assert problems({"httpx", "uvicorn"}, {"triggerspec.mock"}) == [
        "toolkit-only package installed: uvicorn",
        "toolkit module importable: triggerspec.mock",
    ]


def test_the_generator_pins_are_the_codegen_extra_and_inside_the_ranges() -> None:
    extra = [Requirement(r) for r in TOOLKIT["project"]["optional-dependencies"]["codegen"]]
    assert {canonicalize_name(r.name): str(r.specifier) for r in extra} == {
        name: f"=={version}" for name, version in GENERATOR_PINS.items()
    }
    ranges = {canonicalize_name(r.name): r.specifier for r in _runtime_requirements()}
    for name, version in GENERATOR_PINS.items():
        assert ranges[name].contains(version), f"{name}=={version} outside {ranges[name]}"
    assert "triggerspec[codegen]" in TOOLKIT["project"]["optional-dependencies"]["test"]


def _locked(lock: Path) -> dict[str, Version]:
    text = lock.read_text(encoding="utf-8")
    entries = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", text, flags=re.M)
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    unhashed = [b.split()[0] for b in blocks if "==" in b.split()[0] and "--hash=" not in b]
    assert unhashed == [], f"{lock.name}: entries without a hash: {unhashed}"
    return {canonicalize_name(name): Version(version) for name, version in entries}


@pytest.mark.parametrize("lock", ["main", "test", "dev"])
def test_each_lock_is_hashed_and_inside_every_range(lock: str) -> None:
    locked = _locked(ROOT / "requirements" / f"{lock}.txt")
    assert not OWN & set(locked), "the local distributions are installed from the checkout"
    for req in _runtime_requirements():
        name = canonicalize_name(req.name)
        if name in OWN or (req.marker is not None and not req.marker.evaluate()):
            continue
        assert name in locked, f"{lock}.txt lacks {name}: run `nox -s lock`"
        assert req.specifier.contains(locked[name], prereleases=True), (
            f"{lock}.txt has {name}=={locked[name]}, outside {req.specifier}: run `nox -s lock`"
        )
    for name, version in GENERATOR_PINS.items():
        assert locked[name] == Version(version), f"{lock}.txt: {name} is not at the pin"


def _readme_ranges() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Supported versions", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", section, flags=re.M)
    return {canonicalize_name(name): spec for name, spec in rows}


def test_the_readme_states_every_range_and_python() -> None:
    declared = _readme_ranges()
    for req in _runtime_requirements():
        name = canonicalize_name(req.name)
        if name in OWN:
            continue
        assert name in declared, f"README lists no range for {name}"
        assert SpecifierSet(declared[name]) == req.specifier, f"README range for {name}"
    assert set(declared) == {canonicalize_name(r.name) for r in _runtime_requirements()} - OWN
    noxfile = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    pythons = next(
        ast.literal_eval(node.value)
        for node in noxfile.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PYTHONS"
    )
    classifiers = [
        c.rsplit(" :: ", 1)[1]
        for c in TOOLKIT["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert pythons == classifiers
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python {', '.join(pythons[:-1])} or {pythons[-1]}" in readme


def test_every_checked_import_names_a_declared_distribution() -> None:
    declared = {canonicalize_name(r.name) for r in _runtime_requirements()}
    assert {canonicalize_name(dist) for dist, _ in NEEDED_BY.values()} <= declared


def test_a_missing_package_is_one_line_naming_it_and_its_range(tmp_path: Path) -> None:
    program = (
        "import sys; sys.modules['uvicorn'] = None; "
        "from triggerspec.cli import main; sys.exit(main(['--root', sys.argv[1], 'lint']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # not the checkout, whose build leftovers would shadow the metadata
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("triggerspec: error: the mock needs uvicorn, which is not installed")
    quoted = re.search(r"pip install 'uvicorn([^']*)'", lines[0])
    declared = {canonicalize_name(r.name): r.specifier for r in _runtime_requirements()}
    assert quoted is not None and SpecifierSet(quoted.group(1)) == declared["uvicorn"]


def test_other_import_errors_are_not_worded_as_a_missing_package() -> None:
    assert missing_dependency(ModuleNotFoundError("x", name="triggerspec.nowhere")) is None
    assert missing_dependency(ModuleNotFoundError("x", name=None)) is None
    error = missing_dependency(ModuleNotFoundError("x", name="schemathesis.core"))
    assert error is not None and str(error).startswith("fuzz needs schemathesis")


def test_ci_runs_exactly_the_readme_test_command_on_the_lock() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up: two commands", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", setup)
    assert len(commands) == 2
    main_command, test_command = commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == test_command
    for command, lock in ((main_command, "main"), (test_command, "test")):
        assert command.startswith(f"python -m pip install -r requirements/{lock}.txt && ")
        assert "python -m pip install --no-deps -e ./clients -e ." in command
