"""Page snapshot → docs view: the vendor-independent scanners, then the page format's reader.

The format is declared per page (``specs/docs/INDEX.md``'s ``format`` column, or the
citing ``x-source``'s ``format``), so a page is never guessed at, and a new vendor whose
pages look like one of these formats needs no code. Formats: ``stainless-reference``
(e.g. Cloudflare), ``bullet-tree`` (e.g. Northflank), ``name-type-table`` (e.g. SourceCraft).

Example:
    >>> view = extract_page(Path("specs/docs/003_3d60e4de50c50917.txt"), "bullet-tree")
    >>> [f.path for f in view.field_list("parameters").fields]
    [('projectId',), ('jobId',)]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from triggerspec.drift import bullettree, stainless, typetables
from triggerspec.drift.builder import Extracted
from triggerspec.drift.snippets import (
    JsonBlock,
    PageText,
    find_curls,
    find_deprecation,
    find_endpoints,
    find_json_blocks,
)
from triggerspec.drift.view import Curl, PageNote, PageView
from triggerspec.errors import UsageError

Reader = Callable[[PageText, list[JsonBlock], list[Curl]], Extracted]

READERS: dict[str, Reader] = {
    "stainless-reference": lambda page, blocks, _curls: stainless.read(page, blocks),
    "bullet-tree": bullettree.read,
    "name-type-table": lambda page, blocks, _curls: typetables.read(page, blocks),
}
"""Page format → the reader of its field lists and examples."""


def read_page(path: Path, display: str | None = None) -> str:
    """A page snapshot's text; ``UsageError`` naming the file when it cannot be read."""
    shown = display or str(path)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{shown}: not UTF-8 text (byte {exc.start}); save the page as UTF-8 text"
        ) from None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read the page snapshot: {exc.strerror}") from None


def extract_text(text: str, name: str, display: str, page_format: str) -> PageView:
    """The docs view of a page's text."""
    page = PageText(text.replace("\r\n", "\n"))
    curls, spans, glued = find_curls(page)
    blocks, notes = find_json_blocks(page, spans, glued)
    reader = READERS.get(page_format)
    if reader is None:
        extracted = Extracted(notes=(PageNote(1, f"no reader for {page_format!r} pages"),))
    else:
        extracted = reader(page, blocks, curls)
    deprecated, replacement = find_deprecation(page)
    return PageView(
        name=name,
        display=display,
        format=page_format,
        endpoints=tuple(find_endpoints(page)),
        curls=tuple(curls),
        examples=extracted.examples,
        field_lists=extracted.field_lists,
        deprecated=deprecated,
        replacement=replacement,
        notes=(*notes, *extracted.notes),
        lines=tuple(page.lines),
    )


def extract_page(path: Path, page_format: str, display: str | None = None) -> PageView:
    """The docs view of one page snapshot file."""
    shown = display or str(path)
    return extract_text(read_page(path, shown), path.name, shown, page_format)
