"""Small types the generated clients use: the not-given sentinel and file inputs."""

from __future__ import annotations

from typing import IO, Final, Literal

from typing_extensions import override


class NotGiven:
    """Marks an argument the caller did not pass, apart from an explicit ``None``."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    @override
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

FileContent = bytes | IO[bytes]
FileInput = FileContent | tuple[str, FileContent] | tuple[str, FileContent, str]
"""A file part: raw bytes or a binary file, optionally with a filename and content type."""
