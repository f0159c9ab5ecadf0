"""Envelopes as data: how the mock wraps a result and words an error, per declaration.

The spec's ``info.x-envelope`` (a preset or inline, read into the contract model) says
where the result and the error sit, the error's members and codes, the success flag and
the rate-limit headers; nothing here branches on a vendor. Every error the mock emits goes
through :meth:`MockEnvelope.error`, so each one has the declared shape for its status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

from triggerspec.runtime.envelope import Envelope

Location = Literal["body", "path", "query", "header", "request"]


@dataclass(frozen=True)
class Problem:
    """One reason a request was refused: where, which rule, and what is wrong.

    ``field`` is a JSON pointer into the body (``""`` is the body itself) or the name of a
    path, query or header parameter.
    """

    location: Location
    field: str
    rule: str
    message: str
    lead: str = ""
    """The vendor's own words, put first (``Missing X-Auth-Key, ... headers``)."""

    @property
    def key(self) -> str:
        """The field as an error ``details`` key: ``/sha``, ``path.trigger_uuid``, ..."""
        if self.location == "body":
            return self.field or "/"
        if self.location == "request":
            return "request"
        return f"{self.location}.{self.field}"

    def __str__(self) -> str:
        where = {
            "body": self.field or "body",
            "path": f"path parameter {self.field}",
            "query": f"query parameter {self.field}",
            "header": f"header {self.field}",
            "request": "request",
        }[self.location]
        text = f"{where}: {self.message} ({self.rule})"
        return f"{self.lead}: {text}" if self.lead else text


class Rejected(Exception):
    """A request the mock refuses, with the status and every problem found (and the error
    code a declaration fixes for it, else ``None``: the envelope's code for the status)."""

    def __init__(
        self, status: int, problems: Sequence[Problem], code: str | int | None = None
    ) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.status = status
        self.problems = list(problems)
        self.code = code


def reason(status: int) -> str:
    """The standard reason phrase of a status (``"Too Many Requests"``)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def details_of(problems: Sequence[Problem]) -> dict[str, str]:
    """``{field: "message (rule)"}``; string values, as some vendors' ``details`` require."""
    out: dict[str, str] = {}
    for p in problems:
        text = f"{p.message} ({p.rule})"
        out[p.key] = f"{out[p.key]}; {text}" if p.key in out else text
    return out


def summary_of(status: int, problems: Sequence[Problem]) -> str:
    """One message naming every problem, or the reason phrase when there are none."""
    return "; ".join(str(p) for p in problems) if problems else reason(status)


class MockEnvelope:
    """How the mock wraps success payloads and words refusals, read from the declaration."""

    def __init__(self, declared: Envelope) -> None:
        self.declared = declared

    def success(self, payload: Any) -> Any:
        """The full success body around ``payload``."""
        return self.declared.success_body(payload)

    def error(
        self,
        status: int,
        problems: Sequence[Problem],
        request_id: str,
        code: str | int | None = None,
    ) -> Any:
        """The declared error body for ``status``, naming every problem (with ``code``, else
        the envelope's code for the status)."""
        return self.declared.error_body(
            status,
            [str(p) for p in problems],
            summary_of(status, problems),
            details_of(problems),
            request_id,
            code,
        )

    def rate_limit_headers(
        self, limit: int, remaining: int, reset_s: int, now_s: int = 0
    ) -> list[tuple[str, str]]:
        """The declared rate-limit headers (empty when the API declares none).

        ``reset_s`` is the seconds until the window resets; an ``epoch-seconds`` reset
        header gets ``now_s + reset_s`` (``now_s``: the mock clock in epoch seconds).
        """
        rate = self.declared.rate_limit
        reset = now_s + reset_s if rate.reset_unit == "epoch-seconds" else reset_s
        out = [(rate.limit, str(limit)), (rate.remaining, str(remaining)), (rate.reset, str(reset))]
        return [(name, value) for name, value in out if name]


def envelope_for(declared: Envelope) -> MockEnvelope:
    """The mock's view of one API's declared envelope."""
    return MockEnvelope(declared)
