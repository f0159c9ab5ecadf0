"""Validate instances against spec schemas, with the semantics the specs mean.

OpenAPI 3.1 schemas are JSON Schema 2020-12, whose ``pattern`` is an ECMAScript regex: the
validator evaluates it through :mod:`triggerspec.spec.patterns`, not raw Python ``re``.
``uuid`` and ``date-time`` formats are asserted, since the specs declare them only where a
source documents them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match

from triggerspec.spec import patterns
from triggerspec.spec.rules import rule_of

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z", re.ASCII
)

format_checker = FormatChecker(formats=())


@format_checker.checks("uuid")
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or _UUID.match(value) is not None


@format_checker.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _DATE_TIME.match(value) is None:
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _ecma_pattern(
    validator: Any, pattern: str, instance: object, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not patterns.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


SpecValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _ecma_pattern}
)


@dataclass(frozen=True)
class Violation:
    """One way an instance breaks its schema: where (JSON pointer), which rule, and why."""

    pointer: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message} ({self.rule})"


def _pointer(path: Any) -> str:
    return "".join(f"/{p}" for p in path)


def violations(schema: dict[str, Any], instance: object) -> list[Violation]:
    """Every violation of a fully dereferenced ``schema`` by ``instance``, deepest first."""
    found: list[Violation] = []
    validator = SpecValidator(schema, format_checker=format_checker)
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path))):
        error = _most_relevant(error)
        found.append(Violation(_pointer(error.absolute_path), _rule(error), _describe(error)))
    return found


def _most_relevant(error: ValidationError) -> ValidationError:
    """For an anyOf/oneOf that is not a cross-field rule, the best branch's own error.

    "not valid under any of the given schemas" says nothing; "/sha is too short" does.
    """
    while (
        error.validator in ("anyOf", "oneOf")
        and error.context
        and rule_of(str(error.validator), error.validator_value) is None
    ):
        error = best_match(error.context)
    return error


def _rule(error: ValidationError) -> str:
    value = error.validator_value
    if isinstance(value, (int, float, str, bool)) and not isinstance(value, bool):
        return f"{error.validator} {value}"
    return str(error.validator)


def _describe(error: ValidationError) -> str:
    rule = rule_of(str(error.validator), error.validator_value)
    return rule.message if rule is not None else error.message
