"""Changes between two spec versions, and who each one breaks.

One principle decides every constraint: a request schema must keep accepting everything it
accepted (or it breaks **callers**, whose existing requests start failing), and a response
schema must keep within what it promised (or it breaks **consumers**, whose parsing of
responses starts failing). :func:`impact` states it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Impact = Literal["callers", "consumers", "none"]
IMPACTS: tuple[Impact, ...] = ("callers", "consumers", "none")
Direction = Literal["narrower", "wider", "changed"]
"""What a schema now accepts compared with before: less, more, or some of each."""
Side = Literal["request", "parameter", "response"]


def impact(side: Side, direction: Direction) -> Impact:
    """Who a change in ``direction`` on ``side`` breaks."""
    if side == "response":
        return "none" if direction == "narrower" else "consumers"
    return "none" if direction == "wider" else "callers"


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a spec, and who it breaks."""

    kind: str
    impact: Impact
    operation: str
    part: str
    subject: str
    message: str
    old: str | None = None
    """The JSON pointer in the old spec, when the change is there."""
    new: str | None = None
    """The JSON pointer in the new spec, when the change is there."""
    witness: str | None = None
    """For a pattern change: a string that shows the direction."""

    @property
    def breaking(self) -> bool:
        """Whether the change breaks callers or consumers."""
        return self.impact != "none"


@dataclass(frozen=True)
class SpecDiff:
    """Every change between two spec versions."""

    old: str
    new: str
    changes: tuple[Change, ...]

    @property
    def breaking(self) -> bool:
        """Whether any change breaks callers or consumers."""
        return any(c.breaking for c in self.changes)
