"""Request validation from the contract model, compiled once per operation.

Schemas come from the model already dereferenced; each gets one
:class:`~triggerspec.spec.validate.SchemaValidator` at app creation, the same compiled
validator every tool uses: ``pattern`` keeps its ECMAScript meaning, ``uuid``/``date-time``
are asserted, a valid instance costs one call into a compiled Rust validator, and a refused
one is worded by ``jsonschema`` (cross-field rules named through
:func:`~triggerspec.spec.rules.rule_of`, a failed union through its best-fitting branch).
Size caps (``x-max-bytes``) are the one rule JSON Schema cannot state; they are checked from
:class:`~triggerspec.spec.rules.Rule` values.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from triggerspec.errors import SpecError
from triggerspec.mock.auth import Gate, requirements_of
from triggerspec.mock.bodies import ParsedBody
from triggerspec.mock.envelopes import Location, MockEnvelope, Problem, envelope_for
from triggerspec.mock.generic import required_members
from triggerspec.spec.model import Api, Operation, Parameter, Part, Response
from triggerspec.spec.redact import Redactor
from triggerspec.spec.rules import Rule
from triggerspec.spec.validate import SchemaValidator
from triggerspec.spec.wire import coerce


class CompiledSchema(SchemaValidator):
    """One schema and its compiled validator, answering in the mock's :class:`Problem`s."""

    def problems(
        self, instance: object, location: Location = "body", name: str = ""
    ) -> list[Problem]:
        """Every violation as a :class:`Problem` (empty when the instance is valid).

        Body problems carry the violation's JSON pointer; parameter problems the parameter
        name (and the pointer inside it, if any).
        """
        return [
            Problem(location, name + v.pointer, v.rule, v.message)
            for v in self.violations(instance)
        ]


def _deprecation(api: Api, op: Operation) -> tuple[tuple[str, str], ...]:
    """``Deprecation: true`` and, when the spec names a successor, its ``Link``."""
    if not op.deprecated:
        return ()
    headers = [("deprecation", "true")]
    successor = next((o for o in api.operations if o.operation_id == op.replaced_by), None)
    if successor is not None:
        link = f'<{api.base_path}{successor.path}>; rel="successor-version"'
        headers.append(("link", link))
    return tuple(headers)


_LOCATIONS: dict[str, Location] = {"path": "path", "query": "query", "header": "header"}


REFUSAL_CACHE = 512
"""Refused JSON texts whose problems an operation remembers (dropped all at once when full)."""

REFUSAL_TEXT_BYTES = 4096
"""Longest JSON text whose refusal is remembered (the memo holds at most 2 MiB of text)."""

PARAMETER_CACHE = 4096
"""Verdicts kept per parameter: the same account or project id comes back on every call."""


@dataclass(frozen=True)
class CompiledParameter:
    """A path, query or header parameter with its compiled schema.

    Verdicts are memoised by value (validation is a pure function of the text), so a
    client that keeps calling the same path pays for validation once.
    """

    parameter: Parameter
    schema: CompiledSchema
    _seen: dict[str | None, list[Problem]] = field(default_factory=dict, repr=False)

    def problems(self, raw: str | None) -> list[Problem]:
        """Why ``raw`` (``None``: absent) is not an acceptable value."""
        found = self._seen.get(raw)
        if found is None:
            if len(self._seen) >= PARAMETER_CACHE:
                self._seen.clear()
            found = self._seen[raw] = self._check(raw)
        return list(found)

    def _check(self, raw: str | None) -> list[Problem]:
        p = self.parameter
        location = _LOCATIONS.get(p.location, "request")
        if raw is None:
            if p.required:
                return [Problem(location, p.name, "required", "is required")]
            return []
        return self.schema.problems(coerce(p.schema, raw), location, p.name)


@dataclass(frozen=True)
class CompiledOperation:
    """Everything the mock checks for one operation, prepared at app creation."""

    api: Api
    operation: Operation
    envelope: MockEnvelope
    parameters: tuple[CompiledParameter, ...]
    body_schema: CompiledSchema | None
    media_schemas: Mapping[str, CompiledSchema]
    """The schema of each further media type of the body (a form next to JSON)."""
    size_rules: tuple[Rule, ...]
    parts: Mapping[str, Part]
    redactor: Redactor
    """Masks the body's ``x-sensitive`` fields wherever the request is recorded."""
    success_status: int
    deprecation: tuple[tuple[str, str], ...]
    """``Deprecation``/``Link`` headers for a deprecated operation (empty otherwise)."""
    gate: Gate
    """Checks credentials by the operation's security alternatives and the API's declared
    auth errors."""
    refusal_status: int
    """The status of a request whose parameters or body break the spec (see
    :func:`refusal_status`)."""
    path_refusal_status: int
    """The status of one whose path parameters alone break it (404 where documented)."""
    _refusals: dict[tuple[str | None, bytes], list[Problem]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _error_members: dict[int, tuple[tuple[str, dict[str, Any]], ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def from_operation(cls, api: Api, operation: Operation) -> CompiledOperation:
        """Compile one operation of ``api``."""
        body = operation.body
        return cls(
            api=api,
            operation=operation,
            envelope=envelope_for(api.envelope),
            parameters=tuple(
                CompiledParameter(p, CompiledSchema(p.schema)) for p in operation.parameters
            ),
            body_schema=CompiledSchema(body.schema) if body is not None else None,
            media_schemas={
                m.media_type: CompiledSchema(m.schema)
                for m in (body.alternatives[1:] if body is not None else ())
            },
            size_rules=tuple(r for r in operation.rules if r.kind == "max-bytes"),
            parts={p.name: p for p in body.parts} if body is not None else {},
            redactor=Redactor.from_schemas([body.schema] if body is not None else []),
            success_status=int(operation.success.status),
            deprecation=_deprecation(api, operation),
            gate=Gate(requirements_of(api, operation), api.auth_errors),
            refusal_status=refusal_status(api, operation),
            path_refusal_status=refusal_status(api, operation, path=True),
        )

    def parameter_problems(
        self, path: Mapping[str, str], query: str, headers: Mapping[str, str]
    ) -> list[Problem]:
        """Problems with the path, query and header parameters."""
        queries = parse_qs(query, keep_blank_values=True) if query else {}
        found: list[Problem] = []
        for compiled in self.parameters:
            p = compiled.parameter
            if p.location == "path":
                raw: str | None = path.get(p.name)
            elif p.location == "query":
                raw = next(iter(queries.get(p.name, [])), None)
            elif p.location == "header":
                raw = headers.get(p.name.lower())
            else:
                continue
            found.extend(compiled.problems(raw))
        return found

    def body_problems(
        self, body: ParsedBody, raw: bytes | None = None
    ) -> tuple[int, list[Problem]]:
        """``(status, problems)`` for a parsed body: 413 when a size cap is broken, else the
        operation's :attr:`refusal_status`.

        ``raw``: the JSON text the body was parsed from. The problems of a short refused
        text are remembered by that text (they are a function of it alone), so a client
        repeating a refused request is answered without wording its problems again.
        """
        invalid = self.refusal_status
        if self.body_schema is None or body.kind == "none":
            return invalid, []
        if body.form is not None:
            problems = self.body_schema.problems(body.form.instance())
            sizes = body.form.sizes()
            too_big = [
                Problem("body", "/" + r.fields[0], "max-bytes", r.message)
                for r in self.size_rules
                if r.at == "" and not r.check(body.form.instance(), sizes)
            ]
            return (413 if too_big else invalid), too_big + problems
        schema = self.media_schemas.get(body.media or "", self.body_schema)
        if raw is None or len(raw) > REFUSAL_TEXT_BYTES:
            return invalid, schema.problems(body.value)
        key = (body.media, raw)
        found = self._refusals.get(key)
        if found is None:
            found = schema.problems(body.value)
            if found:  # only refusals: a valid body costs one Rust call anyway
                if len(self._refusals) >= REFUSAL_CACHE:
                    self._refusals.clear()
                self._refusals[key] = found
        return invalid, list(found)

    def response_for(self, status: int) -> Response | None:
        """The documented response covering ``status`` (exact, ``4XX`` class, ``default``)."""
        return self.operation.response_for(status)

    def error_members(self, status: int) -> tuple[tuple[str, dict[str, Any]], ...]:
        """The members the JSON error body documented for ``status`` requires, with their
        schemas (none when it documents no object): an envelope that lacks one gets its
        smallest value, so the answer meets the documented schema (GitHub's
        ``documentation_url``)."""
        found = self._error_members.get(status)
        if found is None:
            found = self._error_members[status] = _required_members(
                self.api, self.response_for(status)
            )
        return found


def _required_members(
    api: Api, response: Response | None
) -> tuple[tuple[str, dict[str, Any]], ...]:
    if response is None or response.kind != "json" or not response.schema:
        return ()
    try:
        schema = api.document.deref(response.schema)
    except SpecError:
        return ()
    return required_members(schema) if isinstance(schema, dict) else ()


def refusal_status(api: Api, operation: Operation, path: bool = False) -> int:
    """The status the mock refuses a request with when it breaks the spec: the envelope's
    ``validation_status`` (400 unless declared) when the operation documents it, else the
    first of 422 and 400 it documents (a vendor document that lists its own validation
    answer: GitHub's 422). With ``path``, for a path the parameters of which do not fit,
    404 comes first when the operation documents it and not the validation status (the
    path names no resource). Where none is documented, the envelope's status."""
    declared = api.envelope.validation_status

    def documented(status: int) -> bool:
        return operation.response_for(status) is not None

    if documented(declared):
        return declared
    for status in ((404,) if path else ()) + (422, 400):
        if documented(status):
            return status
    return declared


OperationKey = tuple[str, str]
"""``(api name, operationId)``."""


class CompiledOperations(Mapping[OperationKey, CompiledOperation]):
    """Every served operation, each compiled on first use and kept.

    A mock of a whole vendor API (a thousand operations) starts without reading the schemas
    of operations nobody calls. An operation whose spec part cannot be read (a dangling or
    circular ``$ref``, no 2xx response) raises :class:`~triggerspec.errors.SpecError` naming
    the file and pointer, every time it is asked for; the others are unaffected.
    """

    def __init__(self, operations: Iterable[tuple[Api, Operation]]) -> None:
        self._sources = {(api.name, op.operation_id): (api, op) for api, op in operations}
        self._built: dict[OperationKey, CompiledOperation | SpecError] = {}
        self._lock = threading.Lock()

    def __getitem__(self, key: OperationKey) -> CompiledOperation:
        found = self._built.get(key)
        if found is None:
            api, op = self._sources[key]
            with self._lock:
                found = self._built.get(key)
                if found is None:
                    found = self._built[key] = _compile(api, op)
        if isinstance(found, SpecError):
            raise found
        return found

    def __iter__(self) -> Iterator[OperationKey]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def operations(self) -> Iterator[tuple[Api, Operation]]:
        """Every ``(api, operation)`` served, compiled or not."""
        return iter(self._sources.values())

    def broken(self) -> dict[OperationKey, SpecError]:
        """The operations found broken so far (each asked for at least once)."""
        return {k: v for k, v in self._built.items() if isinstance(v, SpecError)}


def _compile(api: Api, op: Operation) -> CompiledOperation | SpecError:
    try:
        return CompiledOperation.from_operation(api, op)
    except SpecError as exc:
        return exc
    except (ValueError, TypeError) as exc:  # a schema its validator cannot compile
        return SpecError(api.document.display, op.pointer, f"cannot be served: {exc}")
