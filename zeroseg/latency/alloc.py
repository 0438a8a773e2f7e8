"""Steady-state host memory while timing: keep freed activation buffers in the process.

glibc's malloc serves large blocks (≥ 128 KiB, adaptively up to 32 MiB) with ``mmap`` and returns
them to the OS on ``free``, so every CPU forward pass page-faults and zeroes its activations anew:
an attnas network at 360×480 took 32–40 k minor faults and 63–138 ms of kernel time per forward
(a third of its CPU time), and that kernel time swings with other jobs' load, the main noise in
our latency measurements. A serving process runs many frames and keeps its buffers (as PyTorch's
CPU tuning guide does with jemalloc/tcmalloc, and its CUDA caching allocator does on the GPU), so
while timing we raise glibc's mmap and trim thresholds (``mallopt``). Afterwards they are set to
where glibc's own adaptive thresholds settle after large frees (32 MiB mmap, 64 MiB trim: setting
them by hand switches the adaptation off, and its 128 KiB start would re-fault every tensor) and
the retained memory is released (``malloc_trim``). Not glibc (macOS, musl): a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc <malloc.h>
_AFTER = {M_MMAP_THRESHOLD: 32 << 20, M_TRIM_THRESHOLD: 64 << 20}  # glibc's adaptive maximum (64-bit)
_KEEP = 1 << 30


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    """glibc, if this process runs on it (``find_library`` may spawn ``ldconfig``: done once)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


@contextmanager
def kept_memory(enabled: bool = True) -> Iterator[bool]:
    """Within the block, freed large buffers stay in the process; yields whether that took effect."""
    libc = _libc() if enabled else None
    ok = bool(libc and libc.mallopt(M_TRIM_THRESHOLD, _KEEP) and libc.mallopt(M_MMAP_THRESHOLD, _KEEP))
    try:
        yield ok
    finally:
        if libc is not None:
            for option, value in _AFTER.items():
                libc.mallopt(option, value)
            libc.malloc_trim(0)
