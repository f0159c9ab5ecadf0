"""``update``: a new page snapshot replaces the old one, then the drift and the next steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.drift.conftest import BASELINE, FIXTURES, run_cli

P004 = "004_947342d99e78c575.txt"


def test_update_copies_the_snapshot_and_shows_drift_and_next_steps(
    project_copy: Callable[[], Path],
) -> None:
    root = project_copy()
    snapshot = FIXTURES / "new-trigger-status" / P004
    run = run_cli("update", snapshot, root=root)
    assert run.code == 1  # the page now lists `queued`; the spec does not yet
    assert (root / "specs/docs" / P004).read_bytes() == snapshot.read_bytes()
    assert f"updated specs/docs/{P004} from {snapshot}" in run.out
    assert "line 169: the page lists 'queued' for 'trigger_status'" in run.out
    steps = run.out[run.out.index("next steps:") :]
    assert "1. edit specs/sourcecraft.yaml until `triggerspec docs check`" in steps
    assert "2. triggerspec regen" in steps
    assert "3. triggerspec diff specs/sourcecraft.yaml --against HEAD" in steps
    assert "4. python -m pytest -n 2" in steps
    assert "5. if the vendor publishes an OpenAPI document: triggerspec audit" in steps


def test_update_with_the_same_snapshot_copies_nothing(project_copy: Callable[[], Path]) -> None:
    root = project_copy()
    run = run_cli("update", BASELINE / "specs/docs" / P004, root=root)
    assert run.code == 0
    assert "already holds this snapshot; nothing copied" in run.out


def test_update_finds_the_page_by_number(project_copy: Callable[[], Path], tmp_path: Path) -> None:
    root = project_copy()
    capture = tmp_path / "sourcecraft-capture.txt"
    capture.write_bytes((FIXTURES / "new-trigger-status" / P004).read_bytes())
    run = run_cli("update", capture, "--page", "004", root=root)
    assert run.code == 1
    assert (root / "specs/docs" / P004).read_bytes() == capture.read_bytes()


def test_update_errors(project_copy: Callable[[], Path], tmp_path: Path) -> None:
    root = project_copy()
    missing = run_cli("update", tmp_path / "nope.txt", root=root)
    assert missing.code == 2
    assert "nope.txt: no such snapshot file" in missing.err
    capture = tmp_path / "capture.txt"
    capture.write_text("text")
    unknown = run_cli("update", capture, root=root)
    assert unknown.code == 2
    assert "'capture.txt' names no single page in specs/docs" in unknown.err
    assert P004 in unknown.err


def test_update_checks_the_snapshot_before_replacing_anything(
    project_copy: Callable[[], Path], tmp_path: Path
) -> None:
    root = project_copy()
    page = root / "specs/docs" / P004
    before = page.read_bytes()
    bad = {
        "latin1.txt": "Run Workflow\n\u00e9t\u00e9\nPOST https://x\n".encode("latin-1"),
        "binary.txt": b"POST https://api.sourcecraft.tech/a\n\x00\x01\x02\x03",
        "empty.txt": b"",
        "not-a-page.txt": b"just some notes\nwith no endpoint at all\n",
    }
    for name, data in bad.items():
        capture = tmp_path / name
        capture.write_bytes(data)
        run = run_cli("update", capture, "--page", "004", root=root)
        assert run.code == 2, name
        assert str(capture) in run.err, name
        assert "Traceback" not in run.err
        assert page.read_bytes() == before, f"{name} replaced the page"
    assert (
        "not UTF-8 text"
        in run_cli("update", tmp_path / "latin1.txt", "--page", "004", root=root).err
    )
