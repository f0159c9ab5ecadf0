"""Refusals worded again by their shape, without translating the Rust errors again.

Wording a refusal (:mod:`triggerspec.spec.rust_errors`, then the union branch picked,
sorted and deduplicated in :mod:`triggerspec.spec.validate`) depends on the instance in one
place only: the messages ``jsonschema``'s keyword functions give for the failing values
("'abc' is too short"). Everything else (which keywords failed where, the branch chosen,
the order, the pointers and rule names) follows from the Rust errors' kinds and paths: the
refusal's *shape* (a tuple of :class:`~triggerspec.spec.rust_errors.Found`).

A :class:`Plan` keeps, for one shape, each violation's pointer and rule and where its
message comes from. The next refusal of that shape runs only those keyword functions. When
one of them gives other errors than when the plan was made (another count, other paths),
the plan steps aside and the refusal is worded in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triggerspec.spec.rust_errors import Disagree, Found, Origin, walk, word

__all__ = ["MAX_ERRORS", "MAX_PATH_CHARS", "PLANS", "Plan", "Plans", "Step", "plannable"]

PLANS = 256
"""Shapes remembered per schema (cleared when full; a schema refuses in few shapes)."""

MAX_ERRORS = 32
"""Refusals of more Rust errors (union branches' included) or violations are not planned."""

MAX_PATH_CHARS = 4096
"""Nor those whose instance paths hold more characters than this in all (a shape is a
plan's key: a hostile 1 MiB property name must not be kept 256 times)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One violation of a plan: its pointer and rule, and a fixed message (a named
    cross-field rule) or the keyword function that words it."""

    pointer: str
    rule: str
    message: str | None
    origin: Origin | None


@dataclass(frozen=True, slots=True)
class Plan:
    """The violations of one refusal shape, in order, before duplicates are dropped."""

    steps: tuple[Step, ...]

    def word(self, validator: Any, instance: Any) -> list[tuple[str, str, str]] | None:
        """``(pointer, rule, message)`` of each violation of ``instance`` (duplicates
        dropped), or ``None`` when a keyword function no longer gives what it gave."""
        worded: dict[tuple[str, tuple[Any, ...], int], list[Any]] = {}
        out: list[tuple[str, str, str]] = []
        for step in self.steps:
            message = step.message
            if message is None:
                origin = step.origin
                assert origin is not None  # a step has a fixed message or an origin
                key = (origin.keyword, origin.instance_path, id(origin.parent))
                errors = worded.get(key)
                if errors is None:
                    try:
                        value = walk(instance, origin.instance_path)
                        errors = word(validator, origin.keyword, origin.parent, value)
                    except (Disagree, LookupError, TypeError):
                        return None
                    if tuple(tuple(e.path) for e in errors) != origin.paths:
                        return None
                    worded[key] = errors
                message = str(errors[origin.nth].message)
            violation = (step.pointer, step.rule, message)
            if violation not in out:
                out.append(violation)
        return out


class Plans:
    """The plans of one schema, by refusal shape (at most :data:`PLANS`)."""

    def __init__(self) -> None:
        self._plans: dict[tuple[Found, ...], Plan] = {}

    def get(self, shape: tuple[Found, ...]) -> Plan | None:
        return self._plans.get(shape)

    def keep(self, shape: tuple[Found, ...], steps: list[Step]) -> None:
        if len(self._plans) >= PLANS:
            self._plans.clear()
        self._plans[shape] = Plan(tuple(steps))


def plannable(shape: tuple[Found, ...]) -> bool:
    """Whether ``shape`` is small enough to be kept as a plan's key (see the limits above)."""
    errors = chars = 0
    pending = [shape]
    while pending:
        for found in pending.pop():
            errors += 1
            chars += sum(len(step) for step in found.instance_path if isinstance(step, str))
            pending.extend(found.branches)
        if errors > MAX_ERRORS or chars > MAX_PATH_CHARS:
            return False
    return True
