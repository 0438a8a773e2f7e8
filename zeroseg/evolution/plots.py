"""Plots of an evolution run, shared by proxy discovery and segmenter search.

The search curve follows SasWOT Fig. 4: best-so-far and generation-mean fitness against candidates
evaluated, with random search at the same budget beside it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def pyplot():
    """matplotlib.pyplot on the file-only Agg backend, imported on first use (nothing heavy at import)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def search_curve(log: pd.DataFrame, path: str | Path, random_log: pd.DataFrame | None = None,
                 title: str = "evolution", ylabel: str = "fitness (first objective)") -> Path:
    """Write ``path`` (PNG) from engine logs (columns ``evaluations``, ``best``, ``mean``)."""
    plt = pyplot()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    runs = [("evolution", log, "C0")] + ([("random", random_log, "C1")] if random_log is not None else [])
    for name, frame, color in runs:
        ax.plot(frame["evaluations"], frame["best"], color=color, lw=2, label=f"{name}: best")
        ax.plot(frame["evaluations"], frame["mean"], color=color, lw=1, ls="--", label=f"{name}: generation mean")
    ax.set(xlabel="candidates evaluated", ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
