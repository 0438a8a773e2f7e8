"""AVT normalisation (SasWOT Eq. 4), the one implementation: bounds, normalising, weighted sums.

SasWOT: "we estimate the maximum and minimum values of possible SasWOT scores by pre-selecting a
certain number of architectures in the search space at random", so that one arch can be scored
without a sample at run time. Bounds are keyed by the scoring ``Setup`` (``<space>@<size>x<batch>``
[``/<batch name>``]: scores scale with resolution and batch size) and looked up in this order: the
context's own (``ctx.avt``, e.g. calibrated by a search), the shipped ``data/avt.json``, the user's
cache (``avt_cache``: verified entries per setup, proxy, sample size and seed). Missing
bounds are estimated on demand from ``ON_DEMAND_SAMPLES`` random networks of the same setup
(``ctx.siblings``; TNB101: rows of the table drawn by ``default_rng(seed)``) and written to the
user's cache once, never into the installed package.
"""

from __future__ import annotations

import json
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from zeroseg.jsonio import write_text_atomic
from zeroseg.proxies import avt_cache
from zeroseg.proxies.base import Proxy, create_proxy
from zeroseg.proxies.result import ProxyFailure

AVT_FILE = Path(__file__).resolve().parent / "data" / "avt.json"
ON_DEMAND_SAMPLES = 30  # SasWOT's sample size; the shipped bounds name theirs in "n"

Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def user_avt_file() -> Path:
    """The user's AVT cache (``avt_cache.cache_file``: ``avt.json`` in ``$ZEROSEG_CACHE`` or the user cache)."""
    return avt_cache.cache_file()


def avt_key(space: str, resolution: int | tuple[int, int], batch_size: int, batch: str = "") -> str:
    """The key of one setup (equal to ``context.Setup.key``)."""
    h, w = (resolution, resolution) if isinstance(resolution, int) else resolution
    size = f"{h}" if h == w else f"{h}x{w}"
    return f"{space}@{size}x{batch_size}" + (f"/{batch}" if batch else "")


def load_avt(path: Path | None = None) -> dict:
    """Estimates in the shipped format (``AVT_FILE`` when ``path`` is None; {} when the file is absent)."""
    path = Path(path or AVT_FILE)
    return json.loads(path.read_text()) if path.is_file() else {}


def stored_bounds(key: str, proxy: str, n: int | None = None, seed: int = 0,
                  log: Log | None = _stderr) -> tuple[float, float] | None:
    """(min, max) of ``proxy`` at ``key`` from the shipped file, else the user's cache entry estimated
    from ``n`` (default ``ON_DEMAND_SAMPLES``) networks under ``seed``, else None."""
    return shipped_bounds(key, proxy) or avt_cache.cached_bounds(key, proxy, int(n or ON_DEMAND_SAMPLES), seed, log)


def shipped_bounds(key: str, proxy: str) -> tuple[float, float] | None:
    """(min, max) of ``proxy`` at ``key`` in the package's ``data/avt.json``, else None."""
    stamp = AVT_FILE.stat().st_mtime_ns if AVT_FILE.is_file() else None
    return _shipped(str(AVT_FILE), stamp).get((key, proxy))


@lru_cache(maxsize=2)
def _shipped(path: str, mtime_ns: int | None) -> dict[tuple[str, str], tuple[float, float]]:
    """Every (key, proxy) → (min, max) of the file, parsed once per version of it (a scoring loop asks per term)."""
    return {(key, proxy): (float(b["min"]), float(b["max"]))
            for key, entry in load_avt(Path(path)).items() for proxy, b in entry.get("bounds", {}).items()}


def value_bounds(values: Any) -> tuple[float, float] | None:
    """(min, max) of the finite values, or None when there are none or all are equal."""
    v = np.asarray(values, dtype=float)
    ok = v[np.isfinite(v)]
    return (float(ok.min()), float(ok.max())) if len(ok) and ok.max() > ok.min() else None


def normalize(value: Any, lo: float, hi: float) -> Any:
    """Eq. 4: (p − min) / (max − min); archs outside the sample's range map outside [0, 1]."""
    if not hi > lo:
        raise ValueError(f"AVT range is empty: min={lo}, max={hi}")
    return (value - lo) / (hi - lo)


def weighted_sum(values: Sequence[Any], bounds: Sequence[tuple[float, float]], weights: Sequence[float]) -> Any:
    """Σ_i w_i · AVT(v_i): SasWOT Eq. 3 (all w = 1) and found multi-term proxies alike."""
    total: Any = 0.0
    for v, (lo, hi), w in zip(values, bounds, weights, strict=True):
        total = total + w * normalize(v, lo, hi)
    return total


def made_proxy(proxy: str | Proxy) -> Proxy:
    """A registered name as its ``Proxy``; a ``Proxy`` (e.g. inline DSL text) as it is."""
    return proxy if isinstance(proxy, Proxy) else create_proxy(proxy)


def estimate_bounds(contexts: Sequence[Any], proxies: Sequence[str | Proxy], log: Log = _stderr) -> dict:
    """Score ``proxies`` on every context; the JSON entry: min/max of the valid scores, the sample."""
    made = [made_proxy(p) for p in proxies]
    values: dict[str, list[float]] = {p.name: [] for p in made}
    t0 = time.perf_counter()
    for i, ctx in enumerate(contexts, 1):
        for proxy in made:
            res = ctx.value(proxy)
            if res.ok:
                values[proxy.name].append(res.value)
        log(f"[avt] {i}/{len(contexts)} {ctx.arch or ctx.space} ({time.perf_counter() - t0:.1f}s)")
    bounds = {p: {"min": min(v), "max": max(v), "valid": len(v)} for p, v in values.items() if v}
    return {"bounds": bounds, "n": len(contexts), "seconds": round(time.perf_counter() - t0, 1),
            "archs": [c.arch for c in contexts]}


def write_avt(key: str, entry: dict, path: Path) -> Path:
    """Insert/replace ``key`` in a JSON file of the shipped format (other keys kept, sorted)."""
    path = Path(path)
    data = load_avt(path)
    data[key] = entry
    write_text_atomic(path, json.dumps(dict(sorted(data.items())), indent=1) + "\n")
    return path


def bounds_for(ctx: Any, proxies: Sequence[str | Proxy], *, n: int | None = None, log: Log = _stderr
               ) -> dict[str, tuple[float, float]]:
    """AVT (min, max) of each of ``proxies`` (names, or ``Proxy`` objects keyed by their name) under
    ``ctx.setup``; missing ones are estimated once from ``n`` (default ``ON_DEMAND_SAMPLES``) sibling
    networks into the user's cache."""
    key, n = ctx.setup.key, int(n or ON_DEMAND_SAMPLES)
    by_name = {made_proxy(p).name: p for p in proxies}
    found = {p: ctx.avt.get(p) or stored_bounds(key, p, n, ctx.seed, log) for p in by_name}
    missing = [p for p, b in found.items() if b is None]
    if missing:
        if ctx.siblings is None:
            raise ProxyFailure(f"no AVT min/max for {missing} at {key}, and this network has no space to sample "
                               f"from: pass avt={{name: (min, max)}}")
        log(f"[avt] no stored AVT min/max for {', '.join(missing)} at {key}: estimating from {n} random "
            f"networks of {ctx.space} (once; written to {user_avt_file()})")
        entry = estimate_bounds(ctx.siblings(n), [by_name[p] for p in missing], log)
        short = [p for p in missing if p not in entry["bounds"] or
                 not entry["bounds"][p]["max"] > entry["bounds"][p]["min"]]
        if short:
            raise ProxyFailure(f"AVT estimate of {short} at {key} has fewer than 2 distinct valid values in {n} samples")
        avt_cache.store_estimate(key, n, ctx.seed, entry)
        found.update({p: (entry["bounds"][p]["min"], entry["bounds"][p]["max"]) for p in missing})
    return {p: (float(b[0]), float(b[1])) for p, b in found.items()}


def avt_combination(ctx: Any, components: Sequence[str], weights: Mapping[str, float] | None = None,
                    log: Log = _stderr) -> float:
    """Σ w · AVT(component) of the components' values on ``ctx`` (SasWOT Eq. 3 when all w = 1)."""
    bounds = bounds_for(ctx, components, log=log)
    parts = []
    for name in components:
        res = ctx.value(create_proxy(name))
        if not res.ok:
            raise ProxyFailure(f"{name}: {res.invalid}")
        parts.append(res.value)
    w = [1.0 if weights is None else float(weights[c]) for c in components]
    return float(weighted_sum(parts, [bounds[c] for c in components], w))
