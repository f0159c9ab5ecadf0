"""Scenarios: make the mock answer with a given status, a delay or a named example.

Per request, a ``Prefer`` header in the spirit of Prism's::

    Prefer: code=429, retry-after=2
    Prefer: code=503
    Prefer: delay=150
    Prefer: example=doc-response

Per mock, a list of :class:`Scenario` (from a scenario file, the control endpoint or the
pytest fixture), each for one operation (or ``*``), used ``times`` times or forever. A
header wins over the mock's list. A forced status only replaces the answer to a request
that passed validation (an invalid request is still refused, and does not use up a mock
scenario); a header's delay applies to every answer. Delays are capped (10 s by default).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from triggerspec.errors import UsageError

MAX_RETRY_AFTER_S = 86_400


class ScenarioError(ValueError):
    """A scenario or ``Prefer`` header that cannot be honoured; the message says why."""


@dataclass(frozen=True)
class Scenario:
    """How to answer: a forced status (with Retry-After), a delay, a named example.

    ``operation`` is an operationId or ``*``; ``times`` ``None`` means every time.
    """

    operation: str = "*"
    status: int | None = None
    retry_after: int | None = None
    delay_ms: int | None = None
    example: str | None = None
    times: int | None = None

    def __post_init__(self) -> None:
        if self.status is not None and not 100 <= self.status <= 599:
            raise ScenarioError(f"status must be an HTTP status (100-599), got {self.status}")
        if self.retry_after is not None and not 0 <= self.retry_after <= MAX_RETRY_AFTER_S:
            raise ScenarioError(
                f"retry_after must be 0-{MAX_RETRY_AFTER_S} seconds, got {self.retry_after}"
            )
        if self.delay_ms is not None and self.delay_ms < 0:
            raise ScenarioError(f"delay_ms must not be negative, got {self.delay_ms}")
        if self.times is not None and self.times < 1:
            raise ScenarioError(f"times must be at least 1, got {self.times}")
        if self.example is not None and not self.example:
            raise ScenarioError("example must name an example")

    def applies_to(self, operation_id: str) -> bool:
        """Whether this scenario is for ``operation_id``."""
        return self.operation in ("*", operation_id)

    def describe(self) -> str:
        """``status=429 retry_after=2``: how the journal names what was forced."""
        fields = asdict(self)
        return " ".join(
            f"{k}={v}"
            for k, v in fields.items()
            if v is not None and k not in ("operation", "times")
        )

    def to_dict(self) -> dict[str, Any]:
        """The scenario as JSON (unset fields left out)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: object) -> Scenario:
        """A scenario from a mapping with the field names above.

        Raises:
            ScenarioError: unknown keys or values of the wrong type.
        """
        if not isinstance(data, Mapping):
            raise ScenarioError(f"a scenario is a mapping, got {type(data).__name__}")
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(map(str, data)) - known)
        if unknown:
            raise ScenarioError(f"unknown scenario key(s) {unknown}; known: {sorted(known)}")
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if value is None:
                continue
            if key in ("operation", "example"):
                if not isinstance(value, str):
                    raise ScenarioError(f"{key} must be a string, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int):
                raise ScenarioError(f"{key} must be an integer, got {value!r}")
            kwargs[str(key)] = value
        return cls(**kwargs)


_PREFER_KEYS = {"code": "status", "retry-after": "retry_after", "delay": "delay_ms"}


def parse_prefer(header: str | None) -> Scenario | None:
    """The scenario a ``Prefer`` header asks for, or ``None`` when it asks for none.

    Preferences the mock does not know (``return=minimal``, ``respond-async``) are ignored,
    as RFC 7240 asks.

    Raises:
        ScenarioError: a known preference with a bad value.
    """
    if not header:
        return None
    found: dict[str, Any] = {}
    for item in header.replace(";", ",").split(","):
        key, sep, value = item.strip().partition("=")
        key, value = key.strip().lower(), value.strip().strip('"')
        if key == "example":
            if not sep or not value:
                raise ScenarioError("Prefer: example= needs an example name")
            found["example"] = value
        elif key in _PREFER_KEYS:
            if not value.isdigit() or len(value) > 9:
                raise ScenarioError(f"Prefer: {key}= needs a whole number, got {value!r}")
            found[_PREFER_KEYS[key]] = int(value)
    return Scenario(**found) if found else None


class ScenarioBook:
    """The mock's own scenarios: first match wins; a counted one is used up."""

    def __init__(self, scenarios: Iterable[Scenario] = ()) -> None:
        self._lock = threading.Lock()
        self._items: list[Scenario] = list(scenarios)

    def add(self, *scenarios: Scenario) -> None:
        """Append scenarios (checked against the operations by the app, not here)."""
        with self._lock:
            self._items.extend(scenarios)

    def clear(self) -> None:
        """Forget every scenario."""
        with self._lock:
            self._items.clear()

    def list(self) -> list[Scenario]:
        """The scenarios still in force, in match order."""
        with self._lock:
            return list(self._items)

    def take(self, operation_id: str) -> Scenario | None:
        """The first scenario for ``operation_id``, counting one use of it."""
        with self._lock:
            for i, item in enumerate(self._items):
                if item.applies_to(operation_id):
                    if item.times is not None:
                        if item.times == 1:
                            del self._items[i]
                        else:
                            self._items[i] = replace(item, times=item.times - 1)
                    return item
        return None


def scenarios_from(data: object) -> list[Scenario]:
    """Scenarios from a list of mappings (or ``{"scenarios": [...]}``, or one mapping)."""
    if isinstance(data, Mapping) and set(data) == {"scenarios"}:
        data = data["scenarios"]
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise ScenarioError("expected a list of scenarios")
    out: list[Scenario] = []
    for i, item in enumerate(data):
        try:
            out.append(Scenario.from_dict(item))
        except ScenarioError as exc:
            raise ScenarioError(f"scenario {i + 1}: {exc}") from None
    return out


def load_scenarios(path: Path) -> list[Scenario]:
    """Read a YAML or JSON scenario file.

    Raises:
        UsageError: the file cannot be read or does not hold valid scenarios.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the scenario file: {exc}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: not valid YAML or JSON: {exc}") from None
    try:
        return scenarios_from(data or [])
    except ScenarioError as exc:
        raise UsageError(f"{path}: {exc}") from None
