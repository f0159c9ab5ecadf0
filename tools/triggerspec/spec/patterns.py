"""Regex portability: JSON Schema ``pattern`` means an ECMAScript (``u`` mode) regex.

Python's ``re`` reads a few constructs differently: ``$`` also matches before a final
newline, ``.`` also matches ``\\r``, and ``\\d``/``\\w``/``\\b`` are Unicode-aware. Every
triggerspec tool that evaluates a pattern in Python goes through :func:`to_python`, which
rewrites those constructs so the Python regex means what the ECMAScript one means.
:func:`check_portable` proves it per pattern by comparing the result with an ECMAScript
engine (``regress``) on strings Hypothesis draws from the pattern and near it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import regress

# '.' in ECMAScript excludes every line terminator, not only '\n'.
_ECMA_DOT = r"[^\n\r\u2028\u2029]"


@dataclass(frozen=True)
class PortabilityProblem:
    """Why a pattern is not portable, with a witness string when one was found."""

    message: str
    witness: str | None = None


def to_python(pattern: str) -> str:
    """Rewrite an ECMAScript pattern into a Python ``re`` pattern with the same meaning.

    Outside character classes ``$`` becomes ``\\Z`` and ``.`` becomes a class without line
    terminators; the result is compiled with ``re.ASCII`` (see :func:`compile_python`).
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            # A ']' right after '[' or '[^' is a literal in Python but closes in ECMAScript;
            # leave it to the portability check to report.
        elif ch == "$":
            out.append(r"\Z")
        elif ch == ".":
            out.append(_ECMA_DOT)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def compile_python(pattern: str) -> re.Pattern[str]:
    """The compiled Python twin of an ECMAScript pattern."""
    return re.compile(to_python(pattern), re.ASCII)


@lru_cache(maxsize=256)
def compile_ecma(pattern: str) -> regress.Regex:
    """The pattern compiled by an ECMAScript engine in ``u`` mode."""
    return regress.Regex(pattern, "u")


def search(pattern: str, value: str) -> bool:
    """Whether ``value`` matches ``pattern`` anywhere, with ECMAScript semantics."""
    return compile_python(pattern).search(value) is not None


@lru_cache(maxsize=256)
def check_portable(pattern: str, max_examples: int = 100) -> PortabilityProblem | None:
    """``None`` when the pattern compiles in both engines and they agree on drawn strings.

    The draw is derandomized, so the verdict for a pattern is stable (and cached).
    """
    try:
        ecma = compile_ecma(pattern)
    except Exception as exc:  # regress raises its own error type; any failure is the answer
        return PortabilityProblem(f"does not compile as an ECMAScript (u mode) regex: {exc}")
    try:
        py = compile_python(pattern)
    except re.error as exc:
        return PortabilityProblem(f"does not compile as a Python regex: {exc}")
    try:
        raw_py = re.compile(pattern)
    except re.error as exc:
        return PortabilityProblem(f"does not compile as a Python regex: {exc}")

    # Imported here: only lint asks, and the mock starts without Hypothesis.
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    disagreements: list[str] = []
    near = st.text(alphabet=st.sampled_from("aZ09-._/ \n\r\u00e9\u0663\u2028"), max_size=12)
    candidates = st.one_of(
        st.from_regex(raw_py),
        st.from_regex(raw_py).map(lambda s: s + "\n"),
        st.from_regex(raw_py).map(lambda s: "\u0663" + s),
        near,
        st.text(max_size=8),
    )

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(candidates)
    def agree(value: str) -> None:
        if (py.search(value) is not None) != (ecma.find(value) is not None):
            disagreements.append(value)
            raise AssertionError(value)

    try:
        agree()
    except AssertionError:
        pass
    except Exception as exc:  # hypothesis could not draw from the pattern
        return PortabilityProblem(f"cannot generate strings for this regex: {exc}")
    if disagreements:
        witness = disagreements[0]
        return PortabilityProblem(
            f"means different things in Python and ECMAScript: {witness!r} matches in "
            f"{'Python' if py.search(witness) else 'ECMAScript'} only",
            witness,
        )
    return None
