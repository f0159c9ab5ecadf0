"""Contract checks: plain functions in a tiny registry.

Each check looks at one exchange (the operation, the case sent, the response) and returns a
problem message or ``None``. The checks are disjoint on purpose: every contract has exactly
one check that owns it, so a server breaking one contract fails exactly one check.

| check | owns |
|---|---|
| ``not_a_server_error`` (Schemathesis) | any 5xx |
| ``status_code_conformance`` (Schemathesis) | an undocumented status |
| ``content_type_conformance`` (Schemathesis) | an undocumented content type |
| ``response_schema_conformance`` (Schemathesis) | a 2xx body that breaks its schema |
| ``positive_data_acceptance`` (Schemathesis) | a valid request refused with a 4xx |
| ``rejects_invalid_request`` | an invalid request answered 2xx (a build may have started) |
| ``vendor_error_envelope`` | a 4xx not in the vendor's documented error shape |
| ``success_flag_semantics`` | a 2xx whose success flag is false but has no errors |
| ``dedup_semantics`` | a repeated request under ``x-dedup`` not given its repeat answer |
| ``success_status_semantics`` | a valid request answered with another 2xx than ``x-when`` selects |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from triggerspec.spec.model import Api, Operation
from triggerspec.spec.validate import SchemaValidator


@dataclass(frozen=True)
class Exchange:
    """What a check sees: the operation, the mode of the case, and the answer."""

    api: Api
    operation: Operation
    mode: str
    request_problems: tuple[str, ...]
    """How the request breaks the spec, by triggerspec's own validator (empty: valid)."""
    status: int
    body: Any
    """The response body parsed as JSON, or ``None`` when it is not JSON."""
    replay_status: int | None = None
    replay_body: Any = None
    """The answer to the same request sent again (only for trigger-status semantics)."""
    request_body: Any = None
    """The body sent, as read back from the wire (``None``: no body)."""


CheckFunction = Callable[[Exchange], str | None]
CHECKS: dict[str, CheckFunction] = {}


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under ``name``; a duplicate name is an error."""

    def register(fn: CheckFunction) -> CheckFunction:
        if name in CHECKS:
            raise ValueError(f"check {name!r} is registered twice")
        CHECKS[name] = fn
        return fn

    return register


@check("rejects_invalid_request")
def rejects_invalid_request(ex: Exchange) -> str | None:
    """A request that breaks the spec must not be accepted."""
    if ex.request_problems and 200 <= ex.status < 300:
        builds = (
            " (this operation starts builds)" if ex.operation.side_effects == "starts-build" else ""
        )
        return f"an invalid request was accepted with {ex.status}{builds}; it breaks: " + "; ".join(
            ex.request_problems[:3]
        )
    return None


@check("vendor_error_envelope")
def vendor_error_envelope(ex: Exchange) -> str | None:
    """A 4xx answer is in the vendor's documented error shape."""
    if not 400 <= ex.status < 500:
        return None
    documented = _error_schema(ex)
    if documented is None:
        return None
    if ex.body is None:
        return (
            f"{ex.status} body is not JSON; the {ex.api.envelope.name} error envelope was expected"
        )
    broken = documented.violations(ex.body)
    if broken:
        return f"{ex.status} body is not the {ex.api.envelope.name} error envelope: " + "; ".join(
            map(str, broken[:3])
        )
    return None


@check("success_flag_semantics")
def success_flag_semantics(ex: Exchange) -> str | None:
    """A 2xx whose declared success flag is false names its errors and carries no result
    (Cloudflare's ``success: false``)."""
    envelope = ex.api.envelope
    if not 200 <= ex.status < 300 or not envelope.failed(ex.body):
        return None
    result = envelope.result_key
    if not envelope.error_of(ex.body) or (result and ex.body.get(result) is not None):
        flag, where = envelope.success_flag, envelope.error.key or "error"
        return f"{flag}: false needs a non-empty {where} and a null {result or 'result'}"
    return None


@check("dedup_semantics")
def dedup_semantics(ex: Exchange) -> str | None:
    """The same request sent twice in a row under ``x-dedup`` gets the declared repeat
    answer the second time (SourceCraft: ``created``, then ``already_exists``)."""
    dedup = ex.operation.stateful.dedup
    if dedup is None or ex.replay_status is None or not isinstance(ex.body, dict):
        return None
    if not 200 <= ex.replay_status < 300 or not isinstance(ex.replay_body, dict):
        return None
    first = {k: ex.body.get(k) for k in dedup.first}
    if first != dict(dedup.first):
        return None  # the first answer was not a first trigger (e.g. a missing target)
    wrong = {
        k: ex.replay_body.get(k) for k, v in dedup.repeat.items() if ex.replay_body.get(k) != v
    }
    if wrong:
        return (
            f"the same request sent again answered {wrong} (x-dedup expects {dict(dedup.repeat)})"
        )
    return None


@check("success_status_semantics")
def success_status_semantics(ex: Exchange) -> str | None:
    """A valid request gets the 2xx its body selects (``x-when``), when there are several.

    Which 2xx is the server's to choose only when the spec states no condition; an
    undocumented status is ``status_code_conformance``'s.
    """
    successes = ex.operation.successes
    if ex.request_problems or not 200 <= ex.status < 300 or len(successes) < 2:
        return None
    if all(r.when is None for r in successes):
        return None
    if str(ex.status) not in {r.status for r in successes}:
        return None
    expected = ex.operation.success_for(ex.request_body)
    if expected.status != str(ex.status):
        why = "its x-when holds" if expected.when is not None else "no x-when of another holds"
        return f"answered {ex.status}, but the request selects {expected.status} ({why})"
    return None


_ERROR_VALIDATORS: dict[tuple[int, str], tuple[Operation, SchemaValidator | None]] = {}


def _error_schema(ex: Exchange) -> SchemaValidator | None:
    """The documented error schema for the answer's status: exact, then ``4XX``, then default."""
    key = (id(ex.operation), str(ex.status))
    cached = _ERROR_VALIDATORS.get(key)
    if cached is None or cached[0] is not ex.operation:
        cached = _ERROR_VALIDATORS[key] = (ex.operation, _find_error_schema(ex))
    return cached[1]


def _find_error_schema(ex: Exchange) -> SchemaValidator | None:
    status = str(ex.status)
    documented = {r.status: r for r in ex.operation.error_responses if r.schema is not None}
    for key in (status, f"{status[0]}XX", "default"):
        response = documented.get(key)
        if response is not None and response.schema is not None:
            return SchemaValidator(ex.api.document.deref(response.schema))
    return None
