"""Score-vs-accuracy scatter per proxy (SasWOT Fig. 3 style), written as PNG.

Invalid scores are not drawn among the valid ones: NaN/inf (our proxies' failures) and Suite-Zero's
failure value −1e8 (``SENTINEL``; jacov, zen, fisher and epe_nas have it for some or all archs)
would squash every real point into one column. The plot says how many were left out, and a
heavy-tailed axis (fisher spans 1e-4 … 2.5e9 on micro) is drawn on a symmetric-log scale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SENTINEL = -1e8  # NAS-Bench-Suite-Zero's "proxy failed on this arch"
SPREAD = 1e3  # range / interquartile range above which the score axis is symmetric-log


def invalid_mask(scores: np.ndarray) -> np.ndarray:
    """True where a score is NaN/inf or ±``SENTINEL`` (the sign may have been flipped for the table)."""
    scores = np.asarray(scores, np.float64)
    return ~np.isfinite(scores) | (np.abs(scores) == -SENTINEL)


def heavy_tailed(x: np.ndarray) -> bool:
    q1, q3 = np.percentile(x, [25, 75])
    return len(x) > 3 and (x.max() - x.min()) > SPREAD * max(q3 - q1, 1e-300)


def scale_heavy_axis(ax, x: np.ndarray) -> None:
    """Log (all positive) or symmetric-log x axis when a few huge values would squash the rest."""
    from matplotlib.ticker import LogLocator, SymmetricalLogLocator  # heavy (matplotlib): only when a plot is drawn

    if not heavy_tailed(x):
        return
    if x.min() > 0:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, numticks=6))
    else:
        thresh = float(np.percentile(np.abs(x[x != 0]), 10)) if (x != 0).any() else 1.0
        ax.set_xscale("symlog", linthresh=thresh)
        ax.xaxis.set_major_locator(SymmetricalLogLocator(linthresh=thresh, base=1000))


def scatter(scores: np.ndarray, acc: np.ndarray, path: Path, *, title: str, tau: float | None = None) -> Path:
    """Scatter of the valid (score, val_acc) pairs; ``tau`` is printed in the title when given."""
    import matplotlib  # heavy (matplotlib): only when a plot is drawn

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = np.asarray(scores, np.float64)
    acc = np.asarray(acc, np.float64)
    bad = invalid_mask(scores) & np.isfinite(acc)
    ok = ~invalid_mask(scores) & np.isfinite(acc)
    fig, ax = plt.subplots(figsize=(4.5, 3.6), dpi=100)
    if ok.any():
        ax.scatter(scores[ok], acc[ok], s=6, alpha=0.6)
        scale_heavy_axis(ax, scores[ok])
    else:
        ax.text(0.5, 0.5, "no valid score to plot", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([]), ax.set_yticks([])
    ax.set_xlabel("proxy score" + ("" if ax.get_xscale() == "linear" else f" ({ax.get_xscale()} scale)"))
    ax.set_ylabel("val_acc (%)")
    suffix = "" if tau is None or not np.isfinite(tau) else f"  τ={tau:.3f}"
    left_out = "" if not bad.any() else f"\n{int(bad.sum())} of {int(bad.sum() + ok.sum())} not shown: failed (NaN / −1e8)"
    ax.set_title(f"{title}{suffix}  (n={int(ok.sum())}){left_out}", fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
