"""What the mock remembers between requests, and where its time and randomness come from.

Under a seed everything is reproducible: ids come from one seeded ``random.Random`` and the
clock is fake, starting at :data:`FAKE_EPOCH` and moving 1 ms per handled request (plus
whatever :meth:`Clock.advance` adds). Without a seed ids are random and the clock is the
wall clock (still advanceable, so tests can step over a time window).
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

FAKE_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
"""Where a seeded mock's clock starts."""

TICK_US = 1000
"""One request's worth of mock time: 1 ms, in microseconds."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, as the vendors print it: ``2025-01-01T00:00:00.001Z``."""
    m = moment.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond // 1000:03d}Z"
    )


def _micros(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class Clock:
    """The mock's notion of now: fake from a fixed start, or the wall clock plus an offset.

    Either way each :meth:`tick` (one per handled request) moves time at least 1 ms, so two
    requests never share a timestamp and ``modified_on`` always advances. Time is kept as
    integer microseconds since the Unix epoch (cheap to compare and step on every
    request); :meth:`now` and :meth:`iso_now` turn it into what builders print.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._start = None if start is None else _micros(start)
        self._iso_at = -1
        self._iso = ""
        self.reset()

    @property
    def fake(self) -> bool:
        """Whether time only moves when the mock says so."""
        return self._start is not None

    def reset(self) -> None:
        """Back to the start (fake) or to the wall clock without offset."""
        self._offset = 0
        self._last = self._start if self._start is not None else 0

    def _wall(self) -> int:
        base = self._start if self._start is not None else time.time_ns() // 1000
        moment = base + self._offset
        return moment - moment % 1000

    def now_us(self) -> int:
        """The current mock time in microseconds since the epoch (whole milliseconds, never
        earlier than before)."""
        wall = self._wall()
        if wall > self._last:
            self._last = wall
        return self._last

    def now(self) -> datetime:
        """The current mock time (UTC, whole milliseconds, never earlier than before)."""
        return _EPOCH + timedelta(microseconds=self.now_us())

    def iso_now(self) -> str:
        """:func:`iso` of :meth:`now` (the text is reused while the time stands still)."""
        at = self.now_us()
        if at != self._iso_at:
            self._iso_at, self._iso = at, iso(_EPOCH + timedelta(microseconds=at))
        return self._iso

    def tick(self) -> None:
        """One request's worth of time: later than any time handed out so far."""
        self._last = max(self._wall(), self._last + TICK_US)

    def advance(self, seconds: float) -> None:
        """Move time forward, e.g. past a repeat window."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        step = round(seconds * 1_000_000)
        self._offset += step
        self._last += step


class Ids:
    """Every random value the mock hands out, from one (optionally seeded) generator."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self.reset()

    def reset(self) -> None:
        """Restart the sequence (the same seed gives the same ids again)."""
        self._rng = random.Random(self._seed)

    def uuid(self) -> str:
        """A random (version 4) UUID string."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def hex(self, length: int) -> str:
        """``length`` random lower-case hex digits (40 makes a git sha)."""
        return f"{self._rng.getrandbits(4 * length):0{length}x}"

    def pick(self, options: tuple[str, ...]) -> str:
        """One of ``options``."""
        return self._rng.choice(options)

    def number(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return self._rng.randint(low, high)


@dataclass
class MockState:
    """The records the stateful responses read and write; cleared by :meth:`reset`."""

    projects: dict[tuple[str, str], str] = field(default_factory=dict)
    heads: dict[tuple[str, ...], str] = field(default_factory=dict)
    run_numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    resources: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    """API -> concrete collection path -> id -> what a POST or PUT there created."""
    records: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    """``x-upsert`` records by (API, operation, identity values)."""
    seen: dict[tuple[str, ...], tuple[datetime, dict[str, Any]]] = field(default_factory=dict)
    """``x-dedup``: when each request key was first answered, and the answer."""
    requests: dict[str, int] = field(default_factory=dict)
    window_start: dict[str, int] = field(default_factory=dict)
    """Start of each API's rate-limit window, in mock-clock microseconds."""

    def reset(self) -> None:
        """Forget every record."""
        for value in vars(self).values():
            value.clear()
