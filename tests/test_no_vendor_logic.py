"""Vendor differences are data: no code in ``tools/`` names a vendor.

Presets (``tools/triggerspec/presets/``) and docstrings may name one, as examples; the docs
drift readers (``tools/triggerspec/drift/``) are keyed by page format in their own work.
Every other string, identifier and attribute in the toolkit's code is checked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

VENDORS = re.compile(r"cloudflare|northflank|sourcecraft", re.IGNORECASE)
TOOLS = ROOT / "tools" / "triggerspec"
EXEMPT = (TOOLS / "drift", TOOLS / "presets")


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            for stmt in body:  # the docstring, and attribute docstrings after assignments
                if (
                    isinstance(stmt, ast.Expr)
                    and isinstance(stmt.value, ast.Constant)
                    and isinstance(stmt.value.value, str)
                ):
                    found.add(id(stmt.value))
    return found


def vendor_names_in_code(path: Path, shown: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value
        elif isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            text = node.name
        if text is not None and VENDORS.search(text):
            found.append(f"{shown}:{getattr(node, 'lineno', 0)}: {text[:60]!r}")
    return found


def test_no_vendor_name_in_toolkit_code() -> None:
    files = [p for p in TOOLS.rglob("*.py") if not any(p.is_relative_to(e) for e in EXEMPT)]
    assert files
    found = [
        hit
        for path in sorted(files)
        for hit in vendor_names_in_code(path, str(path.relative_to(ROOT)))
    ]
    assert found == []


def test_the_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text(
        '"""Cloudflare in a docstring is fine."""\n'
        "def northflank_only(vendor: str) -> bool:\n"
        '    """Northflank: fine here too."""\n'
        '    return vendor == "SourceCraft"\n'
    )
    assert vendor_names_in_code(sample, "x.py") == [
        "x.py:2: 'northflank_only'",
        "x.py:4: 'SourceCraft'",
    ]
