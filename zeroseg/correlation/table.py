"""Table-3-style results: one row per (space, proxy), written as CSV, JSON and Markdown.

Mirrors SasWOT's Table 3 (papers/saswot.md): mean Kendall-τ (Kd), Spearman (Sp) and Pearson (Ps)
over random 50-arch samples, per space; we add the std over repeats and the number of finite
scores. Scores are multiplied by the proxy's declared sign first (higher = better).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from zeroseg.correlation.metrics import METRICS, sampled_correlations
from zeroseg.correlation.plots import SENTINEL, invalid_mask
from zeroseg import jsonio

# Suite-Zero's precomputed columns in the TNB101 tables (REFERENCES.md); flops/params are ours
# only by name: the table's ``flops_m``/``params_m`` columns.
SUITE_ZERO_COLUMNS = {
    "snip": "snip",
    "grasp": "grasp",
    "fisher": "fisher",
    "grad_norm": "grad_norm",
    "jacov": "jacov",
    "nwot": "nwot",
    "epe_nas": "epe_nas",
    "plain": "plain",
    "l2_norm": "l2_norm",
    "zen": "zen",
    "flops": "flops_m",
    "params": "params_m",
}


def suite_zero_scores(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Suite-Zero's score vectors present in ``table`` (macro has no ``zen``)."""
    return {name: table[col].to_numpy(np.float64) for name, col in SUITE_ZERO_COLUMNS.items() if col in table}


def correlation_rows(
    space: str,
    scores: dict[str, np.ndarray],
    acc: np.ndarray,
    *,
    signs: dict[str, int] | None = None,
    samples: int = 50,
    repeats: int = 20,
    seed: int = 0,
    source: str = "",
) -> pd.DataFrame:
    """One row per proxy: ``space, proxy, source`` + the ``CorrelationSummary`` fields."""
    rows = []
    for name in sorted(scores):
        sign = (signs or {}).get(name, 1)
        summ = sampled_correlations(sign * np.asarray(scores[name], np.float64), acc, samples=samples,
                                    repeats=repeats, seed=seed)
        rows.append({"space": space, "proxy": name, "source": source, **summ.as_dict(),
                     "note": undefined_reason(scores[name]) or ""})
    return pd.DataFrame(rows)


def undefined_reason(scores: np.ndarray) -> str | None:
    """Why a proxy has no correlation (every score invalid, or one value for all archs); None if it has one."""
    v = np.asarray(scores, np.float64)
    bad = invalid_mask(v)
    if bad.all():
        sentinel = int((np.abs(v) == -SENTINEL).sum())
        what = "Suite-Zero's failure value −1e8" if sentinel == len(v) else "NaN/invalid"
        return f"every score is {what} ({len(v)} archs), so no rank correlation exists"
    if np.unique(v[~bad]).size == 1:
        return f"one score value ({v[~bad][0]:g}) for all {int((~bad).sum())} valid archs: ranks are all tied"
    return None


ABBREV = {"kendall": "Kd", "spearman": "Sp", "pearson": "Ps"}  # Table 3's column names


def _pct(v: float) -> str:
    return "–" if not math.isfinite(v) else f"{100 * v:.2f}"


def to_markdown(df: pd.DataFrame) -> str:
    """Proxies as rows, (space × metric) as columns, ``mean ± std`` in percent as in Table 3."""
    spaces = list(dict.fromkeys(df["space"]))
    head = ["Proxy"] + [f"{s} {ABBREV[m]}" for s in spaces for m in METRICS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for proxy in sorted(dict.fromkeys(df["proxy"])):
        cells = [proxy]
        for s in spaces:
            hit = df[(df["space"] == s) & (df["proxy"] == proxy)]
            for m in METRICS:
                if hit.empty:
                    cells.append("")
                else:
                    r = hit.iloc[0]
                    cells.append(f"{_pct(r[f'{m}_mean'])} ± {_pct(r[f'{m}_std'])}")
        lines.append("| " + " | ".join(cells) + " |")
    notes = df[df["note"].astype(bool)] if "note" in df else df.iloc[:0]
    lines += [""] + [f"– {r.proxy} ({r.space}): {r.note}" for r in notes.itertuples()] if len(notes) else []
    return "\n".join(lines) + "\n"


def write_table(df: pd.DataFrame, stem: Path, meta: dict | None = None) -> list[Path]:
    """Write ``stem.csv``, ``stem.md`` and ``stem.json`` (rows + ``meta``); return the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    csv, md, js = stem.with_suffix(".csv"), stem.with_suffix(".md"), stem.with_suffix(".json")
    df.to_csv(csv, index=False, float_format="%.6f")
    md.write_text(to_markdown(df))
    write_json(df, js, meta)
    return [csv, md, js]


def write_json(df: pd.DataFrame, path: Path, meta: dict | None = None) -> Path:
    """Rows as JSON records (NaN → null) with the run's settings under ``meta``."""
    rows = json.loads(df.to_json(orient="records"))
    return jsonio.write_json(path, {"meta": meta or {}, "rows": rows})
