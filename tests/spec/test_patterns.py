"""Regex portability: the Python twin of every spec pattern means what ECMAScript means."""

from __future__ import annotations

import re
from typing import Any

import pytest
import regress
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from triggerspec.project import Project
from triggerspec.spec.load import load_spec
from triggerspec.spec.patterns import check_portable, compile_python, search, to_python


def _spec_patterns() -> list[str]:
    found: set[str] = set()

    def walk(node: Any, parent: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str) and parent != "properties":
                    found.add(value)
                elif key not in ("examples", "example"):
                    walk(value, key)
        elif isinstance(node, list):
            for value in node:
                walk(value, parent)

    for path in Project.from_root(ROOT).spec_files():
        walk(load_spec(path).raw, "")
    return sorted(found)


SPEC_PATTERNS = _spec_patterns()


def test_the_specs_have_the_documented_patterns() -> None:
    assert r"^\/([a-zA-Z0-9-._]+\/)*[a-zA-Z0-9-._]+$" in SPEC_PATTERNS
    assert r"^\/([a-zA-Z0-9-._]+\/)*[a-zA-Z0-9-._]*$" in SPEC_PATTERNS
    assert r"^[a-zA-Z0-9-_]+$" in SPEC_PATTERNS


@pytest.mark.parametrize("pattern", SPEC_PATTERNS)
def test_spec_pattern_is_portable(pattern: str) -> None:
    assert check_portable(pattern) is None


@pytest.mark.parametrize("pattern", SPEC_PATTERNS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_python_twin_agrees_with_ecmascript(pattern: str, data: st.DataObject) -> None:
    ecma = regress.Regex(pattern, "u")
    value = data.draw(
        st.one_of(
            st.from_regex(compile_python(pattern)),
            st.from_regex(re.compile(pattern)),
            st.text(max_size=10),
        )
    )
    assert search(pattern, value) == (ecma.find(value) is not None), value


def test_dollar_means_end_of_string() -> None:
    pattern = r"^[a-z]+$"
    assert re.search(pattern, "abc\n")  # raw Python re disagrees with ECMAScript...
    assert not search(pattern, "abc\n")  # ...its twin does not
    assert to_python(r"^a[$.]$") == r"^a[$.]\Z"


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        (r"^\s+$", "means different things"),
        (r"(?<name>a)", "does not compile as a Python regex"),
        (r"\p{L}+", "does not compile as a Python regex"),
        (r"a{,3}", "does not compile as an ECMAScript"),
        (r"[", "does not compile as an ECMAScript"),
    ],
)
def test_non_portable_patterns_are_reported(pattern: str, says: str) -> None:
    problem = check_portable(pattern)
    assert problem is not None and says in problem.message
