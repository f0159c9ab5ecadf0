"""Did a changed regex get stricter or looser? A bounded, deterministic sampling answer.

Whether one regex accepts everything another accepts cannot be decided in general, so
the diff samples: strings drawn from the old pattern (and strings near it, built from the
characters both patterns mention) are tried against the new one, and the other way round.
A string the old pattern accepts and the new one rejects is proof that the change breaks a
caller; finding none in the sample is evidence, not proof, and the verdict says so. The
draw is derandomized and bounded, so the same two patterns always get the same verdict.
Every pattern is evaluated with ECMAScript semantics (:mod:`triggerspec.spec.patterns`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from triggerspec.spec import patterns

SAMPLES = 25
"""Strings drawn from each pattern by Hypothesis (each also tried with small edits)."""
SHORT = 3
"""Every string up to this length over the patterns' own characters is tried too."""
_MAX_ALPHABET = 24


@dataclass(frozen=True)
class PatternVerdict:
    """What sampling showed about ``old`` → ``new``.

    ``lost``: a string the old pattern accepts and the new one rejects (the change is
    stricter there); ``gained``: the reverse. ``None`` means none was found in the sample.
    ``sampled`` is false when a pattern could not be sampled at all (then nothing is shown).
    """

    lost: str | None
    gained: str | None
    sampled: bool

    @property
    def stricter(self) -> bool:
        """The sample holds a string the old pattern accepts and the new one rejects."""
        return self.lost is not None

    @property
    def looser(self) -> bool:
        """The sample holds a string the new pattern accepts and the old one rejects."""
        return self.gained is not None


@lru_cache(maxsize=128)
def compare_patterns(old: str, new: str) -> PatternVerdict:
    """Sample both directions; see :class:`PatternVerdict`."""
    try:
        for pattern in (old, new):
            patterns.compile_python(pattern)
    except re.error:
        return PatternVerdict(None, None, False)
    short = list(_short_strings(old + new))
    lost, ok_old = _escapes(old, new, short)
    gained, ok_new = _escapes(new, old, short)
    return PatternVerdict(lost, gained, ok_old and ok_new)


def _short_strings(text: str) -> Iterator[str]:
    """Every string up to :data:`SHORT` characters over the characters the patterns use."""
    chars = sorted({ch for ch in text if ch.isprintable()} | set("aZ09 ./-_\n"))
    alphabet = chars[:_MAX_ALPHABET]
    for size in range(SHORT + 1):
        for letters in itertools.product(alphabet, repeat=size):
            yield "".join(letters)


def _edits(value: str) -> Iterator[str]:
    """The value, longer copies, its prefixes, and one character dropped or made a dot."""
    yield value
    yield value + value[-1:] * 64  # past any length bound
    yield value * 3
    for i in range(len(value)):
        yield value[:i]
        yield value[:i] + value[i + 1 :]
        yield value[:i] + "." + value[i + 1 :]


def _escapes(source: str, target: str, short: list[str]) -> tuple[str | None, bool]:
    """The shortest sampled string ``source`` accepts and ``target`` rejects."""
    witnesses = [s for s in short if patterns.search(source, s) and not patterns.search(target, s)]
    try:
        drawn = st.from_regex(re.compile(source))
    except re.error:
        return _shortest(witnesses), False

    @settings(
        max_examples=SAMPLES,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(drawn)
    def probe(value: str) -> None:
        witnesses.extend(
            v
            for v in _edits(value)
            if patterns.search(source, v) and not patterns.search(target, v)
        )

    try:
        probe()
    except Exception:  # Hypothesis cannot draw from this pattern: only the short strings count
        return _shortest(witnesses), False
    return _shortest(witnesses), True


def _shortest(witnesses: list[str]) -> str | None:
    return min(witnesses, key=lambda s: (len(s), s)) if witnesses else None
