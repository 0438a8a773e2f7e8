"""Search curve (SasWOT Fig. 4: best score vs candidates evaluated, evolution beside random search)
and the Pareto front of a multi-objective search (NSGA-II, Deb et al. 2002)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

UNITS = {"latency": "latency_ms", "flops": "flops", "params": "params"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def search_curve(log: pd.DataFrame, path: Path, random_log: pd.DataFrame | None = None,
                 title: str = "segmenter search") -> Path:
    """Best-so-far and generation-mean first objective against evaluations (PNG)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    runs = [("evolution", log, "C0")] + ([("random", random_log, "C1")] if random_log is not None else [])
    for name, frame, color in runs:
        ax.plot(frame["evaluations"], frame["best"], color=color, lw=2, label=f"{name}: best")
        ax.plot(frame["evaluations"], frame["mean"], color=color, lw=1, ls="--", label=f"{name}: generation mean")
    ax.set(xlabel="candidates evaluated", ylabel="score (first objective)", title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def pareto_plot(valid: pd.DataFrame, front: pd.DataFrame, objectives: Sequence[str], path: Path) -> Path:
    """Score against the second objective for every valid candidate, the front highlighted (PNG)."""
    plt = _pyplot()
    x = UNITS[objectives[1]]
    fig, ax = plt.subplots(figsize=(6.0, 4.2), dpi=120)
    ax.scatter(valid[x], valid["score"], s=10, color="0.6", label="evaluated")
    f = front.sort_values(x)
    ax.plot(f[x], f["score"], "o-", color="C3", label=f"Pareto front ({len(f)})")
    ax.set(xlabel=x, ylabel="score", title="score vs " + x)
    ax.set_xscale("log" if x != "latency_ms" else "linear")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)
