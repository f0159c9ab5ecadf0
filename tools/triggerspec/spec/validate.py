"""Validate instances against spec schemas, with the semantics the specs mean.

OpenAPI 3.1 schemas are JSON Schema 2020-12, whose ``pattern`` is an ECMAScript regex: the
validator evaluates it through :mod:`triggerspec.spec.patterns`, not raw Python ``re``.
``uuid``, ``date-time``, ``email`` and ``uri`` formats are asserted, since the specs declare
them only where a source documents them; the last three by :mod:`triggerspec.runtime.formats`,
the same functions the generated models' types use.

:class:`SchemaValidator` compiles one schema once. Its verdict comes first from a compiled
Rust validator (``jsonschema_rs``, about a hundred times faster than ``jsonschema``) built
so that it cannot disagree with the Python one: ``pattern`` and every ``format`` in the
schema are evaluated by the same Python functions (:func:`patterns.search`, the format
checkers below), and a schema using a keyword whose meaning differs between the two
libraries (``patternProperties`` reads raw regexes, a fractional ``multipleOf`` rounds
differently, content keywords) gets no Rust validator at all. A rejection is worded by
``jsonschema``'s own keyword functions, run only on the keywords the Rust validator found
failing (:mod:`triggerspec.spec.rust_errors`); where the two do not line up, or for an
instance Rust cannot take (a lone surrogate), ``jsonschema`` checks the whole instance. A
refusal of a shape already worded once (the same keywords failing at the same places) is
worded from that first time's plan (:mod:`triggerspec.spec.plans`): only the failing
values' messages are made again.

Wording is the same for every tool: a cross-field rule is named through
:func:`~triggerspec.spec.rules.rule_of`; for any other failed ``anyOf``/``oneOf`` the
violations reported are those of the best-fitting branch (not failing on the instance's
own type, fewest errors, deepest), so a Northflank body with a bad ``dockerFilePath``
reads ``/overrides/docker/dockerFilePath: ... does not match ...``, not "``overrides``
was unexpected" from the closed shape the client did not mean.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from triggerspec.runtime import formats
from triggerspec.spec import patterns
from triggerspec.spec.plans import MAX_ERRORS, Plans, Step, plannable
from triggerspec.spec.rules import rule_of
from triggerspec.spec.rust_errors import Disagree, Found, Origin, errors_from_rust, read_errors

__all__ = [
    "SchemaValidator",
    "SpecValidator",
    "Violation",
    "format_checker",
    "violations",
]

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


format_checker.checks("date-time")(formats.is_date_time)
format_checker.checks("email")(formats.is_email)
format_checker.checks("uri")(formats.is_uri)


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


# -- the Rust fast path ----------------------------------------------------------------


class _EcmaPattern:
    """``pattern`` for jsonschema_rs, evaluated exactly as :func:`_ecma_pattern` does."""

    __slots__ = ("_regex",)

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        self._regex = patterns.compile_python(value)

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and self._regex.search(instance) is None:
            raise ValueError("does not match")


def _asserts_nothing(value: str) -> bool:
    return True


_UNLIKE = frozenset(
    {"patternProperties", "$ref", "$dynamicRef", "contentEncoding", "contentMediaType"}
)
"""Keywords jsonschema_rs reads differently from jsonschema (or needs a resolver for)."""


def _scan(schema: Any, formats: set[str]) -> bool:
    """Collect every ``format`` name; ``False`` when a keyword in ``_UNLIKE`` is used."""
    if isinstance(schema, list):
        return all(_scan(item, formats) for item in schema)
    if not isinstance(schema, dict):
        return True
    for key, value in schema.items():
        if key in _UNLIKE:
            return False
        if key == "multipleOf" and not isinstance(value, int):
            return False
        if key == "format" and isinstance(value, str):
            formats.add(value)
        if not key.startswith("x-") and not _scan(value, formats):
            return False
    return True


def _fast_validator(schema: dict[str, Any]) -> jsonschema_rs.Validator | None:
    """A jsonschema_rs validator that accepts exactly what ``SpecValidator`` accepts.

    ``None`` when the schema uses a keyword the two read differently, or does not compile.
    """
    names: set[str] = set()
    if not _scan(schema, names):
        return None
    checks: dict[str, Callable[[str], bool]] = {
        name: format_checker.checkers[name][0]
        if name in format_checker.checkers
        else _asserts_nothing
        for name in names
    }
    try:
        return jsonschema_rs.Draft202012Validator(
            schema,
            formats=checks,
            validate_formats=True,
            keywords={"pattern": _EcmaPattern},
        )
    except Exception:  # a schema the Rust side cannot build: the Python validator decides
        return None


# -- the compiled validator ------------------------------------------------------------


class SchemaValidator:
    """One fully dereferenced schema, compiled once, with a fast verdict and clear wording.

    Args:
        schema: the schema (``$ref``s already resolved, as the contract model keeps them).
        fast: use the Rust validator to accept valid instances (off: ``jsonschema`` only).

    Example:
        >>> sha = SchemaValidator({"type": "string", "minLength": 40})
        >>> sha.is_valid("abc"), [str(v) for v in sha.violations("abc")]
        (False, ["/: 'abc' is too short (minLength 40)"])
    """

    def __init__(self, schema: dict[str, Any], fast: bool = True) -> None:
        self.schema = schema
        self._python = SpecValidator(schema, format_checker=format_checker)
        self._fast = _fast_validator(schema) if fast else None
        self._ranks: dict[tuple[Any, ...], tuple[int, ...]] = {}
        self._plans = Plans()

    @property
    def is_fast(self) -> bool:
        """Whether valid instances are accepted by the compiled Rust validator."""
        return self._fast is not None

    def _accepted_fast(self, instance: object) -> bool:
        if self._fast is None:
            return False
        try:
            return bool(self._fast.is_valid(instance))
        except Exception:  # e.g. a lone surrogate Rust cannot hold: let jsonschema judge
            return False

    def is_valid(self, instance: object) -> bool:
        """Whether ``instance`` keeps every rule of the schema."""
        return self._accepted_fast(instance) or bool(self._python.is_valid(instance))

    def violations(self, instance: object) -> list[Violation]:
        """Every violation (empty when valid), in instance order, unions worded by branch."""
        if self._accepted_fast(instance):
            return []
        shape = self._shape(instance)
        if shape is not None:
            plan = self._plans.get(shape)
            worded = plan.word(self._python, instance) if plan is not None else None
            if worded is not None:
                return [Violation(*v) for v in worded]
        origins: dict[int, Origin] = {}
        errors = None
        if shape is not None:
            with contextlib.suppress(Disagree):
                errors = errors_from_rust(self._python, self.schema, instance, shape, origins)
        if errors is None:
            errors = list(self._python.iter_errors(instance))
            shape = None
        steps: list[Step] = []
        found: list[Violation] = []
        for error in _sort(errors, self._order):
            for leaf in _expand(error, self._order):
                rule = rule_of(str(leaf.validator), leaf.validator_value)
                violation = Violation(
                    _pointer(leaf.absolute_path),
                    _rule(leaf),
                    rule.message if rule is not None else leaf.message,
                )
                origin = origins.get(id(leaf))
                if rule is None and origin is None:
                    shape = None  # a message this module cannot word again: no plan
                fixed = rule.message if rule is not None else None
                steps.append(Step(violation.pointer, violation.rule, fixed, origin))
                if violation not in found:
                    found.append(violation)
        if shape is not None and len(steps) <= MAX_ERRORS and plannable(shape):
            self._plans.keep(shape, steps)
        return found

    def _shape(self, instance: object) -> tuple[Found, ...] | None:
        """The Rust validator's errors for ``instance`` (``None``: none to go by)."""
        if self._fast is None:
            return None
        try:
            return read_errors(self._fast.iter_errors(instance))
        except Exception:  # e.g. a lone surrogate Rust cannot hold
            return None

    def _order(self, error: ValidationError) -> tuple[list[str], tuple[int, ...]]:
        """Instance order; at one place, the order of the keywords in the schema."""
        where = tuple(error.absolute_schema_path)
        rank = self._ranks.get(where)
        if rank is None:
            if len(self._ranks) >= RANK_CACHE:
                self._ranks.clear()
            rank = self._ranks[where] = _rank(self.schema, where)
        return list(map(str, error.path)), rank


RANK_CACHE = 4096
"""Schema paths whose keyword order is remembered per schema (a schema has few that fail)."""


def _sort(
    errors: list[ValidationError], order: Callable[[ValidationError], Any]
) -> list[ValidationError]:
    return sorted(errors, key=order) if len(errors) > 1 else errors


def _rank(schema: Any, path: Iterable[Any]) -> tuple[int, ...]:
    """Where a schema path leads, as positions (a key's place in its object, an index)."""
    out: list[int] = []
    for step in path:
        if isinstance(schema, dict) and step in schema:
            out.append(list(schema).index(step))
            schema = schema[step]
        elif isinstance(schema, list) and isinstance(step, int) and 0 <= step < len(schema):
            out.append(step)
            schema = schema[step]
        else:
            break
    return tuple(out)


def violations(schema: dict[str, Any], instance: object) -> list[Violation]:
    """Every violation of a fully dereferenced ``schema`` by ``instance``, in instance order.

    A one-off check; to check many instances against one schema, keep a
    :class:`SchemaValidator`.
    """
    return SchemaValidator(schema, fast=False).violations(instance)


def _expand(
    error: ValidationError, order: Callable[[ValidationError], Any]
) -> list[ValidationError]:
    """The errors to report for ``error``: itself, or those of its best union branch
    (in ``order``).

    "not valid under any of the given schemas" says nothing; "/sha is too short" does.
    """
    if not (
        error.validator in ("anyOf", "oneOf")
        and error.context
        and rule_of(str(error.validator), error.validator_value) is None
    ):
        return [error]
    branches: dict[object, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    chosen = _sort(min(branches.values(), key=_branch_cost), order)
    return [leaf for sub in chosen for leaf in _expand(sub, order)]


def _branch_cost(errors: list[ValidationError]) -> tuple[bool, int, int]:
    """Branches that fail on the instance's own type, then more errors, then shallower
    errors cost more."""
    wrong_type = any(e.validator == "type" and not e.relative_path for e in errors)
    return wrong_type, len(errors), -max(len(e.absolute_path) for e in errors)


def _pointer(path: Any) -> str:
    """An RFC 6901 JSON pointer (``/overrides/buildFiles/~1app~1.env/data``)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _rule(error: ValidationError) -> str:
    value = error.validator_value
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return f"{error.validator} {value}"
    return str(error.validator)
