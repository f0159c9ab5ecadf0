"""Names, sanitised once into small ``str`` subclasses.

Shared by codegen (argument and class names) and the client contract check (which maps wire
names to the generated arguments), so it lives with the contract model.
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections.abc import Sequence


def snake(name: str) -> str:
    """``startJobBuild`` -> ``start_job_build``; ``_worker.js`` -> ``worker_js``."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").lower()
    return name or "value"


class PythonIdentifier(str):
    """A valid, non-keyword Python identifier derived from a spec name."""

    __slots__ = ()

    def __new__(cls, raw: str) -> PythonIdentifier:
        value = snake(raw)
        if value[0].isdigit():
            value = f"n_{value}"
        if keyword.iskeyword(value) or value in {"self", "timeout", "extra_headers"}:
            value = f"{value}_"
        return super().__new__(cls, value)


class ClassName(str):
    """A PascalCase class name derived from a spec name."""

    __slots__ = ()

    def __new__(cls, raw: str) -> ClassName:
        words = re.split(r"[^0-9A-Za-z]+", raw)
        value = "".join(w[:1].upper() + w[1:] for w in words if w)
        return super().__new__(cls, value if value[:1].isalpha() else f"C{value}")


def constant(name: str) -> str:
    """``startJobBuild`` -> ``_START_JOB_BUILD``."""
    return "_" + snake(name).upper()


def argument_names(
    path: Sequence[str], body: Sequence[str], extra: Sequence[str] = ()
) -> dict[tuple[str, str], PythonIdentifier]:
    """The keyword argument of each path parameter, body field and extra argument.

    Keys are ``("path", wire)``, ``("body", wire)`` and ``("media", name)``. Path parameters
    keep their own names (in order); a body field whose name is taken becomes
    ``<name>_body``, and any name still taken gets the first free ``_2``, ``_3``... suffix.
    Extra arguments (``media_type``) come last, renamed the same way. So a body field
    ``owner`` next to a path parameter ``owner`` is the argument ``owner_body``.
    """
    out: dict[tuple[str, str], PythonIdentifier] = {}
    taken: set[str] = set()

    def claim(kind: str, wire: str, suffix: str) -> None:
        base = PythonIdentifier(wire)
        name = base
        if name in taken and suffix:
            name = PythonIdentifier(f"{base}_{suffix}")
        n = 1
        while name in taken:
            n += 1
            name = PythonIdentifier(f"{base}_{suffix}_{n}" if suffix else f"{base}_{n}")
        taken.add(name)
        out[(kind, wire)] = name

    for wire in path:
        claim("path", wire, "")
    for wire in body:
        claim("body", wire, "body")
    for wire in extra:
        claim("media", wire, "arg")
    return out


LISTED = 20
"""Names an unknown-name error lists in full (a whole vendor API has a thousand)."""


def known_names(wanted: str, known: Sequence[str]) -> str:
    """What an error about an unknown ``wanted`` says of the ``known`` names: all of them
    (``known: a, b``), or for many the closest and how many there are."""
    if len(known) <= LISTED:
        return "known: " + ", ".join(known)
    close = difflib.get_close_matches(wanted, list(known), n=5, cutoff=0.5)
    nearest = f"closest: {', '.join(close)}; " if close else ""
    return f"{nearest}{len(known):,} operations are known"
