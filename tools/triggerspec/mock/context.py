"""What an answer builder may read (the validated request and the mock's state), and what
it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from triggerspec.mock.bodies import Form, ParsedBody
from triggerspec.mock.settings import MockSettings
from triggerspec.mock.state import RECORD_OVERHEAD, Clock, Ids, MockState
from triggerspec.spec.model import Api, Operation, Response


@dataclass(slots=True)
class Context:
    """What a builder may read: the request (validated) and the mock's state.

    Made once per answered request, so it is a plain slotted class (a frozen dataclass
    costs twice as much to build); builders read it and never assign to it."""

    api: Api
    operation: Operation
    params: Mapping[str, str]
    body: ParsedBody
    state: MockState
    clock: Clock
    ids: Ids
    settings: MockSettings
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    """Request headers by lower-case name."""
    response: Response | None = None
    """The success response chosen for this request (``None``: the primary one)."""
    size: int = 0
    """Bytes of the request body (what a record made from it is charged, see ``Ledger``)."""

    @property
    def weight(self) -> int:
        """What a record made from this request is charged against the state's budget."""
        return self.size + RECORD_OVERHEAD

    @property
    def json(self) -> dict[str, Any]:
        """The JSON body as an object (``{}`` when there is none)."""
        value = self.body.value
        return value if isinstance(value, dict) else {}

    @property
    def form(self) -> Form:
        """The multipart form (empty when there is none)."""
        return self.body.form or Form({}, {})

    @property
    def now(self) -> str:
        """The mock's current time as the vendors print it."""
        return self.clock.iso_now()


@dataclass
class Built:
    """A builder's result: the payload (or, with ``raw``, the whole body) and headers."""

    payload: Any
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bool = False
