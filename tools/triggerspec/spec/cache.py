"""One read of a spec per process, while its files are unchanged.

The mock and the fuzz runner of one process (the CLI, each worker, each task's embedded
mock, the pytest plugins) share one read of a large document (GitHub's: 13 MB, about half a
second) and the operations built from it, each read on first use (:func:`parse_api` with
``lazy``). A file is known unchanged by its inode, size and modification time; one that
changed shortly before it was read (within its timestamp's resolution of a change that
keeps the size) is compared by content hash.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from triggerspec.spec.model import Api, load_api

__all__ = ["cached_api"]


@dataclass(frozen=True)
class _Loaded:
    api: Api
    stats: tuple[tuple[Path, int, int, int], ...]
    """Each file's ``(path, inode, size, modification time in ns)`` when it was read."""
    read_at_ns: int


_LOADED: dict[tuple[Path, str | None], _Loaded] = {}
_LOADED_LOCK = threading.Lock()
_RACY_NS = 2_000_000_000
"""A file modified this close before it was read may change again within its timestamp's
resolution (the same size, the same time): its content hash is compared instead (a spec of
several files is read again)."""


def _stats(files: tuple[Path, ...]) -> tuple[tuple[Path, int, int, int], ...]:
    return tuple((f, (st := f.stat()).st_ino, st.st_size, st.st_mtime_ns) for f in files)


def _fresh(found: _Loaded) -> bool:
    """Whether the files ``found`` was read from are unchanged since."""
    stats = _stats(found.api.document.files)
    if stats != found.stats:
        return False
    if all(found.read_at_ns - mtime > _RACY_NS for *_, mtime in stats):
        return True
    document = found.api.document
    return len(stats) == 1 and hashlib.sha256(document.path.read_bytes()).hexdigest() == (
        document.sha256
    )


def cached_api(path: Path, display: str | None = None) -> Api:
    """:func:`load_api` with ``lazy``, read once per process while its files are unchanged.

    The mock and the fuzz runner of one process (the CLI, each worker, each task's embedded
    mock) share one read of a large document, and the operations built from it.
    """
    key = (path.resolve(), display)
    with _LOADED_LOCK:
        found = _LOADED.get(key)
    try:
        if found is not None and _fresh(found):
            return found.api
    except OSError:
        pass
    read_at = time.time_ns()
    api = load_api(path, display, lazy=True)
    try:
        stats = _stats(api.document.files)
    except OSError:
        return api
    with _LOADED_LOCK:
        if len(_LOADED) >= 64:
            _LOADED.clear()
        _LOADED[key] = _Loaded(api, stats, read_at)
    return api
