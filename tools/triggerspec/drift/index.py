"""The page index (``specs/docs/INDEX.md``): each snapshot's format, URL and rendering.

The index is a markdown table, one row per page, read by its header names::

    | file | vendor | operation | format | url | render |
    |---|---|---|---|---|---|
    | 003_3d60e4de50c50917.txt | Northflank | ... | bullet-tree | https://... | static |

``format`` picks the page reader (:data:`triggerspec.drift.extract.READERS`), ``url`` is
where ``docs fetch`` captures the page from, and ``render`` says whether the page needs
scripts to show its content (``scripts``: fetched with headless Chromium) or not
(``static``, the default). Other columns are for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from triggerspec.errors import UsageError

INDEX_NAME = "INDEX.md"
RENDERS = ("static", "scripts")


@dataclass(frozen=True)
class IndexedPage:
    """One row of the page index."""

    name: str
    format: str
    url: str | None
    render: str = "static"
    line: int = 0


def _cells(line: str) -> list[str]:
    return [c.strip().strip("`").strip() for c in line.strip().strip("|").split("|")]


def read_index(docs_dir: Path, display: str | None = None) -> dict[str, IndexedPage]:
    """The pages ``docs_dir/INDEX.md`` lists (empty when there is no index).

    Raises:
        UsageError: a row names an unknown ``render`` value (file and line named).
    """
    path = docs_dir / INDEX_NAME
    shown = display or str(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{shown}: cannot read the page index: {exc}") from None
    header: list[str] | None = None
    found: dict[str, IndexedPage] = {}
    for number, line in enumerate(lines, 1):
        if not line.lstrip().startswith("|"):
            header = None
            continue
        cells = _cells(line)
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if all(set(c) <= {"-", ":", " "} for c in cells):
            continue  # the separator row
        row = dict(zip(header, cells, strict=False))
        name = row.get("file", "")
        if not name or "format" not in row:
            continue
        render = row.get("render") or "static"
        if render not in RENDERS:
            raise UsageError(
                f"{shown}:{number}: render must be one of {', '.join(RENDERS)}, got {render!r}"
            )
        found[name] = IndexedPage(name, row["format"], row.get("url") or None, render, number)
    return found
