"""``docs fetch``: pages captured from a local server on 127.0.0.1, in the snapshot format.

The server serves the saved HTML fixtures (``tests/drift/fixtures/pages``, shaped like each
vendor's page, see :mod:`tests.drift.pages_html`) with ETag and Last-Modified, and answers
conditional requests with 304. Nothing leaves this machine.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.drift.conftest import run_cli
from triggerspec.drift import fetch as fetch_module
from triggerspec.drift.extract import extract_page, extract_text
from triggerspec.drift.fetch import fetch_pages
from triggerspec.drift.index import IndexedPage, read_index
from triggerspec.drift.view import PageView, path_text

PAGES = Path(__file__).parent / "fixtures" / "pages"
DOCS = ROOT / "specs" / "docs"
LAST_MODIFIED = "Tue, 01 Dec 2026 10:00:00 GMT"


@dataclass
class Site:
    """What the local server serves and what it was asked."""

    pages: dict[str, bytes] = field(default_factory=dict)
    conditional: list[str] = field(default_factory=list)
    base: str = ""

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site({p.name: p.read_bytes() for p in PAGES.glob("*.html")})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.lstrip("/")
            body = served.pages.get(name)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                served.conditional.append(name)
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _index(site: Site, render: str = "static") -> list[IndexedPage]:
    return [
        IndexedPage(name, page.format, site.url(name.replace(".txt", ".html")), render)
        for name, page in sorted(read_index(DOCS).items())
    ]


def _view(view: PageView) -> tuple[object, ...]:
    return (
        sorted(
            (fl.part, str(fl.status), tuple(sorted(path_text(f.path) for f in fl.fields)))
            for fl in view.field_lists
        ),
        [(c.method, c.url, c.headers) for c in view.curls],
        [(e.role, e.status, e.value) for e in view.examples],
        [(e.method, e.target) for e in view.endpoints],
        view.deprecated is not None,
        view.replacement and (view.replacement.method, view.replacement.target),
    )


def test_every_fixture_round_trips_to_the_snapshot_format(site: Site, tmp_path: Path) -> None:
    pages = _index(site)
    results = fetch_pages(pages, tmp_path / "captures", snapshots=DOCS)
    assert all(r.status in ("changed", "same") for r in results), results
    for page, result in zip(pages, results, strict=True):
        assert result.written == tmp_path / "captures" / page.name
        captured = extract_page(result.written, page.format)
        snapshot = extract_page(DOCS / page.name, page.format)
        assert _view(captured) == _view(snapshot), page.name
        assert "window.analytics" not in result.written.read_text()  # scripts are dropped
    # the captures pass `docs check --docs` exactly as the snapshots do
    run = run_cli("docs", "check", "--docs", tmp_path / "captures", root=ROOT)
    assert run.code == 0, run.out


def test_conditional_requests_skip_unchanged_pages(site: Site, tmp_path: Path) -> None:
    pages = _index(site)
    out = tmp_path / "captures"
    fetch_pages(pages, out, snapshots=DOCS)
    written = {p.name: (out / p.name).stat().st_mtime_ns for p in pages}
    again = fetch_pages(pages, out, snapshots=DOCS)
    assert [r.status for r in again] == ["unchanged"] * len(pages)
    assert sorted(site.conditional) == sorted(p.url.rsplit("/", 1)[1] for p in pages if p.url)
    assert {p.name: (out / p.name).stat().st_mtime_ns for p in pages} == written
    first = pages[0]
    html_name = first.name.replace(".txt", ".html")
    site.pages[html_name] = site.pages[html_name].replace(b"</main>", b"<p>New field</p></main>")
    changed = fetch_pages(pages, out, snapshots=DOCS)
    assert changed[0].status == "changed"
    assert "New field" in (out / first.name).read_text()


def test_a_page_that_needs_scripts_is_skipped_without_chromium(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "_chromium", lambda: None)
    (result,) = fetch_pages(_index(site, render="scripts")[:1], tmp_path / "c")
    assert result.status == "skipped" and result.ok
    assert "headless Chromium" in result.message and result.written is None


def test_hostile_or_missing_pages_fail_clearly(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "MAX_BYTES", 1000)
    site.pages["big.html"] = b"<p>" + b"x" * 5000 + b"</p>"
    pages = [
        IndexedPage("a.txt", "bullet-tree", site.url("big.html")),
        IndexedPage("b.txt", "bullet-tree", site.url("missing.html")),
        IndexedPage("c.txt", "bullet-tree", "file:///etc/passwd"),
        IndexedPage("../d.txt", "bullet-tree", site.url("big.html")),
    ]
    results = fetch_pages(pages, tmp_path / "c")
    assert [r.status for r in results] == ["failed"] * 4
    messages = [r.message for r in results]
    assert "larger than 1000 bytes" in messages[0]
    assert messages[1] == "HTTP 404"
    assert "no http(s) URL" in messages[2] and "plain file name" in messages[3]
    assert not list((tmp_path / "c").glob("*.txt"))


@pytest.fixture
def project(site: Site, project_copy: Callable[[], Path]) -> Path:
    """The baseline project with its index pointing at the local server."""
    root = project_copy()
    index = root / "specs" / "docs" / "INDEX.md"
    text = index.read_text()
    for name, page in read_index(index.parent).items():
        assert page.url is not None
        text = text.replace(page.url, site.url(name.replace(".txt", ".html")))
    index.write_text(text)
    return root


def test_cli_writes_captures_and_never_the_snapshots(project: Path) -> None:
    docs = project / "specs" / "docs"
    before = {p.name: p.read_bytes() for p in docs.glob("*.txt")}
    run = run_cli("docs", "fetch", root=project)
    assert run.code == 0, run.err
    assert "next: triggerspec docs check --docs captures" in run.out
    assert {p.name: p.read_bytes() for p in docs.glob("*.txt")} == before
    captures = sorted(p.name for p in (project / "captures").glob("*.txt"))
    assert captures == sorted(before)
    assert (project / "captures" / "fetch-state.json").is_file()
    one = run_cli("docs", "fetch", "003", "--out", project / "other", root=project)
    assert one.code == 0 and [p.name for p in (project / "other").glob("*.txt")] == [
        "003_3d60e4de50c50917.txt"
    ]


def test_cli_update_writes_over_the_snapshots(project: Path) -> None:
    page = project / "specs" / "docs" / "004_947342d99e78c575.txt"
    run = run_cli("docs", "fetch", "004", "--update", root=project)
    assert run.code == 0, run.err
    view = extract_text(page.read_text(), page.name, page.name, "name-type-table")
    assert _view(view) == _view(extract_page(DOCS / page.name, "name-type-table"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["docs", "fetch", "999"], "names no single page"),
        (["docs", "fetch", "--update", "--out", "x"], "leave out --out"),
        (["docs", "fetch", "--timeout", "0"], "--timeout"),
    ],
)
def test_cli_usage_errors(project: Path, argv: list[str], message: str) -> None:
    run = run_cli(*argv, root=project)
    assert run.code == 2 and message in run.err


def test_an_unreachable_server_is_a_failure(project: Path, site: Site) -> None:
    shutil.rmtree(project / "captures", ignore_errors=True)
    site.pages.clear()
    run = run_cli("docs", "fetch", "000", root=project)
    assert run.code == 1 and "HTTP 404" in run.out


def test_a_changed_capture_gives_a_pull_request_report(project: Path, site: Site) -> None:
    name = "004_947342d99e78c575.html"
    page = site.pages[name].decode()
    assert "Enum: already_exists, created, nothing_to_start" in page
    site.pages[name] = page.replace("nothing_to_start", "nothing_to_start, queued", 1).encode()
    assert run_cli("docs", "fetch", "004", root=project).code == 0
    report = run_cli("docs", "check", "--docs", project / "captures", "--markdown", root=project)
    assert report.code == 1
    assert report.out.startswith("### triggerspec docs check")
    assert "| `captures/004_947342d99e78c575.txt` |" in report.out
    assert "'queued'" in report.out and "[enum-value-not-in-spec]" in report.out


def test_the_ci_example_runs_real_commands() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "ci" / "vendor-docs-drift.yml").read_text())
    steps = workflow["jobs"]["drift"]["steps"]
    script = "\n".join(str(s.get("run", "")) for s in steps)
    for command in ("docs fetch --out captures", "docs check --docs captures --markdown"):
        assert f"triggerspec {command}" in script
    assert "triggerspec audit" in script and "--format markdown" in script
    assert any("schedule" in str(k) for k in workflow.get(True, workflow.get("on", {})))


def test_a_page_that_needs_scripts_is_rendered_by_headless_chromium(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a stand-in for Debian's chromium: prints the DOM "after the scripts ran"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    rendered = tmp_path / "rendered.html"
    rendered.write_text("<main><p>Rendered by scripts</p></main>")
    fake = bin_dir / "chromium"
    fake.write_text(
        f'#!/bin/sh\nfor a; do [ "$a" = --dump-dom ] && exec /bin/cat {rendered}; done\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    (result,) = fetch_pages(_index(site, render="scripts")[:1], tmp_path / "c")
    assert result.status == "changed", result.message
    assert result.written is not None
    assert result.written.read_text() == "Rendered by scripts\n"
