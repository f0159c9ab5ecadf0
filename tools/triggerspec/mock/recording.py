"""Journaling one exchange: what the mock received and how it answered, secrets masked.

:class:`Note` collects, while a request is handled, what the journal says about it (the
operation, the credential verdict, the parsed body, the problems). :class:`Recorder` turns
the request, the answer and the note into a :class:`~triggerspec.mock.journal.JournalEntry`:
credential headers and credential-like query parameters masked, the body's ``x-sensitive``
fields and any credential the request carried masked wherever they sit, and the body kept
as the JSON text that was sent when nothing in it had to be masked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from triggerspec.errors import SpecError
from triggerspec.mock.auth import (
    mask_query,
    query_credentials,
    secret_headers,
    secret_query,
    split_credentials,
)
from triggerspec.mock.bodies import describe_unchecked
from triggerspec.mock.envelopes import Problem
from triggerspec.mock.exchange import MockRequest, MockResponse
from triggerspec.mock.journal import FIELD_CAP, Journal, JournalEntry, body_text, cut, shrink
from triggerspec.mock.state import Clock
from triggerspec.mock.validation import CompiledOperations
from triggerspec.spec.model import Api
from triggerspec.spec.redact import (
    FieldPath,
    Redactor,
    declares_sensitive,
    scrub,
    scrub_json,
    sensitive_paths,
)

__all__ = ["JOURNAL_BODY_LIMIT", "MAX_JOURNAL_PROBLEMS", "Note", "Recorder"]

JOURNAL_BODY_LIMIT = 256 * 1024
"""Bodies refused before they were read, and larger than this, are journaled as their size."""

MAX_JOURNAL_PROBLEMS = 50
"""Most problems one journal entry lists (a huge invalid array can have thousands)."""

_PLAIN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*")
"""Visible ASCII but quote and backslash (and single spaces): JSON text holds it as is."""


@dataclass
class Note:
    """What the journal records about one exchange, filled in as the request is handled."""

    api: str | None = None
    operation_id: str | None = None
    auth: str | None = None
    scenario: str | None = None
    body: Any = None
    raw_json: bytes | None = None
    """The request's JSON body as sent, once it parsed (the journal may keep it as is)."""
    problems: list[Problem] = field(default_factory=list)


class Recorder:
    """Makes the journal entry of each exchange (see the module docstring).

    Args:
        apis: the served APIs (their credential headers and query parameters).
        compiled: the operations' compiled checks (each holds its body's redactor).
        journal: where entries go.
        clock: the mock's clock (an entry's time).
        body_cap: most bytes of a body an entry keeps.
        max_body_bytes: the mock's body size limit.
    """

    def __init__(
        self,
        apis: Sequence[Api],
        compiled: CompiledOperations,
        journal: Journal,
        clock: Clock,
        body_cap: int,
        max_body_bytes: int,
    ) -> None:
        self._compiled = compiled
        self._journal = journal
        self._clock = clock
        self._body_cap = body_cap
        self._max_body_bytes = max_body_bytes
        self._secret = secret_headers(apis)
        self._secret_query = secret_query(apis)
        self._redact_all: Redactor | None = None
        self._sensitive_apis: dict[str, bool] = {}

    def record(self, request: MockRequest, response: MockResponse, note: Note) -> None:
        """Add the entry of one exchange to the journal, nothing of a secret in it."""
        body = note.body
        if body is None and request.body:
            body = self._describe_unread(request, note)
        redactor = self.redactor(note)
        cap = self._body_cap
        size = len(request.body)
        if size > cap:  # masking reads no more than the journal keeps
            body = shrink(body, cap + FIELD_CAP)
        headers, known = split_credentials(request.headers, self._secret)
        query = request.query
        if query:
            known += query_credentials(query, self._secret_query)
            query = cut(mask_query(query, self._secret_query))
        # Credentials of plain token characters are scrubbed from the stored text (they
        # appear there as sent); any other is looked for in every string of the body.
        plain = [k for k in known if _plain(k)]
        masked, hidden = redactor.mask(body, [k for k in known if not _plain(k)])
        hidden += known
        raw = note.raw_json
        if masked is body and raw is not None and size <= cap and b"\\" not in raw:
            # Nothing was masked and no string holds an escape: the JSON text as sent says
            # exactly what the parsed body holds, so it is stored without encoding it again.
            text = raw.decode("utf-8")
        else:
            text = body_text(masked, size, cap)
        if plain:
            text = scrub_json(text, plain)
        problems: tuple[str, ...] = ()
        if note.problems:
            problems = tuple(
                cut(_masked(p, redactor, hidden)) for p in note.problems[:MAX_JOURNAL_PROBLEMS]
            )
        entry = JournalEntry(
            seq=self._journal.next_seq(),
            at=self._clock.iso_now(),
            method=request.method[:32],
            path=cut(request.target),
            query=query,
            headers={
                (k if len(k) <= 256 else cut(k, 256)): (v if len(v) <= FIELD_CAP else cut(v))
                for k, v in headers.items()
            },
            body_json=text,
            status=response.status,
            api=note.api,
            operation_id=note.operation_id,
            auth=note.auth,
            scenario=note.scenario,
            problems=problems,
        )
        self._journal.record(entry)

    def _describe_unread(self, request: MockRequest, note: Note) -> Any:
        """The journal's view of a body the checks never reached (or could not read)."""
        if len(request.body) > min(JOURNAL_BODY_LIMIT, self._max_body_bytes):
            return {"size": len(request.body), "parsed": False}
        return describe_unchecked(request.header("content-type"), request.body)

    def redactor(self, note: Note) -> Redactor:
        """The journal's mask for the body of ``note``: its operation's ``x-sensitive``
        fields, or those of every operation when it reached none (or a broken one)."""
        if note.api is not None and note.operation_id is not None:
            try:
                return self._compiled[(note.api, note.operation_id)].redactor
            except SpecError:
                pass
        if self._redact_all is None:
            # Read once, and only the bodies of documents that declare a secret field.
            paths: list[FieldPath] = []
            for api, op in self._compiled.operations():
                if not op.body_media_types or not self._declares_sensitive(api):
                    continue
                try:
                    paths.extend(sensitive_paths(op.body.schema) if op.body else ())
                except SpecError:
                    continue
            self._redact_all = Redactor(paths)
        return self._redact_all

    def _declares_sensitive(self, api: Api) -> bool:
        found = self._sensitive_apis.get(api.name)
        if found is None:
            found = self._sensitive_apis[api.name] = declares_sensitive(api.document.raw)
        return found


def _masked(problem: Problem, redactor: Redactor, hidden: list[str]) -> str:
    """A problem as the journal words it: nothing of a sensitive field's value."""
    if problem.location == "body" and redactor.covers(problem.field):
        return str(replace(problem, message="the value is not shown (x-sensitive field)"))
    return scrub(str(problem), hidden) if hidden else str(problem)


@lru_cache(maxsize=1024)
def _plain(credential: str) -> bool:
    return _PLAIN.fullmatch(credential) is not None
