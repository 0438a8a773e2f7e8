"""The Pareto front of a multi-objective segmenter search (NSGA-II, Deb et al. 2002); the search curve
is the engine's (``zeroseg.evolution.plots.search_curve``)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from zeroseg.evolution.plots import pyplot

# second objective → (column, divisor, axis label): FLOPs in GFLOPs and parameters in millions, as papers report
AXES = {"latency": ("latency_ms", 1.0, "latency (ms, batch 1)"), "flops": ("flops", 1e9, "FLOPs (G)"),
        "params": ("params", 1e6, "parameters (M)")}


def pareto_plot(valid: pd.DataFrame, front: pd.DataFrame, objectives: Sequence[str], path: Path,
                proxy: str = "proxy") -> Path:
    """``proxy`` score against the second objective for every valid candidate, the front highlighted (PNG)."""
    plt = pyplot()
    from matplotlib.ticker import FuncFormatter, LogLocator  # heavy (matplotlib): only when a plot is drawn

    col, div, label = AXES[objectives[1]]
    fig, ax = plt.subplots(figsize=(6.0, 4.2), dpi=120)
    ax.scatter(valid[col] / div, valid["score"], s=10, color="0.6", label=f"evaluated ({len(valid)})")
    f = front.sort_values(col)
    ax.plot(f[col] / div, f["score"], "o-", color="C3", label=f"Pareto front ({len(f)})")
    ax.set(xlabel=label, ylabel=f"{proxy} score", title=f"{proxy} score vs {label.split(' (')[0]}")
    if col != "latency_ms" and len(valid) and valid[col].max() > 3 * valid[col].min():
        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0)))
        for axis in (ax.xaxis.set_major_formatter, ax.xaxis.set_minor_formatter):
            axis(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)
