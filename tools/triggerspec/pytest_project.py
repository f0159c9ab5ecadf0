"""Which triggerspec project a pytest run uses, for both pytest plugins.

Both plugins (``triggerspec.mock.plugin`` and ``triggerspec.contract.pytest_plugin``) load
this one through ``pytest_plugins``, so the option exists once whichever of them is used.
The project is, in order: ``--triggerspec-root DIR``, the ``triggerspec_root`` ini option
(relative to the ini file's folder), the project found from pytest's rootdir upward, and
otherwise the specs bundled with the package.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from triggerspec.errors import TriggerspecError
from triggerspec.project import Project

INI = "triggerspec_root"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--triggerspec-root`` and the ``triggerspec_root`` ini option."""
    group = parser.getgroup("triggerspec", "triggerspec")
    group.addoption(
        "--triggerspec-root",
        metavar="DIR",
        help="the triggerspec project (a folder whose pyproject.toml has [tool.triggerspec]); "
        "default: the ini option triggerspec_root, else found from the rootdir upward, "
        "else the bundled specs",
    )
    parser.addini(INI, "the triggerspec project folder, relative to the ini file", default="")


def project_for(config: pytest.Config) -> Project:
    """The project the plugins act on (``pytest.UsageError`` naming the option if it is bad)."""
    given = config.getoption("--triggerspec-root")
    source = "--triggerspec-root"
    root: Path | None = Path(given) if given else None
    ini_value = str(config.getini(INI) or "")
    if root is None and ini_value:
        source = f"ini option {INI}"
        base = config.inipath.parent if config.inipath else config.rootpath
        root = base / ini_value
    try:
        if root is not None:
            return Project.from_root(root)
        return Project.discover(config.rootpath)
    except TriggerspecError as exc:
        named = f" ({source} {root})" if root is not None else ""
        raise pytest.UsageError(f"triggerspec{named}: {exc}") from None
