"""``docs fetch``: capture the vendor pages from their URLs, in the snapshot format.

Each page's URL, format and rendering come from the page index
(:mod:`triggerspec.drift.index`). A page is fetched with a conditional request: the ETag and
Last-Modified of the last capture (kept in ``fetch-state.json`` beside the captures) go out
as ``If-None-Match`` / ``If-Modified-Since``, and a ``304`` means the page is unchanged, so
nothing is written. A changed page is converted to text (:mod:`triggerspec.drift.htmltext`)
and written to the captures folder, never over the snapshots unless asked to (``--update``
writes into ``specs/docs``). A page declared ``render: scripts`` is rendered by headless
Chromium (Debian's ``chromium``), only when its conditional request says it changed; without
Chromium it is skipped with a message saying so.

Pages are hostile input: only ``http``/``https`` URLs, a size cap, a time limit per request,
and the HTML is parsed, never run (Chromium runs the page's scripts in its own sandbox).

Example:
    >>> results = fetch_pages(list(read_index(Path("specs/docs")).values()), Path("captures"))
    >>> [(r.name, r.status) for r in results]
    [('000_76d2020eb65f967f.txt', 'changed'), ...]
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from triggerspec.drift.htmltext import html_to_text
from triggerspec.drift.index import IndexedPage
from triggerspec.errors import UsageError

STATE_NAME = "fetch-state.json"
MAX_BYTES = 5 * 1024 * 1024
CHROMIUM = ("chromium", "chromium-browser")
Status = Literal["changed", "same", "unchanged", "skipped", "failed"]


@dataclass(frozen=True)
class Fetched:
    """What happened to one page."""

    name: str
    url: str
    status: Status
    message: str
    written: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def _load_state(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _validators(entry: dict[str, str] | None, url: str) -> dict[str, str]:
    if not entry or entry.get("url") != url:
        return {}
    headers = {}
    if entry.get("etag"):
        headers["If-None-Match"] = entry["etag"]
    if entry.get("last_modified"):
        headers["If-Modified-Since"] = entry["last_modified"]
    return headers


def _chromium() -> str | None:
    return next((found for name in CHROMIUM if (found := shutil.which(name))), None)


def _render(url: str, timeout: float) -> str:
    """The DOM of ``url`` after its scripts ran, from headless Chromium."""
    binary = _chromium()
    assert binary is not None
    done = subprocess.run(
        [binary, "--headless", "--disable-gpu", "--no-sandbox", "--dump-dom", url],
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited {done.returncode}")
    return done.stdout[:MAX_BYTES].decode("utf-8", "replace")


def _get(client: httpx.Client, url: str, headers: dict[str, str]) -> tuple[httpx.Response, str]:
    with client.stream("GET", url, headers=headers) as response:
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_BYTES:
                raise ValueError(f"larger than {MAX_BYTES} bytes; not a documentation page")
        encoding = response.encoding or "utf-8"
        return response, bytes(body).decode(encoding, "replace")


def fetch_pages(
    pages: Sequence[IndexedPage],
    out_dir: Path,
    *,
    snapshots: Path | None = None,
    timeout: float = 30.0,
    client: httpx.Client | None = None,
) -> list[Fetched]:
    """Capture ``pages`` into ``out_dir``; validators are read and kept in its state file.

    Args:
        pages: the index rows to fetch (each with a URL).
        out_dir: where captures go (created); ``specs/docs`` itself for an update.
        snapshots: the committed snapshots, to tell a changed page from the same text and
            to start from their validators when ``out_dir`` has none.
        timeout: seconds per request (and per Chromium run).
        client: an httpx client to use (tests pass one bound to a local server).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    state_file = out_dir / STATE_NAME
    state = _load_state(state_file)
    if snapshots is not None and not state:
        state = _load_state(snapshots / STATE_NAME)
    own = client is None
    http = client or httpx.Client(
        follow_redirects=True,
        timeout=timeout,
        headers={"User-Agent": "triggerspec-docs-fetch"},
    )
    results: list[Fetched] = []
    try:
        for page in pages:
            result, entry = _fetch_one(
                http, page, out_dir, snapshots, state.get(page.name), timeout
            )
            if entry is not None:
                state[page.name] = entry
            results.append(result)
    finally:
        if own:
            http.close()
    state_file.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return results


def _fetch_one(
    http: httpx.Client,
    page: IndexedPage,
    out_dir: Path,
    snapshots: Path | None,
    entry: dict[str, str] | None,
    timeout: float,
) -> tuple[Fetched, dict[str, Any] | None]:
    url = page.url or ""
    if not url.startswith(("http://", "https://")):
        return Fetched(page.name, url, "failed", "no http(s) URL in the page index"), None
    if "/" in page.name or "\\" in page.name or page.name.startswith("."):
        return Fetched(page.name, url, "failed", "not a plain file name"), None
    try:
        response, html = _get(http, url, _validators(entry, url))
    except (httpx.HTTPError, ValueError) as exc:
        return Fetched(page.name, url, "failed", f"{type(exc).__name__}: {exc}"), None
    if response.status_code == 304:
        return Fetched(page.name, url, "unchanged", "not modified since the last capture"), None
    if response.status_code != 200:
        return Fetched(page.name, url, "failed", f"HTTP {response.status_code}"), None
    if page.render == "scripts":
        if _chromium() is None:
            message = (
                "skipped: the page needs scripts and no headless Chromium is installed "
                "(Debian: apt-get install chromium)"
            )
            return Fetched(page.name, url, "skipped", message), None
        try:
            html = _render(url, timeout)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
            return Fetched(page.name, url, "failed", f"chromium: {exc}"), None
    text = html_to_text(html)
    target = out_dir / page.name
    target.write_text(text, encoding="utf-8")
    before = snapshots / page.name if snapshots is not None else None
    same = before is not None and before.is_file() and before.read_text("utf-8") == text
    validators = {
        "url": url,
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
    }
    status: Status = "same" if same else "changed"
    message = "same text as the snapshot" if same else "new text captured"
    return Fetched(page.name, url, status, message, target), validators


def select_pages(index: dict[str, IndexedPage], wanted: Sequence[str]) -> list[IndexedPage]:
    """The index rows ``wanted`` names (file names or number prefixes); all when empty.

    Raises:
        UsageError: a name matches no page, or more than one.
    """
    if not wanted:
        return [index[name] for name in sorted(index)]
    chosen: list[IndexedPage] = []
    for name in wanted:
        found = [p for n, p in sorted(index.items()) if n == name or n.split("_", 1)[0] == name]
        if len(found) != 1:
            known = ", ".join(sorted(index))
            raise UsageError(f"{name!r} names no single page of the index (pages: {known})")
        chosen.append(found[0])
    return chosen
