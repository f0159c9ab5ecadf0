"""The request journal: what the mock received and how it answered, secrets masked.

Tests assert on it ("my code triggered exactly one build, on branch main"); the control
endpoint lists and clears it. It keeps the newest entries up to a limit, so a long load
test cannot exhaust memory. Secrets are masked before an entry is made, so nothing
unmasked is ever stored: credential headers and credential-like query parameters
(:mod:`triggerspec.mock.auth`), and the body fields the spec marks ``x-sensitive``, with
their text scrubbed from the recorded problems too (:mod:`triggerspec.spec.redact`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class JournalEntry:
    """One received request and the mock's answer."""

    seq: int
    at: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int
    api: str | None = None
    operation_id: str | None = None
    auth: str | None = None
    scenario: str | None = None
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready data."""
        data = asdict(self)
        data["problems"] = list(self.problems)
        return data


class Journal:
    """A bounded, thread-safe list of :class:`JournalEntry`, oldest first."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
        self._seq = 0

    def next_seq(self) -> int:
        """The sequence number for the next entry (numbers keep rising across clears)."""
        with self._lock:
            self._seq += 1
            return self._seq

    def record(self, entry: JournalEntry) -> None:
        """Add one entry (the oldest falls off beyond the limit)."""
        with self._lock:
            self._entries.append(entry)

    def entries(self, operation_id: str | None = None) -> list[JournalEntry]:
        """Every entry, or those for one operation."""
        with self._lock:
            items = list(self._entries)
        return [e for e in items if operation_id is None or e.operation_id == operation_id]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __getitem__(self, index: int) -> JournalEntry:
        return self.entries()[index]
