"""A refusal of a shape seen before is worded from its plan, with the words a full pass
gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import triggerspec.spec.validate as validate_module
from tests.spec.test_validate import (
    DIFFERENTIAL,
    KEYWORDS,
    KEYWORDS_EXAMPLE,
    _bodies,
    _mutate,
)
from triggerspec.spec.model import Api
from triggerspec.spec.plans import PLANS
from triggerspec.spec.validate import SchemaValidator

SHA = {"type": "object", "properties": {"sha": {"type": "string", "minLength": 40}}}
SOURCE = {
    "anyOf": [
        {"type": "object", "required": ["sha"], "properties": SHA["properties"]},
        {"type": "object", "required": ["branch"]},
    ]
}

_warm: dict[str, SchemaValidator] = {}
"""One validator per schema for the whole run: its plans outlive an example."""


@DIFFERENTIAL
@given(data=st.data())
def test_a_warm_validator_words_every_refusal_as_a_full_pass_does(
    apis: dict[str, Api], data: st.DataObject
) -> None:
    cases = [*_bodies(apis), ("keywords", KEYWORDS, KEYWORDS_EXAMPLE)]
    name, schema, example = data.draw(st.sampled_from(cases))
    validator = _warm.setdefault(name, SchemaValidator(schema))
    for _ in range(3):
        instance = _mutate(example, data)
        expected = SchemaValidator(schema, fast=False).violations(instance)
        assert validator.violations(instance) == expected, (name, instance)


def _no_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    def translated(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the Rust errors were translated again")

    monkeypatch.setattr(validate_module, "errors_from_rust", translated)


def test_a_second_refusal_of_one_shape_is_worded_from_the_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validator = SchemaValidator(SOURCE)
    first = validator.violations({"sha": "abc"})
    assert [str(v) for v in first] == ["/sha: 'abc' is too short (minLength 40)"]
    _no_translation(monkeypatch)
    # Same shape, another value: the message is the new value's.
    assert [str(v) for v in validator.violations({"sha": "0123456789"})] == [
        "/sha: '0123456789' is too short (minLength 40)"
    ]


def test_a_new_shape_is_translated() -> None:
    validator = SchemaValidator(SOURCE)
    validator.violations({"sha": "abc"})
    calls: list[object] = []
    original = validate_module.errors_from_rust

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate_module, "errors_from_rust", counted)
        words = [str(v) for v in validator.violations({"sha": 7})]
    assert calls, "a shape never seen was worded from another shape's plan"
    assert [str(v) for v in SchemaValidator(SOURCE, fast=False).violations({"sha": 7})] == words


def test_a_plan_whose_keyword_words_otherwise_steps_aside() -> None:
    """A plan words only what its keyword functions word as they did when it was made (the
    caller then words the refusal in full)."""
    schema = {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string"}}}
    validator = SchemaValidator(schema)
    validator.violations({"a": "x"})  # one property missing: a plan for that shape
    plan = next(iter(validator._plans._plans.values()))
    assert plan.word(validator._python, {"a": "x"}) is not None
    assert plan.word(validator._python, {"a": "x", "b": 1}) is None  # nothing missing now
    assert plan.word(validator._python, {}) is None  # two missing: two errors, not one
    assert plan.word(validator._python, []) is None  # not an object at all


def test_plans_are_bounded() -> None:
    validator = SchemaValidator({"type": "object", "additionalProperties": False})
    for n in range(PLANS + 10):
        words = validator.violations({f"k{n}": 1})
        assert words and f"'k{n}'" in words[0].message
    assert len(validator._plans._plans) <= PLANS


def test_a_shape_with_a_huge_property_name_is_not_kept() -> None:
    """A shape is a plan's key: a refusal at a 10,000-character property name is worded
    (right) but not remembered."""
    validator = SchemaValidator({"type": "object", "additionalProperties": {"type": "string"}})
    name = "k" * 10_000
    words = validator.violations({name: 1})
    assert [v.pointer for v in words] == ["/" + name]
    assert validator._plans._plans == {}
    validator.violations({"short": 1})
    assert len(validator._plans._plans) == 1
