"""AVT normalisation (SasWOT Eq. 4) with min/max estimated once from a random sample of archs.

SasWOT: "we estimate the maximum and minimum values of possible SasWOT scores by pre-selecting a
certain number of architectures in the search space at random", so that one arch can be scored
without a sample at run time. The estimates live in ``data/avt.json`` keyed by
``<space>@<resolution>x<batch>`` (scores scale with resolution and batch size); re-estimate with
``zeroseg proxies estimate-avt``. Which archs: ``n`` rows of the space's table drawn without
replacement by ``numpy.random.default_rng(seed)`` (accuracy is not read, so no split is needed).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

AVT_FILE = Path(__file__).resolve().parent / "data" / "avt.json"


def avt_key(space: str, resolution: int, batch_size: int) -> str:
    return f"{space}@{resolution}x{batch_size}"


def load_avt(path: Path | None = None) -> dict:
    """The stored estimates (``AVT_FILE`` when ``path`` is None; {} when the file is absent)."""
    path = Path(path or AVT_FILE)
    return json.loads(path.read_text()) if path.is_file() else {}


def avt_bounds(proxy: str, space: str, resolution: int, batch_size: int, path: Path | None = None) -> tuple[float, float]:
    """Stored (min, max) of ``proxy``; ``KeyError`` says how to estimate a missing entry."""
    key = avt_key(space, resolution, batch_size)
    entry = load_avt(path).get(key, {}).get("bounds", {}).get(proxy)
    if entry is None:
        raise KeyError(
            f"no AVT min/max for {proxy!r} at {key} in {path or AVT_FILE}; estimate it with "
            f"'zeroseg proxies estimate-avt --space {space} --resolution {resolution} --batch-size {batch_size}'"
        )
    return float(entry["min"]), float(entry["max"])


def normalize(value: float, lo: float, hi: float) -> float:
    """Eq. 4: (p − min) / (max − min); archs outside the sample's range map outside [0, 1]."""
    if not hi > lo:
        raise ValueError(f"AVT range is empty: min={lo}, max={hi}")
    return (value - lo) / (hi - lo)


def estimate_avt(
    space: str,
    proxies: tuple[str, ...],
    *,
    n: int = 30,
    seed: int = 0,
    resolution: int = 256,
    batch_size: int = 8,
    device: str = "cpu",
    cache=None,
) -> dict:
    """Score ``n`` random archs of ``space`` with ``proxies``; return the JSON entry (min/max of
    the valid scores, the sample's net_codes and settings)."""
    from zeroseg.proxies.scoring import score_many
    from zeroseg.transnas import load_table

    codes = load_table(space)["net_code"].tolist()
    if not 2 <= n <= len(codes):
        raise ValueError(f"n must be in 2..{len(codes)} for space {space!r}, got {n}")
    pick = np.random.default_rng(seed).choice(len(codes), size=n, replace=False)
    sample = [codes[i] for i in sorted(pick)]
    values: dict[str, list[float]] = {p: [] for p in proxies}
    t0 = time.perf_counter()
    for code in sample:
        res = score_many(proxies, code, resolution=resolution, batch_size=batch_size, seed=seed,
                         device=device, cache=cache)
        for p in proxies:
            if res[p].ok:
                values[p].append(res[p].value)
    bounds = {p: {"min": min(v), "max": max(v), "valid": len(v)} for p, v in values.items() if v}
    return {"bounds": bounds, "n": n, "seed": seed, "resolution": resolution, "batch_size": batch_size,
            "seconds": round(time.perf_counter() - t0, 1), "net_codes": sample}


def write_avt(key: str, entry: dict, path: Path | None = None) -> Path:
    """Insert/replace ``key`` in the JSON file (other keys kept, sorted for stable diffs)."""
    path = Path(path or AVT_FILE)
    data = load_avt(path)
    data[key] = entry
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(dict(sorted(data.items())), indent=1) + "\n")
    return Path(path)
