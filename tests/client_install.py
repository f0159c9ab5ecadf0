"""Is this environment a client-only install? ``python -m tests.client_install``.

Run by ``nox -s clients`` inside a fresh environment where only the ``triggerspec-clients``
wheel was installed; stdlib only, so it adds nothing to what it inspects. Exit 1 naming
every toolkit-only package that arrived anyway, or a toolkit module that became importable.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIENT_DEPENDENCIES = {"httpx", "pydantic", "typing-extensions"}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return normalize(match.group(1))


def declared(pyproject: Path) -> list[str]:
    """The ``[project].dependencies`` of a pyproject.toml."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return list(data["project"]["dependencies"])


def toolkit_only() -> set[str]:
    """Packages the toolkit declares that the clients do not: they must stay out."""
    clients = {requirement_name(r) for r in declared(ROOT / "clients" / "pyproject.toml")}
    toolkit = {requirement_name(r) for r in declared(ROOT / "pyproject.toml")}
    return (toolkit - clients - {"triggerspec-clients"}) | {"triggerspec"}


def problems(installed: set[str], importable: set[str]) -> list[str]:
    unwanted = sorted(installed & toolkit_only())
    found = [f"toolkit-only package installed: {name}" for name in unwanted]
    found += [f"toolkit module importable: {name}" for name in sorted(importable)]
    return found


def main() -> int:
    # Only what is installed, not what the working directory holds (an egg-info, say).
    paths = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    dists = list(metadata.distributions(path=paths))
    installed = {normalize(d.metadata["Name"]) for d in dists}
    direct = {requirement_name(r) for r in metadata.requires("triggerspec-clients") or []}
    toolkit_modules = ["triggerspec.mock", "triggerspec.codegen", "triggerspec.contract"]
    importable = {m for m in toolkit_modules if importlib.util.find_spec(m) is not None}
    found = problems(installed, importable)
    if direct != CLIENT_DEPENDENCIES:
        found.append(f"triggerspec-clients depends on {sorted(direct)}")
    importlib.import_module("triggerspec_clients.northflank")  # the clients do import
    print("installed:", " ".join(sorted(f"{d.metadata['Name']}=={d.version}" for d in dists)))
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
