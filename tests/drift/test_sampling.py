"""Pattern comparison by bounded, deterministic sampling."""

from __future__ import annotations

import pytest

from triggerspec.drift.sampling import PatternVerdict, compare_patterns

DOCKERFILE_OLD = r"^\/([a-zA-Z0-9-._]+\/)*[a-zA-Z0-9-._]+$"
DOCKERFILE_NEW = r"^\/((?!\.\.?\/)[a-zA-Z0-9-._]+\/)*(?!\.\.?$)[a-zA-Z0-9-._]+$"


@pytest.mark.parametrize(
    ("old", "new", "lost", "gained"),
    [
        ("^[a-z]+$", "^[a-z]{2,}$", "a", None),
        ("^[a-z]+$", "^[a-z0-9]+$", None, "0"),
        ("^[a-z]+$", "^[a-z][a-z]*$", None, None),
        ("^[a-z]+$", "^[0-9]+$", "a", "0"),
        (DOCKERFILE_OLD, DOCKERFILE_NEW, "/.", None),
        (DOCKERFILE_NEW, DOCKERFILE_OLD, None, "/."),
    ],
)
def test_verdicts(old: str, new: str, lost: str | None, gained: str | None) -> None:
    verdict = compare_patterns(old, new)
    assert verdict == PatternVerdict(lost, gained, True)


def test_a_length_bound_is_found_past_the_short_strings() -> None:
    verdict = compare_patterns("^[a-z0-9_-]+$", "^[a-z0-9_-]{1,63}$")
    assert verdict.stricter and verdict.lost is not None and len(verdict.lost) > 63


def test_dollar_means_end_of_input_as_in_ecmascript() -> None:
    # In Python, "$" also matches before a final newline; the sampler uses ECMAScript meaning.
    assert compare_patterns("^a$", "^a\\n?$").looser


def test_the_verdict_is_deterministic() -> None:
    first = compare_patterns.__wrapped__("^[a-z]+$", "^[a-z]{2,}$")
    second = compare_patterns.__wrapped__("^[a-z]+$", "^[a-z]{2,}$")
    assert first == second


def test_a_pattern_that_does_not_compile_is_not_sampled() -> None:
    verdict = compare_patterns("^(a", "^a$")
    assert not verdict.sampled and not verdict.stricter and not verdict.looser
