"""Score-vs-accuracy scatter per proxy (SasWOT Fig. 3 style), written as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def scatter(scores: np.ndarray, acc: np.ndarray, path: Path, *, title: str, tau: float | None = None) -> Path:
    """Scatter of the finite (score, val_acc) pairs; ``tau`` is printed in the title when given."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = np.asarray(scores, np.float64)
    acc = np.asarray(acc, np.float64)
    ok = np.isfinite(scores) & np.isfinite(acc)
    fig, ax = plt.subplots(figsize=(4, 3.2), dpi=100)
    ax.scatter(scores[ok], acc[ok], s=6, alpha=0.6)
    ax.set_xlabel("proxy score")
    ax.set_ylabel("val_acc (%)")
    suffix = "" if tau is None or not np.isfinite(tau) else f"  τ={tau:.3f}"
    ax.set_title(f"{title}{suffix}  (n={int(ok.sum())})", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
