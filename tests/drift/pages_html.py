"""Build the HTML page fixtures of ``docs fetch`` from the committed snapshots.

Each fixture is shaped like its vendor's page, by page format: a ``stainless-reference``
page is a site chrome (``nav``) around paragraphs and ``<pre><code>`` examples; a
``bullet-tree`` page nests its fields in ``<ul>``/``<li>`` by indentation; a
``name-type-table`` page lays its Name / Description tables out as ``<div>`` rows. Scripts
and styles are added to every page (a converter must drop them). The fixtures are committed;
refresh them after a snapshot changes with ``python -m tests.drift.pages_html`` and review
the diff.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from triggerspec.drift.index import read_index

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).parent / "fixtures" / "pages"
_CODE_START = re.compile(r"^(curl\b|[{\[])")
_BULLET = re.compile(r"^(?P<indent> *)• ?(?P<label>.*)$")

HEAD = (
    "<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
    "<style>body {{ font-family: sans-serif }}</style>"
    "<script>window.analytics = {{track: function () {{}}}};</script></head><body>"
)


def _blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _paragraphs(lines: list[str]) -> str:
    """Blocks of lines, code (curl, JSON) as ``<pre><code>`` from where it starts."""
    out: list[str] = []
    for block in _blocks(lines):
        start = next((i for i, line in enumerate(block) if _CODE_START.match(line)), None)
        text, code = (block, []) if start is None else (block[:start], block[start:])
        parts = []
        if text:
            parts.append("<div>" + "<br>".join(html.escape(t.strip()) for t in text) + "</div>")
        if code:
            parts.append("<pre><code>" + html.escape("\n".join(code)) + "</code></pre>")
        out.append("<div class='block'>" + "".join(parts) + "</div>")
    return "\n<br>\n".join(out)


def stainless(lines: list[str]) -> str:
    if lines and lines[0] == "Skip to content":  # the site's chrome, when the capture has it
        chrome = [line for line in lines[:3] if line.strip()]
        nav = "<br>".join(f"<a href='#'>{html.escape(line)}</a>" for line in chrome)
        return f"<nav>{nav}</nav><br><main>{_paragraphs(lines[len(chrome) :])}</main>"
    return f"<main>{_paragraphs(lines)}</main>"


def _tree(lines: list[str], start: int, indent: int) -> tuple[str, int]:
    """A ``<ul>`` of the bullets at ``indent`` from ``start``; returns the html and next line."""
    out = ["<ul>"]
    i = start
    while i < len(lines):
        bullet = _BULLET.match(lines[i])
        if bullet is None:
            if lines[i].strip():
                break  # text outside any field: the tree ends here
            i += 1
            continue
        depth = len(bullet["indent"])
        if depth < indent:
            break
        if depth > indent:
            inner, i = _tree(lines, i, depth)
            out.append(inner)
            continue
        body: list[str] = []
        i += 1
        while i < len(lines) and not _BULLET.match(lines[i]):
            line = lines[i]
            if line.strip() and len(line) - len(line.lstrip()) <= depth:
                break
            body.append(line)
            i += 1
        text = [line.strip() for line in body if line.strip()]
        para = ("<p>" + "<br>".join(html.escape(t) for t in text) + "</p>") if text else ""
        inner = ""
        if i < len(lines) and (nested := _BULLET.match(lines[i])) and len(nested["indent"]) > depth:
            inner, i = _tree(lines, i, len(nested["indent"]))
        out.append(f"<li><b>{html.escape(bullet['label'])}</b>{para}{inner}</li>")
    out.append("</ul>")
    return "".join(out), i


def bullet_tree(lines: list[str]) -> str:
    out: list[str] = []
    plain: list[str] = []
    i = 0
    while i < len(lines):
        if _BULLET.match(lines[i]):
            out.append(_paragraphs(plain))
            plain = []
            tree, i = _tree(lines, i, len(_BULLET.match(lines[i])["indent"]))  # type: ignore[index]
            out.append(tree)
        else:
            plain.append(lines[i])
            i += 1
    out.append(_paragraphs(plain))
    return "<div class='docs'>" + "\n".join(out) + "</div>"


def name_type_table(lines: list[str]) -> str:
    rows = []
    for block in _blocks(lines):
        if _CODE_START.match(block[0]) or len(block) > 1:
            rows.append(_paragraphs(block))
        else:
            rows.append(f"<div class='cell'>{html.escape(block[0].strip())}</div>")
    return "<div class='table'>" + "\n".join(rows) + "</div>"


BUILDERS = {
    "stainless-reference": stainless,
    "bullet-tree": bullet_tree,
    "name-type-table": name_type_table,
}


def build(name: str, page_format: str) -> str:
    lines = (ROOT / "specs" / "docs" / name).read_text(encoding="utf-8").splitlines()
    title = next((line for line in lines if line.strip()), name)
    body = BUILDERS[page_format](lines)
    return HEAD.format(title=html.escape(title)) + body + "</body></html>\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, page in read_index(ROOT / "specs" / "docs").items():
        (OUT / name.replace(".txt", ".html")).write_text(build(name, page.format), "utf-8")
        print(f"wrote {OUT.relative_to(ROOT) / name.replace('.txt', '.html')}")


if __name__ == "__main__":
    main()
