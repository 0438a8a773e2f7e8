"""The search curve (SasWOT Fig. 4): best and mean train τ per generation, random search beside it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def search_curve(log: pd.DataFrame, path: str | Path, random_log: pd.DataFrame | None = None,
                 title: str = "proxy discovery") -> Path:
    """Write ``path`` (PNG): best-so-far and generation-mean τ against evaluations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    runs = [("evolution", log, "C0")] + ([("random", random_log, "C1")] if random_log is not None else [])
    for name, frame, color in runs:
        ax.plot(frame["evaluations"], frame["best"], color=color, lw=2, label=f"{name}: best")
        ax.plot(frame["evaluations"], frame["mean"], color=color, lw=1, ls="--", label=f"{name}: generation mean")
    ax.set_xlabel("candidates evaluated")
    ax.set_ylabel("Kendall τ (train samples)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
