"""Path templates, one segment at a time: the one rule every tool matches URLs by.

A segment is a literal, a whole parameter (``{id}``), or text mixing literals and
parameters (``{base}...{head}``, ``{name}.json``). In a mixed segment every parameter but
the last matches as little as it can, so ``{base}...{head}`` reads ``a...b...c`` as ``a`` and
``b...c``; a parameter never matches an empty string. The mock's router, the fuzz checks and
the client contract read sent URLs through :func:`match_segment`.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PARAM = re.compile(r"\{([^{}]+)\}")


@lru_cache(maxsize=1024)
def segment_pattern(segment: str) -> tuple[str, re.Pattern[str], tuple[str, ...]] | None:
    """``(shape, regex, parameter names)`` of a segment with parameters (``None``: a literal).

    ``shape`` is the segment with each parameter replaced by ``{}``: two segments of the
    same shape match the same values, whatever their parameters are called.

    Raises:
        ValueError: the braces do not pair up.
    """
    names = tuple(_PARAM.findall(segment))
    if not names:
        if "{" in segment or "}" in segment:
            raise ValueError(f"path segment {segment!r} has unbalanced braces")
        return None
    if segment.count("{") != len(names) or segment.count("}") != len(names):
        raise ValueError(f"path segment {segment!r} has unbalanced braces")
    pieces = _PARAM.split(segment)  # text, name, text, name, ..., text
    regex, shape = "", ""
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            regex += re.escape(piece)
            shape += piece
        else:
            regex += "(.+)" if i == len(pieces) - 2 else "(.+?)"
            shape += "{}"
    return shape, re.compile(regex, re.DOTALL), names


def is_whole_parameter(segment: str) -> bool:
    """Whether the segment is exactly one parameter (``{id}``)."""
    return segment.startswith("{") and segment.endswith("}") and segment.count("{") == 1


def match_segment(template: str, sent: str) -> dict[str, str] | None:
    """The parameter values a decoded segment carries (``None``: it does not match)."""
    found = segment_pattern(template)
    if found is None:
        return {} if template == sent else None
    _, regex, names = found
    matched = regex.fullmatch(sent)
    if matched is None:
        return None
    return dict(zip(names, matched.groups(), strict=True))
