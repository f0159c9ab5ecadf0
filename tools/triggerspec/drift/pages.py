"""Which page snapshot documents which operation, from the specs' own ``x-source`` entries.

A spec cites its pages in ``info.x-source.page`` / ``info.x-source.pages``; an operation
cites the page it was transcribed from in its own ``x-source.page``. Pages are matched by
file name, so the same specs can be checked against another snapshot folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from triggerspec.spec import pointer as jp
from triggerspec.spec.model import Api, Operation


@dataclass(frozen=True)
class Citation:
    """A spec's reference to a page: which page, where the reference is, for which operation."""

    page: str
    api: Api
    pointer: str
    operation: Operation | None = None


def citations(api: Api) -> list[Citation]:
    """Every page the spec cites, info-level first."""
    raw = api.document.raw
    found: list[Citation] = []
    source = (raw.get("info") or {}).get("x-source") or {}
    found.extend(Citation(name, api, at) for name, at in _pages(source, "/info/x-source"))
    for op in api.operations:
        try:
            node = jp.resolve(raw, op.pointer)
        except KeyError:
            continue
        source = node.get("x-source") if isinstance(node, dict) else None
        found.extend(
            Citation(name, api, at, op)
            for name, at in _pages(source or {}, jp.join(op.pointer, "x-source"))
        )
    return found


def _pages(source: Any, at: str) -> list[tuple[str, str]]:
    if not isinstance(source, dict):
        return []
    out: list[tuple[str, str]] = []
    if isinstance(source.get("page"), str):
        out.append((PurePosixPath(source["page"]).name, jp.join(at, "page")))
    for i, page in enumerate(source.get("pages") or []):
        if isinstance(page, str):
            out.append((PurePosixPath(page).name, jp.join(at, "pages", i)))
    return out


@dataclass(frozen=True)
class Binding:
    """A page and what documents it: the spec, and the operation the page shows."""

    page: str
    api: Api
    operation: Operation | None
    pointer: str


def bind(apis: list[Api]) -> dict[str, list[Binding]]:
    """Page file name → the operations it documents (one binding per spec citing it).

    An operation-level citation binds the page to that operation; a page cited only at
    info level is bound to no operation (the comparison then finds it by its endpoint).
    """
    bound: dict[str, list[Binding]] = {}
    for api in apis:
        cites = citations(api)
        by_op = {c.page: c for c in cites if c.operation is not None}
        for cite in cites:
            if cite.operation is None and cite.page in by_op:
                continue
            bound.setdefault(cite.page, []).append(
                Binding(cite.page, api, cite.operation, cite.pointer)
            )
    return bound


def declared_format(binding: Binding) -> str | None:
    """The page format the citing ``x-source`` declares (``format: bullet-tree``), if any.

    The operation's own ``x-source`` first, then the spec's ``info.x-source``."""
    at = binding.pointer
    parent = at.rsplit("/", 2)[0] if at.rsplit("/", 2)[-2:-1] == ["pages"] else at.rsplit("/", 1)[0]
    raw = binding.api.document.raw
    for where in (parent, "/info/x-source"):
        try:
            source = jp.resolve(raw, where)
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        value = source.get("format") if isinstance(source, dict) else None
        if isinstance(value, str):
            return value
    return None


def undocumented(api: Api) -> list[Operation]:
    """Operations of a spec that cites pages but of which no page is the source."""
    cites = citations(api)
    if not cites:
        return []
    documented = {c.operation.operation_id for c in cites if c.operation is not None}
    return [op for op in api.operations if op.operation_id not in documented]
