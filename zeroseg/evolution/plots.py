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
                 title: str = "evolution", ylabel: str = "fitness (first objective)",
                 baselines: dict[str, float] | None = None) -> Path:
    """Write ``path`` (PNG) from engine logs (columns ``evaluations``, ``best``, ``mean``).

    Points carry markers, so a one-generation run still shows its values; ``baselines`` (name → value,
    e.g. the reference proxies' τ) are drawn as labelled horizontal lines."""
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator  # heavy (matplotlib): only when a plot is drawn

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    runs = [("evolution", log, "C0")] + ([("random", random_log, "C1")] if random_log is not None else [])
    for name, frame, color in runs:
        ax.plot(frame["evaluations"], frame["best"], color=color, lw=2, marker="o", ms=4, label=f"{name}: best")
        ax.plot(frame["evaluations"], frame["mean"], color=color, lw=1, ls="--", marker=".", ms=5,
                label=f"{name}: generation mean")
    for i, (name, value) in enumerate((baselines or {}).items()):
        ax.axhline(value, color=f"C{i + 2}", lw=1.2, ls=":", label=f"{name}: {value:.3f}")
    ax.set(xlabel="candidates evaluated", ylabel=ylabel, title=title)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
