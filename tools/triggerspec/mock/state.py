"""What the mock remembers between requests, and where its time and randomness come from.

Under a seed everything is reproducible: ids come from one seeded ``random.Random`` and the
clock is fake, starting at :data:`FAKE_EPOCH` and moving 1 ms per handled request (plus
whatever :meth:`Clock.advance` adds). Without a seed ids are random and the clock is the
wall clock (still advanceable, so tests can step over a time window).
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")

FAKE_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
"""Where a seeded mock's clock starts."""

MAX_OFFSET_S = 100 * 366 * 86_400
"""How far the clock may be advanced in all: a century (dates stay far from year 9999)."""

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
        """:func:`iso` of :meth:`now`: the date and time to the second are formatted once
        per second, the milliseconds added to them (time moves 1 ms per request)."""
        at = self.now_us()
        second, micros = divmod(at, 1_000_000)
        if second != self._iso_at:
            self._iso_at, self._iso = second, iso(_EPOCH + timedelta(seconds=second))[:-5]
        return f"{self._iso}.{micros // 1000:03d}Z"

    def tick(self) -> None:
        """One request's worth of time: later than any time handed out so far."""
        self._last = max(self._wall(), self._last + TICK_US)

    def advance(self, seconds: float) -> None:
        """Move time forward, e.g. past a repeat window (at most :data:`MAX_OFFSET_S` in all).

        Raises:
            ValueError: a negative or non-finite step, or one past the bound.
        """
        if not 0 <= seconds < math.inf:
            raise ValueError("the clock only moves forward, by a finite number of seconds")
        step = round(seconds * 1_000_000)
        if self._offset + step > MAX_OFFSET_S * 1_000_000:
            raise ValueError(f"the clock moves at most {MAX_OFFSET_S} s past its start in all")
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


DEFAULT_STATE_LIMIT = 10_000
"""How many records of each kind the mock remembers (``MockSettings.state_limit``)."""


class Bounded(OrderedDict[K, V]):
    """A dict of at most ``limit`` keys: adding one more forgets the oldest (counted).

    A long-running shared mock sees an unbounded stream of new repositories, workflows and
    builds; each kind of record is kept this way, so memory stays bounded by design.

    An ``OrderedDict``, whose oldest key is found in constant time: in a plain dict,
    ``next(iter(d))`` steps over every slot its deletions left at the front, so forgetting
    the oldest of 10,000 records cost up to 11 us, per store, on every request of a
    full mock (``bench/bench_mock.py`` measures the served mock after it has filled up).
    """

    def __init__(self, limit: int = DEFAULT_STATE_LIMIT) -> None:
        super().__init__()
        self.limit = max(1, limit)
        self.evicted = 0
        """Records forgotten to stay within the limit, since the start."""

    def __setitem__(self, key: K, value: V) -> None:
        if key not in self:
            while len(self) >= self.limit:
                self.popitem(last=False)
                self.evicted += 1
        super().__setitem__(key, value)

    def setdefault(self, key: K, default: V) -> V:
        if key not in self:
            self[key] = default
        return self[key]


DEFAULT_STATE_BUDGET = 64 * 1024 * 1024
"""Bytes the remembered records may hold together (``MockSettings.state_budget``)."""

RECORD_OVERHEAD = 1024
"""What a remembered record is charged beyond the request it came from."""


class Ledger:
    """The bytes remembered records hold, with the oldest forgotten past a budget.

    Counts alone do not bound memory: 10,000 remembered deployments whose commit message
    is 20 MiB would keep 200 GiB. Each record is charged what the request it was made from
    weighed (its body, plus :data:`RECORD_OVERHEAD`): an answer holds the request's fields
    and a few generated ones, so that is an upper bound costing nothing to compute. Past
    the budget the oldest charged records are removed from wherever they were stored
    (unless a newer value replaced them there) and counted.
    """

    def __init__(self, budget: int = DEFAULT_STATE_BUDGET) -> None:
        self.budget = budget
        self.bytes = 0
        self.evicted = 0
        self._entries: deque[tuple[dict[Any, Any], Any, Any, int]] = deque()

    def charge(self, store: dict[Any, Any], key: Any, weight: int) -> None:
        """Record that ``store[key]`` (just stored) holds ``weight`` bytes."""
        self._entries.append((store, key, store[key], weight))
        self.bytes += weight
        while self.bytes > self.budget and self._entries:
            old_store, old_key, value, old_weight = self._entries.popleft()
            self.bytes -= old_weight
            if old_store.get(old_key) is value:
                del old_store[old_key]
                self.evicted += 1

    def clear(self) -> None:
        """Forget every charge (the records themselves are cleared by their owner)."""
        self._entries.clear()
        self.bytes = 0


@dataclass
class MockState:
    """The records the stateful responses read and write; cleared by :meth:`reset`.

    Every kind is a :class:`Bounded` dict of at most ``limit`` records, and the records
    made from requests are charged to one :class:`Ledger` of at most ``budget`` bytes:
    :meth:`evictions` says how many were forgotten.
    """

    projects: Bounded[tuple[str, str], str] = field(default_factory=Bounded)
    heads: Bounded[tuple[str, ...], str] = field(default_factory=Bounded)
    run_numbers: Bounded[tuple[str, str], int] = field(default_factory=Bounded)
    users: Bounded[str, str] = field(default_factory=Bounded)
    resources: Bounded[tuple[str, str], Bounded[str, dict[str, Any]]] = field(
        default_factory=Bounded
    )
    """(API, concrete collection path) -> id -> what a POST or PUT there created."""
    records: Bounded[tuple[str, ...], dict[str, Any]] = field(default_factory=Bounded)
    """``x-upsert`` records by (API, operation, identity values)."""
    seen: Bounded[tuple[str, ...], tuple[datetime, dict[str, Any]]] = field(default_factory=Bounded)
    """``x-dedup``: when each request key was first answered, and the answer."""
    requests: Bounded[str, int] = field(default_factory=Bounded)
    window_start: Bounded[str, int] = field(default_factory=Bounded)
    """Start of each API's rate-limit window, in mock-clock microseconds."""

    ledger: Ledger = field(default_factory=Ledger)
    """Bytes held by records made from requests (resources, upserts, dedup answers)."""

    def __post_init__(self) -> None:
        self.limit(DEFAULT_STATE_LIMIT)

    def _kinds(self) -> dict[str, Bounded[Any, Any]]:
        found = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: v for k, v in found.items() if isinstance(v, Bounded)}

    def limit(self, records: int, budget: int | None = None) -> None:
        """Keep at most ``records`` records of each kind (and ``budget`` bytes in all)."""
        for value in self._kinds().values():
            value.limit = max(1, records)
        if budget is not None:
            self.ledger.budget = budget

    def evictions(self) -> dict[str, int]:
        """Records forgotten per kind (only kinds that lost any); ``bytes``: those forgotten
        to stay within the byte budget."""
        counts = {name: value.evicted for name, value in self._kinds().items() if value.evicted}
        if self.ledger.evicted:
            counts["bytes"] = self.ledger.evicted
        return counts

    def reset(self) -> None:
        """Forget every record (eviction counts stay: they describe the whole run)."""
        for value in self._kinds().values():
            value.clear()
        self.ledger.clear()
