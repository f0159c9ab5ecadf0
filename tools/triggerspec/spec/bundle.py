"""Join a spec split over several files into one document with only local ``$ref``s.

A ``$ref`` such as ``common.yaml#/components/schemas/Error`` is read from the spec's own
folder tree. What it points at lands in the one document every tool reads:

- a component (``other.yaml#/components/<kind>/<Name>``) is copied to the same place,
  ``#/components/<kind>/<Name>``, and the ``$ref`` made local, so a model keeps its name and
  a recursive schema stays a reference;
- anything else (a whole file, ``paths/jobs.yaml``, or another pointer) is put in place of
  the ``$ref``.

Every copied node keeps where it came from (:attr:`Bundle.origins`), so an error found in
the joined document still names the file and pointer it was written in. Refused, with the
file and pointer of the ``$ref``: a URL or absolute path, a path leaving the spec's folder,
a missing file or pointer, a cycle of inlined refs, two components of one name, and more
than :data:`MAX_FILES` files or :data:`MAX_BYTES` bytes read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp

MAX_FILES = 200
MAX_BYTES = 64 * 1024 * 1024

_COMPONENT = re.compile(r"^/components/([A-Za-z]+)/([^/]+)$")
# What follows a "$ref" key up to the first character of its value.
_REF_VALUE = re.compile(rb"""["']?\s*:\s*["']?([^\s"'])""")

Reader = Callable[[Path, str], dict[str, Any]]
"""Reads and parses one file (shown as the given name); raises ``SpecError``."""


def has_external_refs(data: bytes) -> bool:
    """Whether the text of a spec may hold a ``$ref`` to another file (cheap, no parse)."""
    at = data.find(b"$ref")
    while at != -1:  # one find per $ref: a 13 MB document costs milliseconds, not a scan
        value = _REF_VALUE.match(data, at + 4)
        if value is not None and value.group(1) != b"#":
            return True
        at = data.find(b"$ref", at + 4)
    return False


@dataclass
class Bundle:
    """The joined document, the files read, and where each copied node came from."""

    document: dict[str, Any]
    files: list[Path]
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class _Joiner:
    root: Path
    folder: Path
    display: Callable[[Path], str]
    read: Reader
    parsed: dict[Path, dict[str, Any]]
    size: list[int]
    components: dict[str, dict[str, Any]]
    hoisted: dict[tuple[Path, str], str] = field(default_factory=dict)
    origins: dict[str, tuple[str, str]] = field(default_factory=dict)

    def file(self, path: Path, shown: str, at: str) -> dict[str, Any]:
        if path not in self.parsed:
            if len(self.parsed) >= MAX_FILES:
                raise SpecError(shown, at, f"more than {MAX_FILES} files are joined by $refs")
            try:
                self.size[0] += path.stat().st_size
            except OSError as exc:
                raise SpecError(shown, at, f"cannot read {path.name}: {exc.strerror}") from None
            if self.size[0] > MAX_BYTES:
                raise SpecError(shown, at, f"the files joined by $refs pass {MAX_BYTES} bytes")
            self.parsed[path] = self.read(path, self.display(path))
        return self.parsed[path]

    def target(self, here: Path, ref: str, at: str) -> tuple[Path, str]:
        """The file and pointer a ``$ref`` written in ``here`` at ``at`` names."""
        location, _, fragment = ref.partition("#")
        pointer = unquote(fragment)
        if not location:
            return here, pointer
        shown = self.display(here)
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", location) or location.startswith("//"):
            raise SpecError(
                shown, at, f"$ref {ref!r} is a URL; only files in the spec's folder are read"
            )
        if location.startswith(("/", "\\")):
            raise SpecError(shown, at, f"$ref {ref!r} is an absolute path; use a relative one")
        path = (here.parent / unquote(location)).resolve()
        if not path.is_relative_to(self.folder):
            raise SpecError(shown, at, f"$ref {ref!r} leaves the spec's folder {self.folder.name}/")
        if not path.is_file():
            raise SpecError(shown, at, f"$ref {ref!r}: no file {path.name}")
        return path, pointer

    def walk(self, node: Any, here: Path, at: str, out: str, stack: tuple[Any, ...]) -> Any:
        """``node`` (read from ``here`` at pointer ``at``) with every ``$ref`` joined."""
        if isinstance(node, list):
            return [
                self.walk(v, here, jp.join(at, i), jp.join(out, i), stack)
                for i, v in enumerate(node)
            ]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return {
                k: self.walk(v, here, jp.join(at, k), jp.join(out, k), stack)
                for k, v in node.items()
            }
        ref_at = jp.join(at, "$ref")
        path, pointer = self.target(here, ref, ref_at)
        siblings = {
            k: self.walk(v, here, jp.join(at, k), jp.join(out, k), stack)
            for k, v in node.items()
            if k != "$ref"
        }
        if path == self.root:
            return {"$ref": "#" + pointer, **siblings}
        component = _COMPONENT.match(pointer)
        if component:
            target = self.resolve(path, pointer, here, ref, ref_at)
            return {"$ref": self.hoist(path, pointer, component, target), **siblings}
        key = (path, pointer)
        if key in stack:
            raise SpecError(
                self.display(here),
                ref_at,
                f"$ref {ref!r} is circular; put the target under components/schemas",
            )
        target = self.resolve(path, pointer, here, ref, ref_at)
        self.origins[out] = (self.display(path), pointer)
        joined = self.walk(target, path, pointer, out, (*stack, key))
        if siblings and isinstance(joined, dict):
            return {**joined, **siblings}
        return joined

    def resolve(self, path: Path, pointer: str, here: Path, ref: str, at: str) -> Any:
        document = self.file(path, self.display(here), at)
        try:
            return jp.resolve(document, pointer)
        except KeyError as exc:
            raise SpecError(
                self.display(here), at, f"$ref {ref!r} does not resolve: no {exc.args[0]!r}"
            ) from None

    def hoist(self, path: Path, pointer: str, component: re.Match[str], target: Any) -> str:
        """Copy a component of another file into the joined document; its local ``$ref``."""
        kind = component.group(1)
        name = component.group(2).replace("~1", "/").replace("~0", "~")
        local = jp.join("/components", kind, name)
        if (path, pointer) in self.hoisted:
            return "#" + local
        table = self.components.setdefault(kind, {})
        if name in table:
            raise SpecError(
                self.display(path),
                pointer,
                f"components/{kind}/{name} is also defined in {self.display(self.root)} "
                "or another joined file; rename one of them",
            )
        self.hoisted[(path, pointer)] = name
        table[name] = None  # reserved while its own refs are joined (it may refer to itself)
        self.origins[local] = (self.display(path), pointer)
        table[name] = self.walk(target, path, pointer, local, ())
        return "#" + local


def join_files(
    root: Path, raw: dict[str, Any], display: Callable[[Path], str], read: Reader
) -> Bundle:
    """``raw`` (parsed from ``root``) with every ``$ref`` to another file joined in.

    Raises:
        SpecError: a ``$ref`` is refused or does not resolve (its file and pointer named).
    """
    root = root.resolve()
    folder = root.parent
    joiner = _Joiner(
        root=root,
        folder=folder,
        display=display,
        read=read,
        parsed={root: raw},
        size=[root.stat().st_size],
        components={},
    )
    joined = joiner.walk(raw, root, "", "", ())
    if joiner.components:
        own = joined.setdefault("components", {})
        for kind, table in joiner.components.items():
            into = own.setdefault(kind, {})
            for name, value in table.items():
                local = "#" + jp.join("/components", kind, name)
                if into.get(name) == {"$ref": local}:
                    pass  # the spec's own entry only re-exports the other file's component
                elif name in into:
                    shown, pointer = joiner.origins[jp.join("/components", kind, name)]
                    raise SpecError(
                        shown,
                        pointer,
                        f"components/{kind}/{name} is also defined in {display(root)}; "
                        "rename one of them",
                    )
                into[name] = value
    return Bundle(joined, sorted(joiner.parsed), joiner.origins)
