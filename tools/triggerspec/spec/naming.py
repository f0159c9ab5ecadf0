"""Names, sanitised once into small ``str`` subclasses.

Shared by codegen (argument and class names) and the client contract check (which maps wire
names to the generated arguments), so it lives with the contract model.
"""

from __future__ import annotations

import keyword
import re


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
