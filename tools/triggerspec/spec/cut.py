"""A cut of a document: some of its operations and every part of it they reach.

Schemathesis reads the document it is handed whole; handed a vendor's entire API (GitHub's:
1,200 operations, 13 MB) to fuzz one operation, it spends most of its time on the other
1,199. The cut keeps the chosen operations (with their path item's shared parameters), the
document's top-level facts (``openapi``, ``info``, ``servers``, ``security``, tags), every
security scheme, and each component that a kept part reaches through ``$ref``s or a
discriminator's ``mapping``, transitively. Everything else is left out, so the cut is a
valid document of its own that describes the chosen operations exactly as the whole does.

Example:
    >>> small = cut_document(api.document.raw, [("/repos/{owner}/{repo}/dispatches", "post")])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from triggerspec.errors import SpecError

KEPT = ("openapi", "info", "jsonSchemaDialect", "servers", "security", "tags", "externalDocs")
"""The top-level members a cut keeps as they are (not webhooks, nor a publisher's own
``x-`` members: GitHub's ``x-webhooks`` alone is 600 kB)."""

METHODS = frozenset(("get", "put", "post", "delete", "patch", "head", "options", "trace"))


def cut_document(raw: dict[str, Any], operations: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The document ``raw`` with only ``operations`` (``(path, method)`` pairs) and what they
    reach. Nodes are shared with ``raw``, not copied: treat the cut as read-only.

    Raises:
        SpecError: an operation is not in the document.
    """
    wanted: dict[str, set[str]] = {}
    for path, method in operations:
        wanted.setdefault(path, set()).add(method.lower())
    all_paths = raw.get("paths") or {}
    out: dict[str, Any] = {k: v for k, v in raw.items() if k in KEPT}
    paths: dict[str, Any] = {}
    for path, methods in wanted.items():
        item = all_paths.get(path)
        if not isinstance(item, dict) or not all(m in item for m in methods):
            missing = ", ".join(sorted(m.upper() for m in methods if m not in (item or {})))
            raise SpecError("", "/paths", f"no {missing} operation at {path!r} to cut")
        paths[path] = {k: v for k, v in item.items() if k not in METHODS or k in methods}
    out["paths"] = paths
    components = raw.get("components") or {}
    kept: dict[str, dict[str, Any]] = {}
    if "securitySchemes" in components:
        kept["securitySchemes"] = components["securitySchemes"]
    seen: set[tuple[str, ...]] = set()
    pending: list[Any] = [paths, raw.get("security")]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for target in _targets(node):
                tokens = _tokens(target)
                where = _keep(raw, out, paths, kept, tokens, seen)
                if where is not None:
                    pending.append(where)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    if kept:
        out["components"] = {k: kept[k] for k in components if k in kept}
    return out


def _targets(node: dict[str, Any]) -> list[str]:
    """The local references one mapping makes: its ``$ref`` and a discriminator's mapping."""
    found: list[str] = []
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        found.append(ref)
    discriminator = node.get("discriminator")
    if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
        for value in discriminator["mapping"].values():
            if isinstance(value, str):
                found.append(value if value.startswith("#/") else f"#/components/schemas/{value}")
    return found


def _tokens(ref: str) -> tuple[str, ...]:
    return tuple(
        unquote(t).replace("~1", "/").replace("~0", "~") for t in ref[2:].split("/") if t != ""
    )


def _keep(
    raw: dict[str, Any],
    out: dict[str, Any],
    paths: dict[str, Any],
    kept: dict[str, dict[str, Any]],
    tokens: tuple[str, ...],
    seen: set[tuple[str, ...]],
) -> Any:
    """Keep the entry a reference lands in; return it when it is newly kept (to walk)."""
    if len(tokens) >= 2 and tokens[0] in ("components", "paths"):
        entry = tokens[:3] if tokens[0] == "components" else tokens[:2]
    else:
        entry = tokens[:1]
    if entry in seen or not entry:
        return None
    seen.add(entry)
    node: Any = raw
    for token in entry:
        if not isinstance(node, dict) or token not in node:
            return None  # a dangling reference: left for the reader to report
        node = node[token]
    if entry[0] == "components" and len(entry) == 3:
        kept.setdefault(entry[1], {})[entry[2]] = node
    elif entry[0] == "paths":
        paths[entry[1]] = node  # the whole path item: its other operations come along
    else:
        out.setdefault(entry[0], node)
    return node
