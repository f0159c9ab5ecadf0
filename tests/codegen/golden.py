"""Golden cases for the generator: a tiny spec in, the expected generated tree out.

Refresh the expected trees after an intended generator change, then review their diff:

    python -m tests.codegen.golden
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from triggerspec.codegen.pipeline import MANIFEST, PACKAGE, regen
from triggerspec.project import Project

HERE = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[2]


def cases() -> list[Path]:
    return sorted(p for p in HERE.iterdir() if (p / "specs").is_dir())


def make_project(case: Path, where: Path) -> Project:
    """A throwaway project holding the case's specs (the generator's default settings)."""
    where.mkdir(parents=True, exist_ok=True)
    (where / "pyproject.toml").write_text('[tool.triggerspec]\nspecs = "specs"\n')
    shutil.copytree(case / "specs", where / "specs")
    return Project.from_root(where)


@contextmanager
def imported(project: Project, alias: str) -> Iterator[ModuleType]:
    """The project's generated package, imported under ``alias`` (next to the repo's own
    ``triggerspec_clients``), and forgotten afterwards."""
    root = project.generated_dir / PACKAGE
    spec = importlib.util.spec_from_file_location(
        alias, root / "__init__.py", submodule_search_locations=[str(root)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[alias] = package
    try:
        spec.loader.exec_module(package)
        yield package
    finally:
        for name in [n for n in sys.modules if n == alias or n.startswith(alias + ".")]:
            del sys.modules[name]


def generated_files(project: Project) -> dict[str, str]:
    package = project.generated_dir / PACKAGE
    files = {
        p.relative_to(package).as_posix(): p.read_text()
        for p in sorted(package.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
    # The manifest's input hash covers the generator's own sources; compare its file list only.
    files[MANIFEST] = json.dumps(json.loads(files[MANIFEST])["files"], indent=2) + "\n"
    return files


def refresh(scratch: Path) -> None:
    for case in cases():
        project = make_project(case, scratch / case.name)
        regen(project)
        expected = case / "expected"
        shutil.rmtree(expected, ignore_errors=True)
        for rel, text in generated_files(project).items():
            (expected / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected / rel).write_text(text)
        print(f"refreshed {expected.relative_to(ROOT)}")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        refresh(Path(tmp))
    sys.exit(0)
