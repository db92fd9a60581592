"""Memory management for a big run: freed memory handed back to the system between its phases (glibc's
allocator only), and the cyclic garbage collector paused while it runs.

Why: glibc serves a large allocation (a numpy array of a million rows) from its own heap once a block of
that size was freed before — its mmap threshold rises with every large free, up to 32 MB — and memory on
that heap is not given back while anything above it lives. On the million-row benchmark the end-of-file
searches grew the process by 340 MB that was free but still resident; with the threshold fixed, every
array over it is mapped on its own and unmapped when freed, so the resident size follows what is alive.

Why pause the collector: a block run makes millions of small container objects (transform outcomes, issues,
cluster members) that never form cycles, and each of them counts towards the collector's next pass over
everything alive — on the million-row benchmark those passes were a fifth of the run (validate 70.6 s with
the collector, 56.4 s without, the same peak memory: the run leaves no cyclic garbage worth collecting).

What a caller may rely on: `paused_collector()` restores the collector's previous state on the way out,
exception or not. `return_freed_memory()` never raises and changes no result; it is a no-op where
the C library is not glibc (macOS, Windows, musl). It sets a process-wide allocator option, which stays
set: arrays over `MAP_THRESHOLD` are mapped for the rest of the process (a notebook's too), which costs a
page fault per 4 KB on first touch and nothing else.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

__all__ = ["MAP_THRESHOLD", "paused_collector", "return_freed_memory"]

#: allocations of this many bytes or more get their own mapping (glibc's initial default, then fixed)
MAP_THRESHOLD = 128 * 1024

_M_MMAP_THRESHOLD = -3  # <malloc.h>


@lru_cache(maxsize=1)
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it (musl's libc.so.6 does not)
    except (OSError, AttributeError):
        return None
    return libc


def return_freed_memory() -> bool:
    """Give the freed heap back (`malloc_trim`) and fix the mmap threshold at `MAP_THRESHOLD`, so that large
    arrays freed later go back too. True when the allocator took both."""
    libc = _glibc()
    if libc is None:
        return False
    try:
        fixed = libc.mallopt(_M_MMAP_THRESHOLD, MAP_THRESHOLD) == 1
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - a libc without the calls
        return False
    return fixed


@contextmanager
def paused_collector() -> Iterator[None]:
    """The cyclic garbage collector off inside the block, back to what it was after it (reference counting
    still frees everything that is not in a cycle, as soon as it is unreachable)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
