"""The user's cache of estimated AVT bounds: one verified entry per (setup, proxy, sample size, seed).

Why: estimating SasWOT's min/max scores ``n`` random networks (a search at a non-default input size
spent 75% more scorings on it), so an estimate is made once per setup and reused by every later
search, score or discovery under the same setup. The file is ``cache_root()/avt.json``, written through
the one atomic write with a sha256 of its body (``zeroseg.jsonio``); each entry stores its own key
(``<setup key>|<proxy>|n<n>|seed<seed>``). A damaged, edited or older-format file, or an entry whose
stored key or range does not match, is refused with one line and re-estimated, never used.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from zeroseg.jsonio import read_json, write_json
from zeroseg.paths import cache_root

FORMAT = "zeroseg-avt-cache/1"

Log = Callable[[str], None]


def cache_file() -> Path:
    """``avt.json`` in zeroseg's cache root (``$ZEROSEG_CACHE`` or the user cache)."""
    return cache_root() / "avt.json"


def entry_key(setup_key: str, proxy: str, n: int, seed: int) -> str:
    """What one estimate depends on: the setup, the proxy, how many networks and which draw."""
    return f"{setup_key}|{proxy}|n{int(n)}|seed{int(seed)}"


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=8)
def _read(path: Path, stamp: tuple[int, int]) -> tuple[dict[str, Any], str | None]:
    """(entries, why the file was refused or None), memoised per file version: a lookup per scored
    network reads the file once, and a refused file is reported once."""
    try:
        doc = read_json(path, "AVT cache", checksum=True)
    except ValueError as exc:
        return {}, str(exc)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("entries"), dict):
        return {}, f"AVT cache {path} is not a {FORMAT} file (written by an older zeroseg?)"
    return doc["entries"], None


_reported: set[tuple[Path, tuple[int, int]]] = set()


def read_entries(path: Path | None = None, log: Log | None = None) -> dict[str, Any]:
    """The file's entries ({} when absent or refused; the refusal is logged once per file version)."""
    path = Path(path or cache_file())
    stamp = _stamp(path)
    if stamp is None:
        return {}
    entries, why = _read(path, stamp)
    if why and log is not None and (path, stamp) not in _reported:
        _reported.add((path, stamp))
        log(f"[avt] {why}: ignoring it; missing bounds are re-estimated and the file rewritten")
    return dict(entries)


def entry_problem(entry: Any, key: str) -> str | None:
    """Why ``entry`` cannot be used as the bounds of ``key``, or None."""
    if not isinstance(entry, dict) or entry.get("key") != key:
        stored = entry.get("key") if isinstance(entry, dict) else type(entry).__name__
        return f"it records key {stored!r}"
    lo, hi = entry.get("min"), entry.get("max")
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (lo, hi)) or not hi > lo:
        return f"min {lo!r} / max {hi!r} is not a range"
    return None


def cached_bounds(setup_key: str, proxy: str, n: int, seed: int, log: Log | None) -> tuple[float, float] | None:
    """(min, max) of ``proxy`` estimated from ``n`` networks drawn under ``seed``, if cached and sound
    (``log`` None: a silent look, the caller that uses the answer reports refusals)."""
    key = entry_key(setup_key, proxy, n, seed)
    path = cache_file()
    entry = read_entries(path, log).get(key)
    if entry is None:
        return None
    why = entry_problem(entry, key)
    if why:
        if log is not None:
            log(f"[avt] refusing the cached AVT entry {key} of {path}: {why}; re-estimating it")
        return None
    return float(entry["min"]), float(entry["max"])


def store_estimate(setup_key: str, n: int, seed: int, estimate: dict[str, Any]) -> Path:
    """Add one entry per proxy of ``estimate`` (``avt.estimate_bounds``' result); other entries kept."""
    path = cache_file()
    entries = read_entries(path)
    for proxy, b in estimate["bounds"].items():
        key = entry_key(setup_key, proxy, n, seed)
        entries[key] = {"key": key, "setup": setup_key, "proxy": proxy, "n": int(n), "seed": int(seed),
                        "min": b["min"], "max": b["max"], "valid": b["valid"],
                        "seconds": estimate.get("seconds"), "archs": estimate.get("archs", [])}
    return write_json(path, {"format": FORMAT, "entries": dict(sorted(entries.items()))}, indent=1, checksum=True)
