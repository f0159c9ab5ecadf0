"""Cross-field rules as first-class values.

The specs state these rules in plain JSON Schema so every standard tool enforces them:
``anyOf`` of single ``required`` lists (at least one of), ``oneOf`` of them (exactly one
of), ``not: {required: [a, b]}`` (mutually exclusive) and ``x-max-bytes`` (a size cap on a
file part). This module recognises those shapes once, so the model validators, the client's
pre-send checks, the mock, the strategies and the fuzz checks name the same rule the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from triggerspec.runtime.rules import Rule, RuleKind
from triggerspec.spec import pointer as jp

__all__ = ["Rule", "RuleKind", "find_rules", "rule_of"]


def _single_required(branches: Any) -> tuple[str, ...] | None:
    if not isinstance(branches, list) or not branches:
        return None
    names: list[str] = []
    for branch in branches:
        if not (
            isinstance(branch, dict)
            and set(branch) == {"required"}
            and len(branch["required"]) == 1
        ):
            return None
        names.append(branch["required"][0])
    return tuple(names)


def rule_of(keyword: str, value: Any, at: str = "") -> Rule | None:
    """The cross-field rule one schema keyword states, if it has one of the shapes above."""
    if keyword == "anyOf" and (names := _single_required(value)):
        return Rule("at-least-one-of", names, at)
    if keyword == "oneOf" and (names := _single_required(value)):
        return Rule("exactly-one-of", names, at)
    if keyword == "not" and isinstance(value, dict) and set(value) == {"required"}:
        return Rule("mutually-exclusive", tuple(value["required"]), at)
    return None


def find_rules(schema: Any, at: str) -> list[Rule]:
    """Every cross-field rule in a dereferenced schema, with the instance pointer it governs."""
    return list(_walk(schema, at))


def _walk(schema: Any, at: str) -> Iterator[Rule]:
    if not isinstance(schema, dict):
        return
    for keyword in ("anyOf", "oneOf", "not"):
        if (rule := rule_of(keyword, schema.get(keyword), at)) is not None:
            yield rule
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and "x-max-bytes" in prop:
            yield Rule("max-bytes", (name,), at, int(prop["x-max-bytes"]))
        yield from _walk(prop, jp.join(at, name))
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key) or []:
            yield from _walk(branch, at)
    if isinstance(schema.get("items"), dict):
        yield from _walk(schema["items"], jp.join(at, "*"))
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _walk(schema["additionalProperties"], jp.join(at, "*"))
