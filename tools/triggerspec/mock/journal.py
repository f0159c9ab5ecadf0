"""The request journal: what the mock received and how it answered, secrets masked.

Tests assert on it ("my code triggered exactly one build, on branch main"); the control
endpoint lists and clears it. It keeps the newest entries up to a limit, so a long load
test cannot exhaust memory: at most ``limit`` entries and ``budget`` bytes in all (the
oldest fall off, counted in :attr:`Journal.evicted`), each body stored as compact JSON text
of at most ``body_cap`` bytes (a longer one keeps a preview and its full size). Storing text,
not parsed values, keeps an entry's memory close to its byte count: a 255 KiB JSON array of
empty arrays takes 6 MiB as Python objects. Secrets are masked before an entry is made, so nothing
unmasked is ever stored: credential headers and credential-like query parameters
(:mod:`triggerspec.mock.auth`), and the body fields the spec marks ``x-sensitive``, with
their text scrubbed from the recorded problems too (:mod:`triggerspec.spec.redact`).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

BODY_CAP = 64 * 1024
"""Most bytes of one entry's body kept (as JSON text); a longer body keeps a preview."""

BUDGET = 64 * 1024 * 1024
"""Most bytes all entries may hold together (bodies, paths, headers, problems)."""

ENTRY_OVERHEAD = 1024
"""What an entry costs beyond its text (the objects holding it), charged to the budget."""

FIELD_CAP = 8 * 1024
"""Longest path, query, header value or problem text kept (the rest is cut, marked)."""

_CUT = "...[cut]"


def cut(text: str, limit: int = FIELD_CAP) -> str:
    """``text`` shortened to ``limit`` characters, marked when it was cut."""
    return text if len(text) <= limit else text[:limit] + _CUT


def shrink(value: Any, limit: int = BODY_CAP) -> Any:
    """A (masked) body with every string longer than ``limit`` cut: a 20 MiB form field is
    not copied into JSON text just to be thrown away."""
    if isinstance(value, str):
        return cut(value, limit)
    if isinstance(value, dict):
        return {cut(str(k), limit): shrink(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [shrink(v, limit) for v in value]
    return value


def body_text(value: Any, size: int, cap: int = BODY_CAP) -> str:
    """The body as stored: compact JSON, or ``{"size", "truncated", "preview"}`` past ``cap``.

    ``size`` is the request body's length in bytes (the full size noted when cut).
    """
    if value is None:
        return "null"
    if size > cap:
        value = shrink(value, cap)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) <= cap:
        return text
    summary = {"size": size, "truncated": True, "preview": text[: cap // 2]}
    return json.dumps(summary, ensure_ascii=False, separators=(",", ":"))


@dataclass
class JournalEntry:
    """One received request and the mock's answer (a record: read it, do not assign to it;
    one is made per request, and a plain dataclass costs half a frozen one to build)."""

    seq: int
    at: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body_json: str = field(repr=False)
    """The body as stored: compact JSON text (see :func:`body_text`)."""
    status: int
    api: str | None = None
    operation_id: str | None = None
    auth: str | None = None
    scenario: str | None = None
    problems: tuple[str, ...] = ()

    @property
    def body(self) -> Any:
        """The recorded body (parsed from its stored text on each access)."""
        return json.loads(self.body_json)

    size: int = field(init=False, repr=False, compare=False)
    """Bytes this entry is charged against the journal's budget (measured once, when made)."""

    def __post_init__(self) -> None:
        text = len(self.body_json) + len(self.path) + len(self.query)
        text += sum(len(k) + len(v) for k, v in self.headers.items())
        text += sum(len(p) for p in self.problems)
        self.size = text + ENTRY_OVERHEAD

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready data."""
        data = {k: v for k, v in asdict(self).items() if k not in ("body_json", "size")}
        data["body"] = self.body
        data["problems"] = list(self.problems)
        return data


class Journal:
    """A bounded, thread-safe list of :class:`JournalEntry`, oldest first.

    Args:
        limit: most entries kept.
        budget: most bytes kept in all (:attr:`JournalEntry.size` summed).
    """

    def __init__(self, limit: int = 10_000, budget: int = BUDGET) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque()
        self._limit = limit
        self._budget = budget
        self._bytes = 0
        self._seq = 0
        self.evicted = 0
        """Entries dropped to stay within the limit or the budget, since the start."""

    def next_seq(self) -> int:
        """The sequence number for the next entry (numbers keep rising across clears)."""
        with self._lock:
            self._seq += 1
            return self._seq

    def record(self, entry: JournalEntry) -> None:
        """Add one entry (the oldest fall off beyond the limit or the budget)."""
        with self._lock:
            self._entries.append(entry)
            self._bytes += entry.size
            while self._entries and (
                len(self._entries) > self._limit or self._bytes > self._budget
            ):
                self._bytes -= self._entries.popleft().size
                self.evicted += 1

    @property
    def bytes(self) -> int:
        """Bytes the entries are charged (at most the budget)."""
        with self._lock:
            return self._bytes

    def entries(self, operation_id: str | None = None) -> list[JournalEntry]:
        """Every entry, or those for one operation."""
        with self._lock:
            items = list(self._entries)
        return [e for e in items if operation_id is None or e.operation_id == operation_id]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __getitem__(self, index: int) -> JournalEntry:
        return self.entries()[index]
