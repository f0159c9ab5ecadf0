"""Stateful behaviour an operation declares with ``x-`` extensions, in the contract model.

The mock reads these instead of branching on an operationId or a vendor:

``x-dedup``
    The same request (the ``key`` fields equal) repeated within ``window_s`` seconds (default:
    the mock's ``--repeat-window``) answers the first answer with ``repeat`` laid over it;
    a first request gets ``first`` laid over its answer. Example (SourceCraft's trigger)::

        x-dedup:
          key: [path.org_slug, path.repo_slug, path.workflow_name, body.revision, body.input]
          first: {trigger_status: created}
          repeat: {trigger_status: already_exists}

``x-upsert``
    Requests with equal ``identity`` fields address one record: the first creates it, later
    ones update it and keep the ``keep`` fields of the first answer (its id, ``created_on``).

``x-missing-target``
    A request whose ``field`` names a target the mock does not have (its ``--no-config``
    names) answers exactly ``answer`` (``{trigger_status: nothing_to_start}``).

``x-mock-payload``
    The name of one of the mock's richer payload builders (``deployment-stages``,
    ``job-build``, ``workflow-run``) to use instead of the generic answer; an operation
    never gets one it does not name.

A field reference is ``path.NAME``, ``query.NAME``, ``header.NAME`` or ``body.A.B`` (a member
of the JSON body; ``body`` alone is the whole body). An operation declaring none of them gets
the generic answers (fresh ids, request fields echoed, created resources visible to the
matching get or list).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp

_REF = {"type": "string", "pattern": r"^(body(\.[^.]+)*|(path|query|header)\.[^.]+)$"}
_REFS = {"type": "array", "items": _REF, "minItems": 1, "maxItems": 50}
_OVERLAY = {"type": "object"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "x-dedup": {
        "type": "object",
        "additionalProperties": False,
        "required": ["key"],
        "properties": {
            "key": _REFS,
            "window_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400 * 366},
            "first": _OVERLAY,
            "repeat": _OVERLAY,
        },
    },
    "x-upsert": {
        "type": "object",
        "additionalProperties": False,
        "required": ["identity"],
        "properties": {
            "identity": _REFS,
            "keep": {"type": "array", "items": {"type": "string"}},
        },
    },
    "x-mock-payload": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,63}$"},
    "x-missing-target": {
        "type": "object",
        "additionalProperties": False,
        "required": ["field", "answer"],
        "properties": {"field": _REF, "answer": {}},
    },
}
"""The JSON Schema of each declaration."""


@dataclass(frozen=True)
class Dedup:
    key: tuple[str, ...]
    window_s: float | None = None
    first: Mapping[str, Any] = field(default_factory=dict)
    repeat: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Upsert:
    identity: tuple[str, ...]
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class MissingTarget:
    field: str
    answer: Any


@dataclass(frozen=True)
class Stateful:
    """What one operation declares about state (all ``None``: generic answers)."""

    dedup: Dedup | None = None
    upsert: Upsert | None = None
    missing_target: MissingTarget | None = None
    payload: str | None = None
    """The mock payload builder the operation names (``x-mock-payload``)."""


def parse_stateful(op: Mapping[str, Any], file: str, at: str) -> Stateful:
    """The stateful declarations of one operation.

    Raises:
        SpecError: a declaration breaks its schema (pointer and rule named).
    """
    for key, schema in SCHEMAS.items():
        if key in op:
            errors = sorted(
                jsonschema.Draft202012Validator(schema).iter_errors(op[key]),
                key=lambda e: list(e.absolute_path),
            )
            if errors:
                first = errors[0]
                where = jp.join(at, key, *(str(p) for p in first.absolute_path))
                raise SpecError(file, where, f"{key}: {first.message} ({first.validator})")
    dedup = op.get("x-dedup")
    upsert = op.get("x-upsert")
    missing = op.get("x-missing-target")
    return Stateful(
        dedup=Dedup(
            tuple(dedup["key"]),
            dedup.get("window_s"),
            dict(dedup.get("first") or {}),
            dict(dedup.get("repeat") or {}),
        )
        if dedup
        else None,
        upsert=Upsert(tuple(upsert["identity"]), tuple(upsert.get("keep") or ()))
        if upsert
        else None,
        missing_target=MissingTarget(missing["field"], missing["answer"]) if missing else None,
        payload=op.get("x-mock-payload"),
    )


def read_field(
    ref: str,
    path: Mapping[str, str],
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: Any,
) -> Any:
    """The value a field reference names in one request (``None`` when absent)."""
    where, _, rest = ref.partition(".")
    if where == "path":
        return path.get(rest)
    if where == "query":
        return query.get(rest)
    if where == "header":
        return headers.get(rest.lower())
    value = body
    for part in rest.split(".") if rest else ():
        value = value.get(part) if isinstance(value, dict) else None
    return value
