"""Find the triggerspec project a command acts on.

A project is a directory whose ``pyproject.toml`` has a ``[tool.triggerspec]`` table. Every
command acts on the project found from the current directory upward (or ``--root``), never
on the installed package's own folder, so a user's copy or fork works on its own tree.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from triggerspec.errors import ProjectNotFoundError

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
"""The file name endings of spec files, YAML and JSON alike."""


@dataclass(frozen=True)
class Project:
    """The folders and files of one triggerspec project."""

    root: Path
    specs_dir: Path
    docs_dir: Path
    doc_defects: Path
    generated_dir: Path

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
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    @classmethod
    def from_root(cls, root: Path) -> Project:
        """Read a project's settings from ``root/pyproject.toml``."""
        root = root.resolve()
        pyproject = root / "pyproject.toml"
        table = _triggerspec_table(pyproject)
        if table is None:
            raise ProjectNotFoundError(
                f"{pyproject}: no [tool.triggerspec] table; is this a triggerspec project?"
            )
        return cls(
            root=root,
            specs_dir=root / table.get("specs", "specs"),
            docs_dir=root / table.get("docs", "specs/docs"),
            doc_defects=root / table.get("doc-defects", "specs/doc-defects.yaml"),
            generated_dir=root / table.get("generated", "generated"),
        )

    @classmethod
    def discover(cls, start: Path | None = None) -> Project:
        """Find the project from ``start`` (default: the current directory) upward."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if _triggerspec_table(folder / "pyproject.toml") is not None:
                return cls.from_root(folder)
        raise ProjectNotFoundError(
            f"no triggerspec project in {here} or above it: expected a pyproject.toml "
            "with a [tool.triggerspec] table (or pass --root)"
        )


def _triggerspec_table(pyproject: Path) -> dict[str, str] | None:
    if not pyproject.is_file():
        return None
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectNotFoundError(f"{pyproject}: not valid TOML: {exc}") from exc
    table = data.get("tool", {}).get("triggerspec")
    return table if isinstance(table, dict) else None
