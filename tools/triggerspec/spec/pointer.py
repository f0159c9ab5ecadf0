"""JSON pointers (RFC 6901): build, escape and resolve."""

from __future__ import annotations

from typing import Any


def escape(token: str | int) -> str:
    """Escape one reference token."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join(base: str, *tokens: str | int) -> str:
    """Append tokens to a pointer: ``join("/paths", "/a/{b}")`` is ``/paths/~1a~1{b}``."""
    return base + "".join("/" + escape(t) for t in tokens)


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``document``; ``KeyError`` naming the first missing token."""
    if pointer in ("", "#"):
        return document
    node = document
    for raw in pointer.lstrip("#").lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(token)
    return node
