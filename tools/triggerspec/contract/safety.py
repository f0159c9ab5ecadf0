"""Fuzzing a real endpoint must not start a flood of real builds.

Against a base URL that is not loopback, operations with side effects (``x-side-effects``:
a build trigger or an upsert) get negative cases only (each must be rejected, so nothing
starts or changes), unless the caller passes
``--allow-side-effects`` together with a ``--max-requests`` budget. Shrinking (which replays
requests) and checks that send extra requests are off there, and a negative case that is
accepted stops the run at once.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from triggerspec.errors import UsageError

MAX_WAIT = 60.0
"""The longest a rate limit is waited out; past it the run stops instead."""


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlsplit(url).hostname or ""
    if host in {"localhost", "mock.invalid"} or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Safety:
    """What a run may do to its target."""

    loopback: bool
    allow_side_effects: bool = False
    max_requests: int | None = None

    def __post_init__(self) -> None:
        if self.allow_side_effects and not self.loopback and self.max_requests is None:
            raise UsageError("--allow-side-effects against a real endpoint needs --max-requests N")

    def modes_for(self, side_effects: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
        """The modes an operation may be fuzzed in."""
        if self.loopback or self.allow_side_effects or side_effects == "none":
            return wanted
        return tuple(m for m in wanted if m == "negative")

    @property
    def may_replay(self) -> bool:
        """Whether requests may be sent again (shrinking, extra-request checks)."""
        return self.loopback
