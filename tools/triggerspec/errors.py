"""One exception base for the toolkit, with precise subclasses.

Every error a user can cause (a broken spec, a wrong flag, a missing project) is a
``TriggerspecError``; the CLI prints its message and exits non-zero, never a traceback.
"""

from __future__ import annotations


class TriggerspecError(Exception):
    """Base of every error the toolkit raises on purpose."""

    exit_code = 2


class ProjectNotFoundError(TriggerspecError):
    """No triggerspec project was found from the starting directory upward."""


class UsageError(TriggerspecError):
    """The command line asks for something that cannot be done."""


class SpecError(TriggerspecError):
    """A spec file is unreadable, malformed, or breaks a rule.

    The message names the file, the JSON pointer and the rule, as ``file:pointer: message``.
    """

    def __init__(self, file: str, pointer: str, message: str) -> None:
        self.file = file
        self.pointer = pointer
        self.detail = message
        super().__init__(f"{file}:{pointer or '/'}: {message}")
