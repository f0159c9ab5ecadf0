"""Exchange two directories in one atomic step, so a reader never finds neither.

``generated/triggerspec_clients`` must stay a real directory (git and setuptools package
it), so a symlink swap is out; the kernel's exchanging rename is the single step instead:
Linux ``renameat2(..., RENAME_EXCHANGE)`` (3.15+, on the usual local filesystems), macOS
``renamex_np(..., RENAME_SWAP)``. Where neither exists (or the filesystem refuses), two
plain renames are the fallback, with a moment in which the target is missing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import sys
from pathlib import Path

AT_FDCWD = -100
RENAME_EXCHANGE = 2  # linux/fs.h
RENAME_SWAP = 2  # macOS sys/stdio.h


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _native_exchange(a: Path, b: Path) -> bool:
    """Try the kernel's exchanging rename; False when it is not available here."""
    if _LIBC is None:
        return False
    fa, fb = os.fsencode(a), os.fsencode(b)
    if sys.platform.startswith("linux") and hasattr(_LIBC, "renameat2"):
        result = _LIBC.renameat2(AT_FDCWD, fa, AT_FDCWD, fb, RENAME_EXCHANGE)
    elif sys.platform == "darwin" and hasattr(_LIBC, "renamex_np"):
        result = _LIBC.renamex_np(fa, fb, RENAME_SWAP)
    else:
        return False
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # old kernel, or a filesystem without exchange
    raise OSError(code, os.strerror(code), str(b))


def exchange(new: Path, target: Path) -> None:
    """Put the directory ``new`` at ``target`` and the old ``target`` at ``new``.

    Atomic where the kernel offers an exchanging rename; otherwise two renames.
    """
    if _native_exchange(new, target):
        return
    aside = new.with_name(new.name + "-old")
    target.rename(aside)
    new.rename(target)
    aside.rename(new)
