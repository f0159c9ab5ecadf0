"""Rules the pages state in prose, and descriptions whose field names a capture lost.

"Git branch name (required if commit_hash not provided)", "Mutually exclusive with
_worker.js", "Maximum size: 25 MiB" are contract rules written as sentences; this module
reads the few shapes the vendors use. When a capture lost the field names (the Cloudflare
Pages form), each description is matched to the spec field whose description it is, so the
page's rules can still be checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from triggerspec.drift.view import Prose

_NAME = r"([\w][\w.\-]*\w|\w)"
_REQUIRED_IF = re.compile(
    rf"required if {_NAME} (?:is )?not (?:provided|given|set|specified)", re.IGNORECASE
)
_EXCLUSIVE = re.compile(rf"mutually exclusive with {_NAME}", re.IGNORECASE)
_BOTH = re.compile(rf"(?:cannot|can't) specify both {_NAME} and {_NAME}", re.IGNORECASE)
_SIZE = re.compile(
    r"(?:maximum|max\.?) size:?\s*(?:is\s*)?(\d+(?:\.\d+)?)\s*(bytes|b|kb|kib|mb|mib|gb|gib)\b",
    re.IGNORECASE,
)
_UNITS = {
    "bytes": 1,
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
}
MATCH_RATIO = 0.75
"""How alike a page description and a spec description must be to name the same field."""


@dataclass(frozen=True)
class ProseRules:
    """The rules one field's description states."""

    required_if: tuple[str, ...] = ()
    exclusive_with: tuple[str, ...] = ()
    max_bytes: int | None = None


def read_rules(text: str, name: str) -> ProseRules:
    """The rules stated in the description ``text`` of the field ``name``."""
    required_if = tuple(dict.fromkeys(m.group(1) for m in _REQUIRED_IF.finditer(text)))
    exclusive: list[str] = [m.group(1) for m in _EXCLUSIVE.finditer(text)]
    for m in _BOTH.finditer(text):
        exclusive.extend(n for n in m.groups() if n != name)
    size = _SIZE.search(text)
    max_bytes = int(float(size.group(1)) * _UNITS[size.group(2).lower()]) if size else None
    return ProseRules(
        required_if, tuple(dict.fromkeys(n for n in exclusive if n != name)), max_bytes
    )


def normalise(text: str) -> str:
    """Collapse whitespace, so a description wrapped over lines compares equal."""
    return " ".join(text.split())


@dataclass(frozen=True)
class DescriptionMatch:
    """Page lines recognised as the description of a named spec field."""

    name: str
    prose: Prose
    ratio: float


def match_descriptions(
    lines: tuple[Prose, ...], described: Mapping[str, str], max_lines: int = 6
) -> tuple[list[DescriptionMatch], list[Prose]]:
    """Group consecutive description lines and name each group by its spec field.

    Greedy from the first line: the run of 1..``max_lines`` lines most alike some spec
    description wins if it reaches :data:`MATCH_RATIO`; a line no run matches is returned
    as unmatched (a field the spec may not know).
    """
    targets = {name: normalise(text) for name, text in described.items() if text.strip()}
    matches: list[DescriptionMatch] = []
    unmatched: list[Prose] = []
    i = 0
    while i < len(lines):
        best: tuple[float, int, str] | None = None
        for k in range(1, min(max_lines, len(lines) - i) + 1):
            run = lines[i : i + k]
            if run[-1].line - run[0].line != k - 1:
                break  # a gap: the description ended
            text = normalise(" ".join(p.text for p in run))
            for name, target in targets.items():
                ratio = SequenceMatcher(None, text, target, autojunk=False).ratio()
                if best is None or ratio > best[0]:
                    best = (ratio, k, name)
        if best is not None and best[0] >= MATCH_RATIO:
            ratio, k, name = best
            run = lines[i : i + k]
            text = " ".join(p.text for p in run)
            matches.append(DescriptionMatch(name, Prose(run[0].line, run[-1].line, text), ratio))
            i += k
        else:
            unmatched.append(lines[i])
            i += 1
    return matches, unmatched
