"""PNG outputs: image / ground truth / prediction panels (as the papers' figures) and the loss curve."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from zeroseg.data.base import IGNORE_INDEX


def colorize(label: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Class-index map → RGB; ignored pixels (and any index beyond the palette) are black."""
    lut = np.zeros((256, 3), dtype=np.uint8)
    lut[: len(palette)] = palette
    lut[IGNORE_INDEX] = 0
    return lut[np.clip(label, 0, 255).astype(np.uint8)]


def save_panel(rows: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], palette: np.ndarray,
               path: Path, gap: int = 4) -> Path:
    """One row per sample: RGB image | coloured GT | coloured prediction (all at the label's size)."""
    if not rows:
        raise ValueError("no samples for the panel")
    tiles = []
    for img, gt, pred in rows:
        h, w = gt.shape
        if img.shape[:2] != (h, w):
            img = np.asarray(Image.fromarray(img).resize((w, h), Image.BILINEAR))
        sep = np.full((h, gap, 3), 255, dtype=np.uint8)
        tiles.append(np.concatenate([img, sep, colorize(gt, palette), sep, colorize(pred, palette)], 1))
    width = max(t.shape[1] for t in tiles)
    parts = []
    for t in tiles:
        parts.append(np.pad(t, ((0, gap), (0, width - t.shape[1]), (0, 0)), constant_values=255))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(parts, 0)).save(path)
    return Path(path)


def save_loss_curve(log_csv: Path, path: Path) -> Path:
    """Loss per iteration (and a moving average) from the training CSV log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(log_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    it = np.array([int(r["iter"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(it, loss, lw=0.6, alpha=0.5, label="loss")
    k = max(1, len(loss) // 20)
    if len(loss) >= k > 1:
        ax.plot(it[k - 1:], np.convolve(loss, np.ones(k) / k, mode="valid"), lw=1.5, label=f"mean of {k}")
    ax.set_xlabel("iteration")
    ax.set_ylabel("OHEM cross-entropy (+ aux/KD)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
