"""Single-scale evaluation (optional horizontal flip) with logits upsampled to the label resolution."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from zeroseg.data.base import SegDataset
from zeroseg.data.loader import loader_options
from zeroseg.data.transforms import denormalize
from zeroseg.progress import progress as show_progress
from zeroseg.train.metrics import confusion_matrix, scores
from zeroseg.train.trainer import split_output, upsample
from zeroseg.jsonio import write_json


@dataclass
class EvalResult:
    split: str
    miou: float
    pixel_acc: float
    mean_acc: float
    per_class_iou: dict[str, float]
    confusion: list[list[int]]
    samples: int
    flip: bool


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, size: tuple[int, int], flip: bool = False) -> torch.Tensor:
    """Class probabilities at ``size``; with ``flip`` averaged with the mirrored input's."""
    prob = upsample(split_output(model(x))[0].float(), size).softmax(1)
    if flip:
        prob = prob + upsample(split_output(model(x.flip(-1)))[0].float(), size).softmax(1).flip(-1)
    return prob


def evaluate(model: nn.Module, dataset: SegDataset, split: str, device: str = "cpu", flip: bool = False,
             batch_size: int = 1, workers: int | None = None, panel: int = 0,
             progress: bool = False) -> tuple[EvalResult, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Confusion-matrix metrics over ``dataset`` and ``panel`` (image, GT, prediction) triples taken
    evenly across the split (CamVid's neighbouring frames are near duplicates)."""
    model = model.to(device).eval()
    k = dataset.num_classes
    cm = torch.zeros(k, k, dtype=torch.int64)
    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    every, seen = max(1, len(dataset) // max(panel, 1)), 0
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, **loader_options(device, workers))
    for x, y in show_progress(loader, enabled=progress, desc=f"eval {split}"):
        pred = predict(model, x.to(device, non_blocking=True), tuple(y.shape[-2:]), flip).argmax(1).cpu()
        cm += confusion_matrix(pred, y, k, dataset.ignore_index)
        for i in range(len(x)):
            if (seen + i) % every == 0 and len(rows) < panel:
                rows.append((denormalize(x[i]), y[i].numpy(), pred[i].numpy()))
        seen += len(x)
    s = scores(cm)
    per_class = dict(zip(dataset.class_names, s["per_class_iou"]))  # type: ignore[arg-type]
    result = EvalResult(split, s["miou"], s["pixel_acc"], s["mean_acc"], per_class,  # type: ignore[arg-type]
                        cm.tolist(), len(dataset), flip)
    return result, rows


def write_report(result: EvalResult, out: Path, extra: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """``eval_<split>.json`` (everything) and ``eval_<split>.csv`` (class, IoU; then mIoU, pixel acc)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    js, cs = out / f"eval_{result.split}.json", out / f"eval_{result.split}.csv"
    write_json(js, {**asdict(result), **(extra or {})})
    with open(cs, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("class", "iou"))
        w.writerows((name, f"{v:.6f}") for name, v in result.per_class_iou.items())
        w.writerow(("mIoU", f"{result.miou:.6f}"))
        w.writerow(("pixel_acc", f"{result.pixel_acc:.6f}"))
    return js, cs
