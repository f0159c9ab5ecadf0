"""A fetched HTML page → text in the snapshot format (what a browser's copy of the page gives).

The conversion is inscriptis' (a maintained HTML-to-text renderer that lays out block
elements, lists and ``<pre>`` the way a browser's text view does, on lxml's HTML parser), with
its strict CSS profile plus one rule: code inside ``<pre>`` keeps its line breaks, so curl
commands and JSON examples come out as the page shows them. Scripts and styles are dropped,
nothing on the page runs. Every unordered list bullets with ``•``, as a browser's copy
of the page does. Trailing spaces are trimmed and runs of blank lines
collapse to one, as in the committed snapshots.
"""

from __future__ import annotations

import re
from typing import Any

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.html_properties import WhiteSpace
from inscriptis.model.config import ParserConfig
from inscriptis.model.html_element import HtmlElement
from inscriptis.model.tag import CustomHtmlTagHandlerMapping

_CSS = dict(CSS_PROFILES["strict"])
_CSS["code"] = HtmlElement(whitespace=WhiteSpace.pre)


def _ul_start(state: Any, _tag: dict[str, str]) -> None:
    """Every unordered list level bullets with ``•``, as a browser's copy does."""
    state.li_counter.append("• ")


_CONFIG = ParserConfig(
    css=_CSS,
    custom_html_tag_handler_mapping=CustomHtmlTagHandlerMapping(
        start_tag_mapping={"ul": _ul_start}, end_tag_mapping={}
    ),
)
_BLANKS = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """The page's text, one line per rendered line, ending with a newline."""
    if not html.strip():
        return ""
    text = get_text(html, _CONFIG)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"
