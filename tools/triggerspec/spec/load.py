"""Read a spec file into a plain document, with errors that name the file and place.

Only local references (``#/...``) are allowed: each spec is one self-contained file, so a
reader never has to chase another file to know what an operation accepts.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp


@dataclass(frozen=True)
class SpecDocument:
    """One loaded spec: its path (as shown to users), raw content, and content hash."""

    path: Path
    display: str
    raw: dict[str, Any]
    sha256: str
    _resolved: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def resolve_ref(self, ref: str, at: str) -> Any:
        """The target of a ``$ref`` found at pointer ``at``; ``SpecError`` when it dangles."""
        if not ref.startswith("#"):
            raise SpecError(self.display, at, f"$ref {ref!r} is not local; use '#/...' refs")
        try:
            return jp.resolve(self.raw, ref)
        except KeyError as exc:
            raise SpecError(
                self.display, at, f"$ref {ref!r} does not resolve: no {exc.args[0]!r}"
            ) from None

    def deref(self, node: Any, at: str = "") -> Any:
        """A copy of ``node`` with every ``$ref`` replaced by its (recursively resolved) target.

        Sibling keys next to a ``$ref`` (OpenAPI 3.1 allows ``description``) are kept.
        """
        return _deref(self, node, at, ())


def _deref(doc: SpecDocument, node: Any, at: str, stack: tuple[str, ...]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in stack:
                raise SpecError(doc.display, at, f"$ref {ref!r} is circular")
            target = _deref(
                doc, doc.resolve_ref(ref, jp.join(at, "$ref")), ref.lstrip("#"), (*stack, ref)
            )
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if siblings and isinstance(target, dict):
                return {**target, **_deref(doc, siblings, at, stack)}
            return copy.deepcopy(target)
        return {k: _deref(doc, v, jp.join(at, k), stack) for k, v in node.items()}
    if isinstance(node, list):
        return [_deref(doc, v, jp.join(at, i), stack) for i, v in enumerate(node)]
    return node


def iter_refs(node: Any, at: str = "") -> Iterator[tuple[str, str]]:
    """Every ``($ref, pointer-of-the-ref)`` pair in a raw document."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref, jp.join(at, "$ref")
        for k, v in node.items():
            if k != "$ref":
                yield from iter_refs(v, jp.join(at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from iter_refs(v, jp.join(at, i))


# libyaml's loader is about ten times faster than the pure-Python one, and reads the same.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_SPEC_BYTES = 64 * 1024 * 1024
"""The largest spec file read (the largest published vendor specs are about 13 MB)."""

MAX_ALIAS_NODES = 1_000_000
"""How many nodes YAML aliases may add to a document (or ten times its own node count,
whichever is larger): a shared schema repeated by anchors (``yaml.dump`` writes them for a
response used by 1,000 operations) is fine, an alias bomb (a few hundred bytes that expand
to billions of nodes) is refused before anything walks it."""


def check_yaml_bounds(data: bytes, shown: str) -> None:
    """Refuse a file that is too large, or whose aliases expand it past the bound.

    Runs on the parser's event stream (no document is built), so a bomb is refused in
    milliseconds; the error names the line of the alias that crosses the bound.

    Raises:
        SpecError: the file is larger than :data:`MAX_SPEC_BYTES`, or its aliases add more
            than :data:`MAX_ALIAS_NODES` nodes (or ten times the document's own node count).
    """
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(
            shown, "", f"the file is {len(data)} bytes, over the limit of {MAX_SPEC_BYTES}"
        )
    if b"*" not in data or b"&" not in data:  # no anchor or no alias: nothing can expand
        return
    sizes: dict[str, int] = {}  # anchor -> expanded node count of the anchored node
    stack: list[tuple[str | None, int]] = []  # open collections: (anchor, nodes so far)
    plain = expanded = 0
    try:
        for event in yaml.parse(data, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                count = sizes.get(event.anchor or "", 1)
                expanded += count
                bound = max(MAX_ALIAS_NODES, 10 * plain)
                if expanded > bound:
                    line = event.start_mark.line + 1 if event.start_mark else 0
                    raise SpecError(
                        shown,
                        "",
                        f"line {line}: YAML aliases expand the document past "
                        f"{bound} extra nodes (an alias bomb?); "
                        "write the repeated parts out or use $ref",
                    )
            elif isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
                plain += 1
                count = 1
                if isinstance(event, yaml.CollectionStartEvent):
                    stack.append((event.anchor, 1))
                    continue
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, count = stack.pop()
                if anchor:
                    sizes[anchor] = count
            else:
                continue
            if stack:
                anchor, inner = stack[-1]
                stack[-1] = (anchor, inner + count)
    except yaml.YAMLError:
        return  # the loader reports malformed YAML with its own line and column


def load_spec(path: Path, display: str | None = None) -> SpecDocument:
    """Read and parse one YAML or JSON spec file.

    Raises:
        SpecError: the file cannot be read, is not YAML, or is not a mapping.
    """
    shown = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(shown, "", f"cannot read file: {exc.strerror}") from None
    check_yaml_bounds(data, shown)
    try:
        raw = yaml.load(data, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(shown, "", f"not valid YAML: {where}{problem}") from None
    if not isinstance(raw, dict):
        raise SpecError(shown, "", "a spec must be a mapping (an OpenAPI document)")
    return SpecDocument(path=path, display=shown, raw=raw, sha256=hashlib.sha256(data).hexdigest())
