"""Read a spec into the one document every tool reads, with errors that name file and place.

A spec is an OpenAPI 3.0.x or 3.1.x document, in YAML (``.yaml``/``.yml``) or JSON
(``.json``), in one file or in several joined by relative ``$ref``s (see
:mod:`triggerspec.spec.bundle`). Loading reads it once and gives the tools one dialect:
other files are joined in, then a 3.0 document is normalised to 3.1
(:mod:`triggerspec.spec.dialect`). The document as written stays available
(:attr:`SpecDocument.original`) for checks against its own OpenAPI version, and every
pointer into the joined document can be traced back to the file it was written in.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp
from triggerspec.spec.bundle import has_external_refs, join_files
from triggerspec.spec.dialect import normalise

SWAGGER_HINT = (
    "Swagger 2.0 is not read; convert it to OpenAPI 3 first, e.g. with the npm package "
    "swagger2openapi: `npx swagger2openapi {name} --outfile {stem}.openapi.yaml`"
)


@dataclass(frozen=True)
class SpecDocument:
    """One loaded spec: its path (as shown to users), raw content, and content hash."""

    path: Path
    display: str
    raw: dict[str, Any]
    sha256: str
    original: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The document as written (other files joined in, not normalised)."""
    version: str = "3.1.0"
    """The ``openapi`` version the document was written in."""
    files: tuple[Path, ...] = ()
    """Every file read for this spec: the spec itself first, then the joined ones."""
    origins: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False, compare=False)
    _resolved: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def locate(self, pointer: str) -> tuple[str, str]:
        """The file and pointer where the node at ``pointer`` of :attr:`raw` was written."""
        if self.origins:
            head, rest = pointer, ""
            while True:
                if head in self.origins:
                    shown, at = self.origins[head]
                    return shown, at + rest
                if not head:
                    break
                head, _, token = head.rpartition("/")
                rest = f"/{token}{rest}"
        return self.display, pointer

    def relocate(self, error: SpecError) -> SpecError:
        """``error`` naming the file its pointer was written in (when another file)."""
        if error.file != self.display or not self.origins:
            return error
        shown, at = self.locate(error.pointer)
        return error if shown == self.display else SpecError(shown, at, error.detail)

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

    def at(self, pointer: str) -> Any:
        """The node at ``pointer`` of :attr:`raw`, following each ``$ref`` met on the way.

        Pointers in the contract model are written through referenced objects (a path item
        or request body kept in ``components`` and ``$ref``'d): this finds what they name.
        """
        node: Any = self.raw
        for raw_token in pointer.lstrip("/").split("/") if pointer.strip("/") else ():
            node = self.follow(node, pointer)
            token = raw_token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise SpecError(self.display, pointer, f"no {token!r} here")
        return node

    def follow(self, node: Any, at: str) -> Any:
        """``node``, or what its ``$ref`` (and theirs, in turn) points at."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise SpecError(self.display, at, f"$ref {ref!r} is circular")
            seen.add(ref)
            node = self.resolve_ref(ref, at)
        return node

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


def parse_file(path: Path, shown: str) -> dict[str, Any]:
    """One YAML or JSON file as a mapping (JSON when its name ends in ``.json``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(shown, "", f"cannot read file: {exc.strerror}") from None
    return _parse(data, path, shown)


def _parse(data: bytes, path: Path, shown: str) -> dict[str, Any]:
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(
            shown, "", f"the file is {len(data)} bytes, over the limit of {MAX_SPEC_BYTES}"
        )
    if path.suffix.lower() == ".json":
        try:
            raw = json.loads(data)
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            raise SpecError(shown, "", f"not valid JSON: {where}: {exc.msg}") from None
        except (RecursionError, UnicodeDecodeError) as exc:
            raise SpecError(shown, "", f"not readable JSON: {type(exc).__name__}") from None
    else:
        check_yaml_bounds(data, shown)
        try:
            raw = yaml.load(data, Loader=_Loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise SpecError(shown, "", f"not valid YAML: {where}{problem}") from None
        except RecursionError:
            raise SpecError(shown, "", "not readable YAML: nested too deeply") from None
    if not isinstance(raw, dict):
        raise SpecError(shown, "", "a spec must be a mapping (an OpenAPI document)")
    return raw


def _openapi_version(raw: dict[str, Any], path: Path, shown: str) -> str:
    if "swagger" in raw:
        hint = SWAGGER_HINT.format(name=path.name, stem=path.stem)
        raise SpecError(shown, "/swagger", hint)
    version = raw.get("openapi")
    if version is None:
        raise SpecError(
            shown,
            "",
            "not an OpenAPI document: no 'openapi' field (a file that only holds parts "
            "other specs $ref belongs in a subfolder of the specs folder)",
        )
    text = str(version)
    if not (text.startswith(("3.0.", "3.1.")) or text in ("3.0", "3.1")):
        raise SpecError(shown, "/openapi", f"OpenAPI {text} is not read; 3.0.x and 3.1.x are")
    return text


def load_spec(path: Path, display: str | None = None) -> SpecDocument:
    """Read one spec (YAML or JSON, 3.0 or 3.1, with the files it ``$ref``s).

    Raises:
        SpecError: a file cannot be read or parsed, is not an OpenAPI 3.0/3.1 document
            (Swagger 2.0 is named with a converter), or a ``$ref`` to another file is refused.
    """
    shown = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(shown, "", f"cannot read file: {exc.strerror}") from None
    raw = _parse(data, path, shown)
    version = _openapi_version(raw, path, shown)
    digest = hashlib.sha256(data).hexdigest()
    original: dict[str, Any] = raw
    files: tuple[Path, ...] = (path,)
    origins: dict[str, tuple[str, str]] = {}
    if has_external_refs(data):
        root = path.resolve()
        base = PurePosixPath(shown).parent

        def show(other: Path) -> str:
            return str(base / other.relative_to(root.parent).as_posix())

        joined = join_files(path, raw, show, parse_file)
        original, origins = joined.document, joined.origins
        files = (path, *(f for f in joined.files if f != root))
        if len(files) > 1:
            parts = [f"{show(f.resolve())}\0{_file_sha(f)}" for f in files[1:]]
            digest = hashlib.sha256("\n".join([digest, *parts]).encode()).hexdigest()
    return SpecDocument(
        path=path,
        display=shown,
        raw=normalise(original, shown),
        sha256=digest,
        original=original,
        version=version,
        files=files,
        origins=origins,
    )


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
