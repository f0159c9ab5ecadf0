"""Find the triggerspec project a command acts on.

A project is a directory whose ``pyproject.toml`` has a ``[tool.triggerspec]`` table. Every
command acts on the project found from the current directory upward (or ``--root``), never
on the installed package's own folder, so a user's copy or fork works on its own tree.

Where no project is found, the commands that only read (lint, mock, fuzz, run, docs check)
and the pytest fixtures use the specs bundled with the package: the shipped vendor specs
and their page snapshots. Commands that write into a project (regen, update) refuse there
and name ``triggerspec init``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from triggerspec.errors import ProjectNotFoundError

BUNDLED_ROOT = Path(__file__).resolve().parent / "bundled_specs"
"""The specs shipped inside the package (in a source checkout, a link to ``specs/``)."""

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
"""The file name endings of spec files, YAML and JSON alike."""

_KEYS = {
    "specs": "the folder of OpenAPI documents",
    "docs": "the folder of vendor page snapshots (default: <specs>/docs)",
    "doc-defects": "the list of vendor examples known to break their rules "
    "(default: <specs>/doc-defects.yaml)",
    "generated": "where regen writes the generated package (default: generated)",
}


@dataclass(frozen=True)
class Project:
    """The folders and files of one triggerspec project."""

    root: Path
    specs_dir: Path
    docs_dir: Path
    doc_defects: Path
    generated_dir: Path
    bundled: bool = False
    """True for the specs shipped with the package (read-only: no regen, no update)."""

    def spec_files(self) -> list[Path]:
        """Every spec file (``.yaml``, ``.yml``, ``.json``) in the specs folder, by name.

        Subfolders are not specs: they hold page snapshots and the parts that specs
        ``$ref``. Every other file is listed by :meth:`ignored_files`, never dropped unsaid.
        """
        return sorted(p for p, reason in self._scan() if reason is None)

    def spec_inputs(self) -> list[Path]:
        """Every file a spec may read: the specs and the YAML/JSON parts in subfolders.

        The page snapshots (the docs folder) are not spec inputs.
        """
        docs = self.docs_dir.resolve()
        return sorted(
            p
            for p in self.specs_dir.rglob("*")
            if p.is_file()
            and p.suffix.lower() in SPEC_SUFFIXES
            and p.resolve() != self.doc_defects.resolve()
            and not p.resolve().is_relative_to(docs)
        )

    def ignored_files(self) -> list[tuple[Path, str]]:
        """Files in the specs folder that are not read as specs, each with the reason."""
        return sorted((p, reason) for p, reason in self._scan() if reason is not None)

    def no_specs_message(self) -> str:
        """What was looked for, when the specs folder holds no spec."""
        folder = self.relative(self.specs_dir)
        ignored = "".join(f"; ignored {p.name}: {why}" for p, why in self.ignored_files())
        return (
            f"no spec found in {folder}/ (looked for "
            + ", ".join(f"*{s}" for s in SPEC_SUFFIXES)
            + f"){ignored}"
        )

    def _scan(self) -> list[tuple[Path, str | None]]:
        if not self.specs_dir.is_dir():
            raise ProjectNotFoundError(f"{self.specs_dir}: the specs folder does not exist")
        found: list[tuple[Path, str | None]] = []
        for p in self.specs_dir.iterdir():
            if not p.is_file():
                continue
            if p.resolve() == self.doc_defects.resolve():
                continue  # read by lint as the doc-defects list
            if p.suffix.lower() in SPEC_SUFFIXES:
                found.append((p, None))
            else:
                found.append((p, f"not a spec file (specs end in {', '.join(SPEC_SUFFIXES)})"))
        return found

    def relative(self, path: Path) -> str:
        """A path as shown to users: relative to the project root when inside it."""
        try:
            shown = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)
        return f"specs/{shown}" if self.bundled else shown

    def require_writable(self, command: str) -> None:
        """Refuse a command that writes into the project when it runs on the bundled specs."""
        if self.bundled:
            raise ProjectNotFoundError(
                f"`triggerspec {command}` writes into a project, and there is none here "
                "(the bundled specs are read-only): run `triggerspec init` to make one, "
                "or pass --root"
            )

    @classmethod
    def from_root(cls, root: Path) -> Project:
        """Read a project's settings from ``root/pyproject.toml`` (or the bundled specs)."""
        root = root.resolve()
        if root == BUNDLED_ROOT.resolve():
            return cls.bundled_specs()
        pyproject = root / "pyproject.toml"
        table = _triggerspec_table(pyproject)
        if table is None:
            raise ProjectNotFoundError(
                f"{pyproject}: no [tool.triggerspec] table; is this a triggerspec project? "
                "(`triggerspec init` makes one)"
            )
        return cls._from_table(root, pyproject, table)

    @classmethod
    def _from_table(cls, root: Path, pyproject: Path, table: dict[str, object]) -> Project:
        where = f"{pyproject}: [tool.triggerspec]"
        for key, value in table.items():
            if key not in _KEYS:
                known = ", ".join(f"{k} ({why})" for k, why in sorted(_KEYS.items()))
                raise ProjectNotFoundError(f"{where}: unknown key {key!r}; known keys: {known}")
            if not isinstance(value, str) or not value:
                raise ProjectNotFoundError(f"{where}: {key} must be a non-empty path string")
        specs_dir = root / str(table.get("specs", "specs"))
        if not specs_dir.is_dir():
            raise ProjectNotFoundError(f"{where}: specs = {str(specs_dir)!r}: no such folder")
        paths = {
            "docs": root / str(table["docs"]) if "docs" in table else specs_dir / "docs",
            "doc-defects": root / str(table["doc-defects"])
            if "doc-defects" in table
            else specs_dir / "doc-defects.yaml",
        }
        for key, path in paths.items():
            if key in table and not path.exists():
                raise ProjectNotFoundError(
                    f"{where}: {key} = {str(path)!r}: no such file or folder"
                )
        return cls(
            root=root,
            specs_dir=specs_dir,
            docs_dir=paths["docs"],
            doc_defects=paths["doc-defects"],
            generated_dir=root / str(table.get("generated", "generated")),
        )

    @classmethod
    def bundled_specs(cls) -> Project:
        """The vendor specs and page snapshots shipped inside the package."""
        root = BUNDLED_ROOT.resolve()
        return cls(
            root=root,
            specs_dir=root,
            docs_dir=root / "docs",
            doc_defects=root / "doc-defects.yaml",
            generated_dir=root / "generated",
            bundled=True,
        )

    @classmethod
    def discover(cls, start: Path | None = None, *, fallback: bool = True) -> Project:
        """Find the project from ``start`` (default: the current directory) upward.

        With no project there, the bundled specs (unless ``fallback`` is False).
        """
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            table = _triggerspec_table(folder / "pyproject.toml")
            if table is not None:
                return cls._from_table(folder, folder / "pyproject.toml", table)
        if fallback and BUNDLED_ROOT.is_dir():
            return cls.bundled_specs()
        raise ProjectNotFoundError(
            f"no triggerspec project in {here} or above it: expected a pyproject.toml "
            "with a [tool.triggerspec] table (`triggerspec init` makes one; or name it with "
            "`triggerspec --root DIR`, or `--triggerspec-root DIR` in pytest)"
        )


def _triggerspec_table(pyproject: Path) -> dict[str, object] | None:
    if not pyproject.is_file():
        return None
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProjectNotFoundError(f"{pyproject}: not valid TOML: {exc}") from None
    tool = data.get("tool")
    table = tool.get("triggerspec") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ProjectNotFoundError(f"{pyproject}: [tool.triggerspec] must be a table")
    return table
