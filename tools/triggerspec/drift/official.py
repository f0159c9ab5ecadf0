"""The vendor's own OpenAPI document, for ``audit``: read as it is, then cut and normalised.

:func:`load_official` parses the file once (JSON with the json module, YAML with libyaml);
:func:`official_index` finds each operation by method and path template (parameter names
erased); :func:`cut_official` keeps the matched path items and the components they reach,
then normalises only that cut to the 3.1 dialect; :func:`aligned` re-keys a matched path
item under the spec's template with its path parameters renamed, since parameter names are
not on the wire. Every kept element keeps its JSON pointer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from triggerspec.errors import SpecError
from triggerspec.spec import pointer as jp
from triggerspec.spec.dialect import normalise
from triggerspec.spec.load import SpecDocument, iter_refs
from triggerspec.spec.model import HTTP_METHODS

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_official(path: Path, display: str | None = None) -> SpecDocument:
    """Read a vendor's OpenAPI document (3.0 or 3.1, JSON or YAML), as it is.

    :func:`audit` cuts it to the operations it compares and normalises only the cut, so a
    whole vendor API costs one parse.

    Raises:
        SpecError: the file cannot be read or parsed, or is not an OpenAPI document.
    """
    shown = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(shown, "", f"cannot read file: {exc.strerror}") from None
    try:  # JSON first: a large JSON document parses far faster with the json module
        raw = json.loads(data) if data.lstrip()[:1] == b"{" else yaml.load(data, Loader=_Loader)
    except (ValueError, yaml.YAMLError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError(shown, "", f"not valid JSON or YAML: {problem}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("paths"), dict):
        raise SpecError(shown, "/paths", "not an OpenAPI document (no paths object)")
    return SpecDocument(path, shown, raw, hashlib.sha256(data).hexdigest())


def cut_official(
    official: SpecDocument, paths: Iterable[str], also: Iterable[str] = ()
) -> SpecDocument:
    """``official`` with only ``paths`` and the components they (and ``also``) reach, in the
    3.1 dialect. Every kept element keeps its JSON pointer.

    Raises:
        SpecError: a ``$ref`` dangles, or a 3.0 keyword has an impossible value.
    """
    raw = official.raw
    kept_paths = {p: raw["paths"][p] for p in paths}
    components: dict[str, dict[str, Any]] = {}
    source = raw.get("components")
    if not isinstance(source, dict):
        source = {}
    schemes = source.get("securitySchemes")
    if isinstance(schemes, dict):
        components["securitySchemes"] = schemes
    todo = [f"#{p}" for p in also if _resolves(raw, p)]  # a missing one: audit reports it
    todo += [ref for ref, _ in iter_refs(kept_paths)]
    while todo:
        ref = todo.pop()
        tokens = ref.lstrip("#").split("/")
        if len(tokens) < 4 or tokens[1] != "components":
            continue
        section, name = tokens[2], tokens[3].replace("~1", "/").replace("~0", "~")
        if name in components.get(section, {}):
            continue
        target = official.resolve_ref(f"#/components/{tokens[2]}/{tokens[3]}", "")
        components.setdefault(section, {})[name] = target
        todo += [r for r, _ in iter_refs(target)]
    small = {k: v for k, v in raw.items() if k not in ("paths", "components")}
    small["paths"] = kept_paths
    small["components"] = components
    return SpecDocument(
        official.path, official.display, normalise(small, official.display), official.sha256
    )


def _resolves(raw: Any, pointer: str) -> bool:
    try:
        jp.resolve(raw, pointer)
    except (KeyError, IndexError, TypeError, ValueError):
        return False
    return True


def aligned(official: SpecDocument, path: str, spec_path: str) -> SpecDocument:
    """The official document with ``path`` under the spec's path template.

    Path parameter names are not on the wire: ``{id}`` where the spec says
    ``{project_name}`` is the same endpoint, so the official path item is re-keyed and its
    path parameters renamed by position (only that item is copied; the rest is shared).
    """
    if path == spec_path:
        return official
    names = {
        a[1:-1]: b[1:-1]
        for a, b in zip(path.split("/"), spec_path.split("/"), strict=True)
        if a.startswith("{") and a != b
    }
    at = jp.join("/paths", path)

    def renamed(params: Any, where: str) -> list[Any]:
        out = []
        for i, p in enumerate(params if isinstance(params, list) else []):
            p = official.deref(p, jp.join(where, "parameters", i))
            if isinstance(p, dict) and p.get("in") == "path" and p.get("name") in names:
                p = {**p, "name": names[p["name"]]}
            out.append(p)
        return out

    item = dict(official.raw["paths"][path])
    item["parameters"] = renamed(item.get("parameters"), at)
    for method in HTTP_METHODS:
        if isinstance(item.get(method), dict):
            where = jp.join(at, method)
            item[method] = {
                **item[method],
                "parameters": renamed(item[method].get("parameters"), where),
            }
    raw = {**official.raw, "paths": {**official.raw["paths"], spec_path: item}}
    return SpecDocument(official.path, official.display, raw, official.sha256)


def template(path: str) -> tuple[str, ...]:
    """A path with its parameter names erased: ``/a/{id}`` and ``/a/{name}`` are one."""
    return tuple("{}" if s.startswith("{") and s.endswith("}") else s for s in path.split("/"))


def official_index(doc: SpecDocument) -> dict[tuple[str, tuple[str, ...]], str]:
    index: dict[tuple[str, tuple[str, ...]], str] = {}
    for path, item in doc.raw["paths"].items():
        if isinstance(item, dict):
            for method in HTTP_METHODS:
                if method in item:
                    index[(method.upper(), template(str(path)))] = str(path)
    return index
