"""Score vectors for the correlation table: Suite-Zero's precomputed columns, or ours.

Ours are computed arch by arch with ``zeroseg.proxies.score_many`` (any proxy reference; one
network build, one statistics collection, one shared gradient pass per arch) and appended to a CSV as they come,
so a long run can be interrupted and resumed (archs already in the CSV are not recomputed).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from zeroseg.correlation.table import suite_zero_scores
from zeroseg.proxies import score_many


def pick_archs(table: pd.DataFrame, limit: int | None, seed: int) -> pd.DataFrame:
    """All rows, or ``limit`` rows drawn without replacement with ``default_rng(seed)`` (row order kept)."""
    if limit is None or limit >= len(table):
        return table
    if limit < 1:
        raise ValueError(f"--limit must be >= 1, got {limit}")
    idx = np.sort(np.random.default_rng(seed).choice(len(table), size=limit, replace=False))
    return table.iloc[idx].reset_index(drop=True)


def suite_zero_frame(table: pd.DataFrame, proxies: Sequence[str] | None) -> dict[str, np.ndarray]:
    """Suite-Zero's columns, restricted to ``proxies`` (``None`` = all available)."""
    cols = suite_zero_scores(table)
    if proxies is None:
        return cols
    missing = [p for p in proxies if p not in cols]
    if missing:
        raise ValueError(f"no Suite-Zero column for {missing}; available: {', '.join(sorted(cols))}")
    return {p: cols[p] for p in proxies}


def compute_scores(
    codes: Sequence[str],
    proxies: Sequence[str],
    csv_path: Path | None = None,
    *,
    progress: Callable[[int, int, str, float], None] | None = None,
    **score_kwargs: Any,
) -> pd.DataFrame:
    """One row per net_code with a column per proxy (NaN = invalid) and ``seconds``.

    When ``csv_path`` exists, its rows are reused (it must hold every requested proxy column);
    new rows are appended to it one arch at a time.
    """
    done = pd.read_csv(csv_path) if csv_path is not None and Path(csv_path).is_file() else None
    if done is not None:
        missing = [p for p in proxies if p not in done.columns]
        if missing:
            raise ValueError(f"{csv_path}: lacks proxy columns {missing}; use a new --scores file")
    have = set() if done is None else set(done["net_code"])
    rows = []
    todo = [c for c in codes if c not in have]
    for i, code in enumerate(todo):
        t0 = time.perf_counter()
        res = score_many(list(proxies), code, **score_kwargs)
        row = {"net_code": code, **{p: res[p].value for p in proxies}, "seconds": time.perf_counter() - t0}
        rows.append(row)
        if csv_path is not None:
            Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
            header = not Path(csv_path).is_file()
            pd.DataFrame([row]).to_csv(csv_path, mode="a", header=header, index=False)
        if progress:
            progress(i + 1, len(todo), code, row["seconds"])
    frames = ([done] if done is not None else []) + ([pd.DataFrame(rows)] if rows else [])
    allrows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["net_code", *proxies])
    allrows = allrows.drop_duplicates("net_code", keep="last").set_index("net_code")
    return allrows.loc[list(codes)].reset_index()
