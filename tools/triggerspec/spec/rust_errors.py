"""``jsonschema``'s errors for an instance, found by the compiled Rust validator.

A refused request used to be checked twice: ``jsonschema_rs`` said no in microseconds,
then ``jsonschema`` walked the whole instance again to word why, through every union
branch (about three quarters of a refused request's cost in the mock). Here the Rust
validator finds the failing keywords (its ``iter_errors`` gives each one's instance path
and schema path, and a failed union's errors branch by branch), and only those keywords
are run through ``jsonschema``'s own keyword functions, at their place in the schema and
the instance. The result is the tree of ``ValidationError``\\s ``jsonschema`` would have
built (a failed ``anyOf``/``oneOf`` carrying its branches' errors as ``context``), so the
wording, rule names and best-branch choice in :mod:`triggerspec.spec.validate` stay as
they are.

Whenever the two libraries do not line up (a keyword the Python side does not see failing,
a schema path that does not lead to a keyword, any error on the way), :class:`Disagree` is
raised and the caller words the instance with ``jsonschema`` alone, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import jsonschema_rs
from jsonschema.exceptions import ValidationError

__all__ = ["Disagree", "Found", "Origin", "errors_from_rust", "read_errors"]

_UNIONS = {"AnyOf": "anyOf", "OneOfNotValid": "oneOf"}
"""Rust error kinds that carry their branches' errors (``context``), by keyword."""

_WRAPPERS = {"PropertyNames": "propertyNames"}
"""Rust error kinds reported below their keyword (at the failing sub-keyword)."""


class Disagree(Exception):
    """The Rust errors cannot be matched to ``jsonschema``'s: word without them."""


class Found(NamedTuple):
    """One Rust error, read once (the Rust side builds each attribute anew on every read).

    Hashable: a tuple of these is the shape of a refusal (see
    :class:`triggerspec.spec.plans.Plans`).
    """

    kind: str
    schema_path: tuple[str | int, ...]
    instance_path: tuple[str | int, ...]
    branches: tuple[tuple[Found, ...], ...]
    """A failed union's errors, branch by branch (empty for any other kind)."""


class Origin(NamedTuple):
    """Where a worded error came from: the ``nth`` (from 0) of the errors that ``jsonschema``'s
    ``keyword`` function (of the schema object ``parent``) gave for the value at
    ``instance_path``, whose own paths were ``paths``."""

    keyword: str
    parent: dict[str, Any]
    instance_path: tuple[str | int, ...]
    nth: int
    paths: tuple[tuple[str | int, ...], ...]


def read_errors(found: Iterable[jsonschema_rs.ValidationError]) -> tuple[Found, ...]:
    """The Rust errors as :class:`Found` trees."""
    out: list[Found] = []
    for error in found:
        detail = error.kind
        kind = type(detail).__name__
        branches: tuple[tuple[Found, ...], ...] = ()
        if kind in _UNIONS:
            branches = tuple(read_errors(b) for b in getattr(detail, "context", ()))
        out.append(Found(kind, tuple(error.schema_path), tuple(error.instance_path), branches))
    return tuple(out)


def errors_from_rust(
    validator: Any,
    schema: Any,
    instance: Any,
    found: Sequence[Found],
    origins: dict[int, Origin] | None = None,
) -> list[ValidationError]:
    """The top-level ``ValidationError``\\s of ``instance``, as ``validator`` would yield them.

    Args:
        validator: the ``jsonschema`` validator of ``schema`` (its keyword functions word).
        schema: the root schema both validators were built from.
        instance: the instance the Rust validator refused.
        found: the Rust validator's errors for it (:func:`read_errors`).
        origins: filled with the :class:`Origin` of every error a keyword function worded,
            by ``id`` of the error.

    Raises:
        Disagree: a Rust error has no ``jsonschema`` counterpart.
    """
    try:
        if not found:
            raise Disagree("the Rust validator finds nothing wrong")
        return _errors(
            validator, schema, instance, found, (), (), {} if origins is None else origins
        )
    except Disagree:
        raise
    except Exception as exc:  # a shape this translation does not know: word the slow way
        raise Disagree(str(exc)) from None


def _errors(
    validator: Any,
    schema: Any,
    instance: Any,
    found: Sequence[Found],
    at_schema: tuple[Any, ...],
    at_instance: tuple[Any, ...],
    origins: dict[int, Origin],
) -> list[ValidationError]:
    """Errors for ``found``, their paths relative to ``at_schema``/``at_instance``."""
    out: list[ValidationError] = []
    seen: set[tuple[tuple[Any, ...], tuple[Any, ...]]] = set()
    for error in found:
        kind, schema_path, instance_path = error.kind, error.schema_path, error.instance_path
        if kind in _WRAPPERS:
            cut = len(schema_path) - 1 - schema_path[::-1].index(_WRAPPERS[kind])
            schema_path = schema_path[: cut + 1]
        key = (schema_path, instance_path)
        if key in seen:  # one keyword at one place is worded once (all its errors)
            continue
        seen.add(key)
        if schema_path[: len(at_schema)] != at_schema:
            raise Disagree(f"schema path {schema_path} outside {at_schema}")
        keyword = schema_path[-1]
        parent = walk(schema, schema_path[:-1])
        if not isinstance(parent, dict) or keyword not in parent:
            raise Disagree(f"no keyword at {schema_path}")
        value = walk(instance, instance_path)
        if kind in _UNIONS:
            # Only the branch jsonschema's wording would pick is worded (see _branch_cost).
            union = ValidationError(  # its own message is never shown (see _expand)
                "is not valid under any of the given schemas",
                validator=_UNIONS[kind],
                validator_value=parent[keyword],
                instance=value,
                schema=parent,
                context=_errors(
                    validator,
                    schema,
                    instance,
                    _best_branch(error.branches, instance_path),
                    schema_path,
                    instance_path,
                    origins,
                ),
            )
            union.relative_schema_path.append(keyword)
            worded = [union]
        else:
            worded = word(validator, str(keyword), parent, value)
            paths = tuple(tuple(item.path) for item in worded)
            for nth, item in enumerate(worded):
                origins[id(item)] = Origin(str(keyword), parent, instance_path, nth, paths)
        for item in worded:
            item.path.extendleft(reversed(instance_path[len(at_instance) :]))
            item.relative_schema_path.extendleft(reversed(schema_path[len(at_schema) : -1]))
            out.append(item)
    if found and not out:
        raise Disagree("no errors")
    return out


def _best_branch(branches: Sequence[Sequence[Found]], at: tuple[Any, ...]) -> Sequence[Found]:
    """The branch ``triggerspec.spec.validate`` would report: not failing on the union's own
    type, then fewest errors, then the deepest (the first such branch)."""

    def cost(errors: Sequence[Found]) -> tuple[bool, int, int]:
        wrong_type = False
        deepest = 0
        for e in errors:
            path = e.instance_path
            deepest = max(deepest, len(path))
            if e.kind == "Type" and path == at:
                wrong_type = True
        return wrong_type, len(errors), -deepest

    return min((b for b in branches if b), key=cost, default=())


def word(validator: Any, keyword: str, parent: dict[str, Any], value: Any) -> list[ValidationError]:
    """``jsonschema``'s errors for one keyword of ``parent`` at ``value`` (none: disagree)."""
    function = validator.VALIDATORS.get(keyword)
    if function is None:
        raise Disagree(f"jsonschema has no keyword {keyword}")
    errors = list(function(validator, parent[keyword], value, parent) or ())
    if not errors:
        raise Disagree(f"jsonschema finds no fault with {keyword}")
    for error in errors:
        error._set(
            validator=keyword, validator_value=parent[keyword], instance=value, schema=parent
        )
        if keyword not in ("if", "$ref"):
            error.relative_schema_path.appendleft(keyword)
    return errors


def walk(document: Any, path: Sequence[Any]) -> Any:
    """The part of ``document`` at ``path`` (keys and indexes)."""
    for step in path:
        document = document[step]
    return document
