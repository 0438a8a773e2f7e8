"""The Pareto front of a multi-objective segmenter search (NSGA-II, Deb et al. 2002); the search curve
is the engine's (``zeroseg.evolution.plots.search_curve``)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from zeroseg.evolution.plots import pyplot

UNITS = {"latency": "latency_ms", "flops": "flops", "params": "params"}


def pareto_plot(valid: pd.DataFrame, front: pd.DataFrame, objectives: Sequence[str], path: Path) -> Path:
    """Score against the second objective for every valid candidate, the front highlighted (PNG)."""
    plt = pyplot()
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
