"""Ranking-check report: Kendall-τ and Spearman of each score vs trained val mIoU, with bootstrap CIs.

Inputs are the stage CSVs of ``run.py`` (``archs.csv``, ``train.csv``, ``scores.csv``,
``timings.csv``); outputs ``per_arch.{csv,md}``, ``ranking.{csv,md,json}`` and one
``scatter_<score>.png`` per score. CIs: percentile bootstrap over the archs
(``zeroseg.correlation.bootstrap_ci``, resampling archs with replacement), so with n = 12 they are
wide by construction. Every score is "higher = better" as the scorers return it; FLOPs and params
are used as is (bigger network = higher score), the usual baseline of zero-cost proxy papers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from zeroseg.correlation import bootstrap_ci

SCORE_ORDER = ("saswot", "nwot", "supernet", "flops", "params")
GROUND_TRUTHS = ("miou", "miou_mean")
N_BOOT = 2000


def per_arch_table(results: Path) -> pd.DataFrame:
    """One row per arch: genotype, cost, training outcome (seed 0; seed + 1 and the two-seed mean when
    ``noise/train.csv`` has the arch) and one column per score."""
    archs = pd.read_csv(results / "archs.csv")
    train_path, scores_path, noise_path = results / "train.csv", results / "scores.csv", results / "noise" / "train.csv"
    if train_path.is_file():
        train = pd.read_csv(train_path).drop(columns=["genotype"]).drop_duplicates("arch", keep="last")
        archs = archs.merge(train, on="arch", how="left")
    if noise_path.is_file() and "miou" in archs:
        other = pd.read_csv(noise_path).drop_duplicates("arch", keep="last")[["arch", "miou"]]
        archs = archs.merge(other.rename(columns={"miou": "miou_seed1"}), on="arch", how="left")
        archs["miou_mean"] = (archs["miou"] + archs["miou_seed1"]) / 2  # NaN unless both seeds are there
    if scores_path.is_file():
        sc = pd.read_csv(scores_path).drop_duplicates(["arch", "scorer"], keep="last")
        wide = sc.pivot(index="arch", columns="scorer", values="value").reset_index()
        archs = archs.merge(wide, on="arch", how="left")
    return archs


def score_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in SCORE_ORDER if c in table and np.isfinite(table[c].to_numpy(np.float64)).any()]


def correlate(x: np.ndarray, y: np.ndarray, seed: int) -> dict[str, Any]:
    """n, Kendall-τ and Spearman with 95 % percentile-bootstrap CIs over the archs."""
    row: dict[str, Any] = {"n": int((np.isfinite(x) & np.isfinite(y)).sum())}
    for metric in ("kendall", "spearman"):
        est, lo, hi = bootstrap_ci(x, y, metric, n_boot=N_BOOT, seed=seed)
        row.update({metric: est, f"{metric}_lo": lo, f"{metric}_hi": hi})
    return row


def ranking_rows(table: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Each score against ``miou`` (seed 0; NaN while < 3 archs are trained) and, once >= 3 archs have
    both seeds, ``miou_mean`` (two-seed mean)."""
    rows = []
    for target in GROUND_TRUTHS:
        if target not in table or (target != "miou" and np.isfinite(table[target].to_numpy(np.float64)).sum() < 3):
            continue
        y = table[target].to_numpy(np.float64)
        rows += [{"target": target, "score": col, **correlate(table[col].to_numpy(np.float64), y, seed)}
                 for col in score_columns(table)]
    return pd.DataFrame(rows)


def seed_noise(table: pd.DataFrame, seed: int = 0) -> dict[str, Any]:
    """How much a new seed alone moves mIoU, beside the spread across archs; the seed-0 vs seed-1
    rank agreement is the ceiling any score's τ against one seed's mIoU can be read against."""
    if "miou_seed1" not in table:
        return {}
    both = table.dropna(subset=["miou", "miou_seed1"])
    delta = (both["miou_seed1"] - both["miou"]).to_numpy(np.float64)
    return {"archs": both["arch"].tolist(), "abs_delta_mean": float(np.abs(delta).mean()),
            "abs_delta_max": float(np.abs(delta).max()), "miou_std_across_archs": float(table["miou"].std()),
            "miou_range_across_archs": float(table["miou"].max() - table["miou"].min()),
            "seed0_vs_seed1": correlate(both["miou"].to_numpy(np.float64), both["miou_seed1"].to_numpy(np.float64), seed)}


def _fmt(v: Any, digits: int = 3) -> str:
    if isinstance(v, (float, np.floating)):
        return "–" if not math.isfinite(v) else f"{v:.{digits}f}"
    return str(v)


def markdown(df: pd.DataFrame, columns: list[str], digits: int = 3) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_fmt(r[c], digits) for c in columns) + " |" for _, r in df.iterrows()]
    return "\n".join(lines) + "\n"


def per_arch_markdown(table: pd.DataFrame) -> str:
    """Readable units: GFLOPs (2 × MACs, batch 1) and M params; training seconds; scores as returned."""
    view = table.copy()
    view["GFLOPs"], view["M params"] = view["flops"] / 1e9, view["params"] / 1e6
    cols = [c for c in ("arch", "iterations", "miou", "miou_seed1", "miou_mean", "saswot", "nwot", "supernet", "GFLOPs", "M params",
                        "train_s", "genotype") if c in view]
    for c in ("iterations", "train_s"):
        if c in view:
            view[c] = [_fmt(v, 0) for v in view[c]]
    return markdown(view, cols, digits=4)


def ci_text(r: Any, metric: str) -> str:
    return f"{_fmt(getattr(r, metric))} [{_fmt(getattr(r, metric + '_lo'))}, {_fmt(getattr(r, metric + '_hi'))}]"


def ranking_markdown(rows: pd.DataFrame) -> str:
    """One table: score × ground truth, Kendall-τ and Spearman with their 95 % bootstrap CIs."""
    view = pd.DataFrame({"ground truth": rows["target"], "score": rows["score"], "n": rows["n"],
                         "Kendall τ [95 % CI]": [ci_text(r, "kendall") for r in rows.itertuples()],
                         "Spearman ρ [95 % CI]": [ci_text(r, "spearman") for r in rows.itertuples()]})
    return markdown(view, list(view.columns))


def noise_markdown(noise: dict[str, Any]) -> str:
    if not noise:
        return ""
    return (f"\nSeed noise ({len(noise['archs'])} archs retrained under seed + 1): mean |ΔmIoU| "
            f"{noise['abs_delta_mean']:.4f}, max {noise['abs_delta_max']:.4f}; across the archs (seed 0) mIoU std "
            f"{noise['miou_std_across_archs']:.4f}, range {noise['miou_range_across_archs']:.4f}; seed 0 vs seed + 1 "
            f"Kendall τ {ci_text(pd.Series(noise['seed0_vs_seed1']), 'kendall')}.\n")


def scatter(table: pd.DataFrame, col: str, taus: dict[str, float], path: Path) -> Path:
    """Score vs val mIoU (the two-seed mean when there, with a bar from one seed's value to the
    other's), each point labelled with its arch index (n is small enough to read)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    target = "miou_mean" if "miou_mean" in taus else "miou"
    x, y = table[col].to_numpy(np.float64), table[target].to_numpy(np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    fig, ax = plt.subplots(figsize=(4.4, 3.5), dpi=100)
    if target == "miou_mean":
        ax.vlines(x[ok], table["miou"][ok], table["miou_seed1"][ok], color="0.7", lw=1)
    ax.scatter(x[ok], y[ok], s=18, zorder=3)
    for a, xi, yi in zip(table["arch"][ok], x[ok], y[ok]):
        ax.annotate(str(a), (xi, yi), fontsize=7, xytext=(3, 2), textcoords="offset points")
    ax.set_xlabel(col)
    ax.set_ylabel("val mIoU, mean of 2 seeds (bar: both)" if target == "miou_mean" else "val mIoU (trained)")
    ax.set_title(f"{col}: τ " + ", ".join(f"{k} {_fmt(v)}" for k, v in taus.items()) + f" (n={int(ok.sum())})",
                 fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_report(results: Path, meta: dict[str, Any], log: Callable[[str], None] = print) -> dict[str, Any]:
    """Write every report file into ``results``; returns the JSON summary."""
    results = Path(results)
    seed = int(meta.get("config", {}).get("seed", 0))
    table = per_arch_table(results)
    rows = ranking_rows(table, seed=seed)
    table.to_csv(results / "per_arch.csv", index=False)
    (results / "per_arch.md").write_text(per_arch_markdown(table))
    rows.to_csv(results / "ranking.csv", index=False, float_format="%.6f")
    noise = seed_noise(table, seed)
    (results / "ranking.md").write_text((ranking_markdown(rows) if len(rows) else "no ground truth yet\n")
                                        + noise_markdown(noise))
    headline: dict[str, Any] = {}
    for score, part in (rows.groupby("score", sort=False) if len(rows) else ()):
        taus = dict(zip(part["target"], part["kendall"]))
        scatter(table, score, taus, results / f"scatter_{score}.png")
        headline[score] = {r.target: f"tau {ci_text(r, 'kendall')} (n={r.n})" for r in part.itertuples()}
    if not meta.get("supernet", {}).get("available"):
        headline["supernet"] = f"NOT AVAILABLE: {meta.get('supernet', {}).get('reason', 'unknown')}"
    path = results / "timings.csv"
    timings = pd.read_csv(path).to_dict("records") if path.is_file() else []
    summary = {"meta": meta, "headline": headline, "seed_noise": noise, "n_boot": N_BOOT,
               "ranking": json.loads(rows.to_json(orient="records")),
               "per_arch": json.loads(table.to_json(orient="records")), "timings": timings}
    (results / "ranking.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    log(f"[report] {len(table)} archs, {rows['score'].nunique() if len(rows) else 0} scores → {results / 'ranking.md'}")
    return summary
