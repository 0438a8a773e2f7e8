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
               path: Path, class_names: Sequence[str] | None = None) -> Path:
    """One row per sample: image | ground truth | prediction, titled columns and a class-colour legend."""
    import matplotlib  # heavy (matplotlib): only when a plot is drawn

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    if not rows:
        raise ValueError("no samples for the panel")
    h, w = rows[0][1].shape
    height = 3 * len(rows) * h / w + 0.9  # inches: three columns 3" wide, plus the legend
    fig, axes = plt.subplots(len(rows), 3, figsize=(9, height), squeeze=False)
    for r, (img, gt, pred) in enumerate(rows):
        if img.shape[:2] != gt.shape:
            img = np.asarray(Image.fromarray(img).resize(gt.shape[::-1], Image.BILINEAR))
        for ax, tile in zip(axes[r], (img, colorize(gt, palette), colorize(pred, palette))):
            ax.imshow(tile, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
    for ax, title in zip(axes[0], ("image", "ground truth", "prediction")):
        ax.set_title(title, fontsize=11)
    names = list(class_names or (f"class {i}" for i in range(len(palette))))
    handles = [Patch(color=np.asarray(palette[i]) / 255, label=n) for i, n in enumerate(names[: len(palette)])]
    handles.append(Patch(facecolor="black", edgecolor="grey", label="ignored"))
    fig.legend(handles=handles, loc="lower center", ncol=min(6, len(handles)), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.55 / height, 1, 1))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def save_loss_curve(log_csv: Path, path: Path) -> Path:
    """Loss per iteration (and a moving average) from the training CSV log."""
    import matplotlib  # heavy (matplotlib): only when a plot is drawn

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
