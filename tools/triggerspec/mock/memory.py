"""Give freed memory back to the operating system (glibc), so a reset mock shrinks again.

CPython returns large blocks to ``malloc``, but glibc keeps freed heap memory for reuse and
raises its mmap threshold after a large block is freed (up to 32 MiB), so a stream of
20 MiB request bodies ends up on the heap, where fragments pin it. :func:`pin_mmap_threshold`
keeps blocks from 1 MiB up on their own mappings (unmapped when freed), and :func:`trim`
hands free heap pages back after a reset. Both do nothing where glibc is not the allocator.

Why 1 MiB: the socket reads of a large upload come in blocks of up to 256 KiB; at glibc's
initial 128 KiB each of them was a fresh mapping, faulted in page by page and unmapped
again, and a 20 MiB upload took 0.27 s instead of 0.15 s. Blocks under 1 MiB are reused
from the heap; a body (or a part of it) of 1 MiB or more still gets its own mapping.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

M_MMAP_THRESHOLD = -3  # malloc.h
MMAP_THRESHOLD = 1024 * 1024


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_LIBC = _glibc()


def pin_mmap_threshold() -> bool:
    """Serve every block of 128 KiB or more from its own mapping; False where unsupported."""
    return _LIBC is not None and bool(_LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def trim() -> bool:
    """Collect garbage, then return free heap memory to the system; False where unsupported."""
    gc.collect()
    return _LIBC is not None and bool(_LIBC.malloc_trim(0))
