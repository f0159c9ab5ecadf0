"""``triggerspec init``: scaffold a contract-test project in your own repository.

It writes the ``[tool.triggerspec]`` table (a new ``pyproject.toml``, or the table added at
the end of an existing one that has none), a ``specs/`` folder (with the bundled vendor
specs you pick, and their page snapshots, or empty for your own), a sample test using the
pytest fixtures, and a GitHub Actions workflow. It never overwrites a file: one that is
already there is kept and reported.
"""

from __future__ import annotations

import argparse
import shutil
from importlib import resources
from pathlib import Path

import yaml

from triggerspec.drift.known import FILE_NAME as DECISIONS
from triggerspec.errors import UsageError
from triggerspec.project import BUNDLED_ROOT, Project, _triggerspec_table

TABLE = """[tool.triggerspec]
specs = "specs"
"""

FILES = {
    "tests/test_triggerspec.py": "test_triggerspec.py.tmpl",
    ".github/workflows/triggerspec.yml": "workflow.yml",
}


def bundled_names() -> list[str]:
    """The names of the bundled specs (``northflank``, ...)."""
    return [p.stem for p in Project.bundled_specs().spec_files()]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``triggerspec init``."""
    parser = commands.add_parser(
        "init",
        help="scaffold a contract-test project here: [tool.triggerspec], specs/, a test, CI",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument(
        "directory", nargs="?", type=Path, default=Path("."), help="where (default: here)"
    )
    parser.add_argument(
        "--from",
        dest="bundled",
        action="append",
        default=[],
        metavar="NAME",
        help=f"start specs/ from this bundled spec (repeatable; 'all' for every one): "
        f"{', '.join(bundled_names())}; default: an empty specs/ for your own",
    )
    parser.set_defaults(handler=handle, needs_project=False)


def handle(args: argparse.Namespace, project: Project | None = None) -> int:
    """Scaffold, report every file written or kept, and the next steps."""
    target: Path = args.directory.resolve()
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: not a folder")
    chosen = _chosen(args.bundled)
    target.mkdir(parents=True, exist_ok=True)
    lines = [_pyproject(target)]
    specs = target / "specs"
    specs.mkdir(exist_ok=True)
    for name in chosen:
        lines.append(_copy(BUNDLED_ROOT / f"{name}.yaml", specs / f"{name}.yaml", target))
    if chosen:
        pages = _pages(chosen)
        lines.extend(_copy(p, specs / "docs" / p.name, target) for p in pages)
        lines.append(_decisions(pages, specs / "docs" / DECISIONS, target))
    scaffold = resources.files("triggerspec") / "scaffold"
    for rel, source in FILES.items():
        path = target / rel
        if path.exists():
            lines.append(f"kept    {rel} (already there)")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(scaffold.joinpath(source).read_text(encoding="utf-8"), encoding="utf-8")
        lines.append(f"wrote   {rel}")
    print("\n".join(lines))
    print(
        "\nnext: add your OpenAPI documents to specs/ (YAML or JSON), then\n"
        "  triggerspec lint\n"
        "  python -m pytest tests/test_triggerspec.py"
    )
    return 0


def _chosen(names: list[str]) -> list[str]:
    available = bundled_names()
    if "all" in names:
        return available
    unknown = sorted(set(names) - set(available))
    if unknown:
        raise UsageError(
            f"--from {unknown[0]!r}: no such bundled spec; choose from {', '.join(available)}"
        )
    return list(dict.fromkeys(names))


def _pyproject(target: Path) -> str:
    path = target / "pyproject.toml"
    if not path.exists():
        path.write_text(TABLE, encoding="utf-8")
        return "wrote   pyproject.toml ([tool.triggerspec])"
    if _triggerspec_table(path) is not None:
        return "kept    pyproject.toml (it has a [tool.triggerspec] table)"
    text = path.read_text(encoding="utf-8")
    with path.open("a", encoding="utf-8") as out:
        out.write(("\n" if text and not text.endswith("\n") else "") + "\n" + TABLE)
    return "added   [tool.triggerspec] at the end of pyproject.toml"


def _copy(source: Path, path: Path, target: Path) -> str:
    rel = path.relative_to(target).as_posix()
    if path.exists():
        return f"kept    {rel} (already there)"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, path)
    return f"wrote   {rel}"


def _decisions(pages: list[Path], path: Path, target: Path) -> str:
    """The reviewed drift decisions of the copied pages (the others would be stale)."""
    rel = path.relative_to(target).as_posix()
    if path.exists():
        return f"kept    {rel} (already there)"
    raw = yaml.safe_load((BUNDLED_ROOT / "docs" / DECISIONS).read_text(encoding="utf-8"))
    names = {p.name for p in pages}
    kept = [d for d in raw.get("decisions", []) if d.get("page") in names]
    header = (
        "# Reviewed differences between the page snapshots (this folder) and the specs,\n"
        "# copied by `triggerspec init` from the bundled ones for the pages copied here.\n"
    )
    body = yaml.safe_dump({"decisions": kept}, sort_keys=False, allow_unicode=True, width=96)
    path.write_text(header + body, encoding="utf-8")
    return f"wrote   {rel} ({len(kept)} decision(s))"


def _pages(chosen: list[str]) -> list[Path]:
    """The page snapshots the chosen specs cite (``x-source`` names the page files)."""
    docs = BUNDLED_ROOT / "docs"
    cited: list[Path] = []
    for name in chosen:
        text = (BUNDLED_ROOT / f"{name}.yaml").read_text(encoding="utf-8")
        cited.extend(p for p in sorted(docs.glob("*.txt")) if p.name in text)
    return list(dict.fromkeys(cited))
