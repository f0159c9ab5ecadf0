"""Which part of the toolkit needs which third-party package, and one line when one is missing.

``pip install triggerspec`` brings every part (mock, fuzz, codegen, drift); the generated
clients alone are the light ``triggerspec-clients``. A part can still lack a package (an
install with ``--no-deps``, a distribution's own packaging, an uninstalled package): then
the command says which package, for which part, and the range to install, in one line.
"""

from __future__ import annotations

import re
from importlib import metadata

from triggerspec.errors import TriggerspecError

NEEDED_BY: dict[str, tuple[str, str]] = {
    # import name: (distribution, the parts that need it)
    "yaml": ("PyYAML", "every command (reading specs)"),
    "openapi_spec_validator": ("openapi-spec-validator", "lint"),
    "jsonschema": ("jsonschema", "lint, the mock and fuzz"),
    "regress": ("regress", "lint (regex portability)"),
    "jinja2": ("Jinja2", "codegen"),
    "datamodel_code_generator": ("datamodel-code-generator", "codegen"),
    "uvicorn": ("uvicorn", "the mock"),
    "httptools": ("httptools", "the mock"),
    "uvloop": ("uvloop", "the mock"),
    "multipart": ("python-multipart", "the mock"),
    "python_multipart": ("python-multipart", "the mock"),
    "jsonschema_rs": ("jsonschema_rs", "the mock and fuzz"),
    "hypothesis": ("hypothesis", "lint and fuzz"),
    "schemathesis": ("schemathesis", "fuzz"),
    "requests": ("requests", "fuzz"),
    "httpx": ("httpx", "the generated clients"),
    "pydantic": ("pydantic", "the generated clients"),
    "typing_extensions": ("typing-extensions", "the generated clients"),
}


class MissingDependencyError(TriggerspecError):
    """A part of the toolkit was asked for and a package it needs is not installed."""


def _requirement(distribution: str) -> str:
    """The range triggerspec (or triggerspec-clients) declares for ``distribution``."""
    wanted = re.sub(r"[-_.]+", "-", distribution).lower()
    for owner in ("triggerspec", "triggerspec-clients"):
        try:
            requirements = metadata.requires(owner) or []
        except metadata.PackageNotFoundError:
            continue
        for line in requirements:
            spec = line.split(";", 1)[0].strip()
            name = re.split(r"[\s<>=!~\[]", spec, maxsplit=1)[0]
            if re.sub(r"[-_.]+", "-", name).lower() == wanted and "extra ==" not in line:
                return spec.replace(" ", "")
    return distribution


def missing_dependency(error: ModuleNotFoundError) -> MissingDependencyError | None:
    """The one-line error for a missing third-party package, or None when it is not one."""
    top = (error.name or "").split(".", 1)[0]
    if top not in NEEDED_BY:
        return None
    distribution, parts = NEEDED_BY[top]
    requirement = _requirement(distribution)
    return MissingDependencyError(
        f"{parts} needs {distribution}, which is not installed: "
        f"python -m pip install '{requirement}' (or the whole toolkit: pip install triggerspec)"
    )
