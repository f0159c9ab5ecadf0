"""The page index declares each page's format (its reader), URL and rendering; a page the
index does not list takes the format of the ``x-source`` that cites it. No vendor name
chooses a reader."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.drift.conftest import run_cli
from triggerspec.drift.extract import READERS
from triggerspec.drift.index import read_index
from triggerspec.errors import UsageError


def test_every_committed_page_declares_a_known_format_and_a_url() -> None:
    index = read_index(ROOT / "specs" / "docs")
    pages = sorted(p.name for p in (ROOT / "specs" / "docs").glob("*.txt"))
    assert sorted(index) == pages
    for page in index.values():
        assert page.format in READERS and page.url and page.url.startswith("https://")
        assert page.render in ("static", "scripts")


def test_a_bad_render_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "INDEX.md").write_text(
        "| file | format | url | render |\n|---|---|---|---|\n"
        "| a.txt | bullet-tree | https://x | js |\n"
    )
    with pytest.raises(UsageError, match=r"INDEX\.md:3: render must be one of static, scripts"):
        read_index(tmp_path)
    assert read_index(tmp_path / "nowhere") == {}


def _page(root: Path, name: str) -> dict[str, object]:
    run = run_cli("docs", "check", "--json", root=root)
    pages = json.loads(run.out)["pages"]
    return next(p for p in pages if str(p["page"]).endswith(name))


def test_without_an_index_row_the_x_source_format_decides(
    project_copy: Callable[[], Path],
) -> None:
    root = project_copy()
    page = "003_3d60e4de50c50917.txt"
    listed = _page(root, page)
    assert listed["format"] == "bullet-tree" and listed["fields"]
    (root / "specs" / "docs" / "INDEX.md").unlink()
    unlisted = _page(root, page)
    assert unlisted["format"] == "" and unlisted["fields"] == 0
    assert any("no reader" in str(n) for n in unlisted["notes"])  # type: ignore[attr-defined]
    spec = root / "specs" / "northflank.yaml"
    raw = yaml.safe_load(spec.read_text())
    raw["info"]["x-source"]["format"] = "bullet-tree"
    spec.write_text(yaml.safe_dump(raw, sort_keys=False))
    declared = _page(root, page)
    assert declared["format"] == "bullet-tree" and declared["fields"] == listed["fields"]
