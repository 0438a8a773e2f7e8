"""Confusion matrix with an ignore value, per-class IoU, mIoU and pixel accuracy (Long et al. 2015)."""

from __future__ import annotations

import numpy as np
import torch

from zeroseg.data.base import IGNORE_INDEX


def confusion_matrix(pred: torch.Tensor, target: torch.Tensor, num_classes: int,
                     ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """K×K int64 counts, rows = ground truth, columns = prediction; ignored pixels skipped."""
    valid = target != ignore_index
    t, p = target[valid].long(), pred[valid].long()
    if t.numel() and (int(t.max()) >= num_classes or int(t.min()) < 0):
        raise ValueError(f"target holds class {int(t.max())} but num_classes is {num_classes}")
    return torch.bincount(t * num_classes + p, minlength=num_classes**2).reshape(num_classes, num_classes).cpu()


def scores(cm: torch.Tensor | np.ndarray) -> dict[str, float | list[float]]:
    """Per-class IoU (NaN for classes absent from both GT and prediction), mIoU over the rest,
    pixel accuracy and mean class accuracy."""
    m = np.asarray(cm, dtype=np.float64)
    tp = np.diag(m)
    gt, pr = m.sum(1), m.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = tp / (gt + pr - tp)
        acc = tp / gt
    total = m.sum()
    return {
        "miou": float(np.nanmean(iou)) if np.isfinite(iou).any() else float("nan"),
        "pixel_acc": float(tp.sum() / total) if total else float("nan"),
        "mean_acc": float(np.nanmean(acc)) if np.isfinite(acc).any() else float("nan"),
        "per_class_iou": [float(v) for v in iou],
    }
