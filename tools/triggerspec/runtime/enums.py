"""Response enums that can grow without breaking users.

A vendor adding a ``trigger_status`` or a stage status must not make every response fail to
parse. Enums that only responses use derive from :class:`OpenStrEnum`: an unlisted value
parses into a pseudo-member whose ``is_known`` is False, so code can see it and decide.
Enums that requests use stay strict.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class OpenStrEnum(StrEnum):
    """A string enum that admits values it does not list, marked as unknown."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether the spec this client was generated from lists the value."""
        return self._value_ in type(self)._value2member_map_
