"""Steady-state host memory: keep freed buffers in the process while a hot loop runs.

glibc's malloc serves large blocks (≥ 128 KiB, adaptively up to 32 MiB) with ``mmap`` and returns
them to the OS on ``free``, and it shrinks a thread's arena as soon as its top is free, so a loop
that allocates and frees the same tensors page-faults and zeroes them anew on every pass. Two hot
loops hit this:

- latency timing (``zeroseg.latency.measure``): an attnas network at 360×480 took 32–40 k minor
  faults and 63–138 ms of kernel time per CPU forward (a third of its CPU time), and that kernel
  time swings with other jobs' load, the main noise in our measurements. A serving process keeps
  its buffers (as PyTorch's CPU tuning guide does with jemalloc/tcmalloc, and its CUDA caching
  allocator does on the GPU);
- candidate evaluation on Dask workers (``zeroseg.evolution.executors``): tasks run in a worker
  thread, whose non-main arena is trimmed back to the OS after every free, and Dask's nanny also
  sets ``MALLOC_TRIM_THRESHOLD_=65536``; a 300-candidate chunk took 250–450 k minor faults and
  20–30% more CPU than the same chunk on a main thread (20 k faults).

Within ``kept_memory`` (timing) glibc's mmap and trim thresholds are raised (``mallopt``).
Afterwards they are set to where glibc's own adaptive thresholds settle after large frees (32 MiB
mmap, 64 MiB trim: setting them by hand switches the adaptation off, and its 128 KiB start would
re-fault every tensor) and the retained memory is released (``malloc_trim``). A worker process
instead calls ``retain_freed_memory`` once: it sets those settled thresholds for good, so that
freed buffers stay between chunks too, and holds at most 64 MiB of free memory beyond its peak use.
Discovery's pooled evaluation (``zeroseg.dsl.pool``) calls ``hold_freed_memory``: its temporaries over
50 archs reach 92 MB (one W-sized value), above the settled 32 MiB, and re-faulting them every
generation was 30% of a generation's time; so every freed block stays in the process for good, which
then holds its peak use. Not glibc (macOS, musl): a no-op.
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


@lru_cache(maxsize=1)
def retain_freed_memory() -> bool:
    """Once per process: glibc's settled thresholds (``_AFTER``), overriding an environment's
    ``MALLOC_TRIM_THRESHOLD_`` (Dask's nanny sets 64 KiB); returns whether that took effect."""
    libc = _libc()
    return bool(libc) and all(libc.mallopt(option, value) for option, value in _AFTER.items())


@lru_cache(maxsize=1)
def hold_freed_memory() -> bool:
    """Once per process, for good: freed blocks up to 1 GiB stay in the process (mmap and trim thresholds
    raised); returns whether that took effect. A later ``kept_memory`` block restores the settled ones."""
    libc = _libc()
    return bool(libc) and all(libc.mallopt(option, _KEEP) for option in (M_TRIM_THRESHOLD, M_MMAP_THRESHOLD))


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
