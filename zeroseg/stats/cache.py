"""On-disk statistics cache: one checked file per entry, atomic writes, LRU eviction by size.

Proxy discovery evaluates thousands of candidate proxies on the same architectures' statistics
(DESIGN.md, "Where the time goes"): collecting costs seconds per arch at 256², a hit milliseconds.
Safety: an entry is written to a temporary file in the cache folder and renamed into place
(``os.replace`` is atomic), so concurrent writers of the same key each leave a complete file and a
reader never sees a partial one. Every read checks length and sha256 (``serial``); a corrupt or
truncated entry, or one whose stored key is not the key asked for (an entry moved or copied to
another name), is deleted and reported as a miss, so ``get_or_compute`` recomputes it. Recency is
the file's mtime (touched on every hit); ``put`` evicts the least recently used entries while the
folder holds more than ``max_bytes``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import torch

from zeroseg.atomic import atomic_write
from zeroseg.stats import serial, sketch
from zeroseg.stats.types import NetStats

FORMAT_VERSION = 1
SUFFIX = ".zss"
_KEY = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]{0,127}")
_STALE_TMP_S = 3600.0
KEY_FIELD = "cache_key"  # the key an entry was written under, inside its checksummed payload


def cache_key(
    space: str,
    net_code: str,
    resolution: int | tuple[int, int],
    batch: str | int,
    seed: int,
    dtype: torch.dtype | str,
    *,
    max_rows: int | None = sketch.DEFAULT_MAX_ROWS,
    max_units: int | None = sketch.DEFAULT_MAX_UNITS,
    input_jacobian: bool = False,
    extra: dict | None = None,
) -> str:
    """A stable 40-hex-digit key for one architecture's statistics.

    ``batch`` names the inputs (``batch_id(batch_size)`` for the shipped batch); ``seed`` must be
    the seed that fixed both the network's initialisation and the collection. The format version
    and the torch version are part of the key (bitwise results may change with either); ``extra``
    holds any other JSON-able setting that changes the statistics.
    """
    res = [resolution, resolution] if isinstance(resolution, int) else [int(v) for v in resolution]
    fields = {
        "format": FORMAT_VERSION, "torch": torch.__version__, "space": space, "net_code": net_code,
        "resolution": res, "batch": batch, "seed": int(seed), "dtype": str(dtype).removeprefix("torch."),
        "max_rows": max_rows, "max_units": max_units, "input_jacobian": bool(input_jacobian), "extra": extra or {},
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:40]


def derived_key(stats: NetStats) -> str | None:
    """The key an entry's own metadata implies (entries written before the key was stored in them);
    ``None`` when the metadata lacks a setting the key needs."""
    m = stats.meta
    try:
        return cache_key(m["space"], m["net_code"], tuple(m["resolution"]), m["batch_id"], m["seed"], m["dtype"],
                         max_rows=m["sketch"]["max_rows"], max_units=m["sketch"]["max_units"],
                         input_jacobian=stats.input_jacobian is not None)
    except (KeyError, TypeError):
        return None


class StatsCache:
    """A folder of ``<key>.zss`` entries bounded to ``max_bytes`` (default 4 GiB)."""

    def __init__(self, root: str | os.PathLike, max_bytes: int = 4 << 30) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_bytes = int(max_bytes)
        self.hits = self.misses = self.corrupt = 0

    def path(self, key: str) -> Path:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError(f"cache key must match {_KEY.pattern!r} (e.g. from cache_key), got {key!r}")
        return self.root / f"{key}{SUFFIX}"

    def get(self, key: str) -> NetStats | None:
        """The entry, or ``None`` on a miss (absent, or corrupt: then the file is removed)."""
        path = self.path(key)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            self.misses += 1
            return None
        except IsADirectoryError:
            raise ValueError(f"statistics cache entry {path} is a folder, not a file; remove it") from None
        try:
            stats = serial.decode(blob)
            stored = stats.meta.pop(KEY_FIELD, None)
            legacy = stored is None and derived_key(stats) == key
            if stored != key and not legacy:  # an entry moved or copied to another key: another arch's statistics
                raise serial.CorruptStats(f"entry holds key {stored!r}")
        except serial.CorruptStats:
            self.corrupt += 1
            self.misses += 1
            _unlink(path)
            return None
        try:
            os.utime(path)  # recency for LRU eviction
        except FileNotFoundError:
            pass  # evicted by another process meanwhile; the data read is still valid
        self.hits += 1
        if legacy:  # written before keys were stored: its settings re-derive the key; store it from now on
            self.put(key, stats)
        return stats

    def put(self, key: str, stats: NetStats) -> None:
        """Write atomically (temporary file + rename), then evict down to ``max_bytes``."""
        path, blob = self.path(key), serial.encode(replace(stats, meta={**stats.meta, KEY_FIELD: key}))
        atomic_write(path, blob)
        self.evict(keep=path)

    def get_or_compute(self, key: str, fn: Callable[[], NetStats]) -> NetStats:
        stats = self.get(key)
        if stats is None:
            stats = fn()
            self.put(key, stats)
        return stats

    def entries(self) -> list[tuple[float, int, Path]]:
        """(mtime, size, path) of every complete entry, oldest first."""
        out = []
        for p in self.root.glob(f"*{SUFFIX}"):
            if p.name.startswith("."):
                continue
            try:
                st = p.stat()
            except FileNotFoundError:
                continue
            out.append((st.st_mtime, st.st_size, p))
        return sorted(out)

    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def __len__(self) -> int:
        return len(self.entries())

    def evict(self, keep: Path | None = None) -> None:
        """Delete least recently used entries until at most ``max_bytes`` remain (``keep`` last),
        and temporary files abandoned by crashed writers."""
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        entries.sort(key=lambda e: (e[2] == keep, e[0]))
        for _, size, p in entries:
            if total <= self.max_bytes:
                break
            _unlink(p)
            total -= size
        now = time.time()
        for tmp in self.root.glob(".*.tmp"):
            try:
                if now - tmp.stat().st_mtime > _STALE_TMP_S:
                    _unlink(tmp)
            except FileNotFoundError:
                continue


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
