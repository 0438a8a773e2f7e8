"""Constant-predictor baseline and summary of the 10-minute CamVid run.

The constant predictor labels every pixel with the most frequent class of the *train* labels
(void ignored); its val mIoU is the floor a trained segmenter must clearly beat.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import torch

from zeroseg.data import create_dataset
from zeroseg.train.metrics import confusion_matrix, scores


def class_pixels(ds) -> np.ndarray:
    counts = np.zeros(ds.num_classes, dtype=np.int64)
    for i in range(len(ds)):
        lbl = ds.load(i)[1]
        counts += np.bincount(lbl[lbl != ds.ignore_index], minlength=ds.num_classes)
    return counts


def constant_scores(root: str, cls: int) -> dict:
    val = create_dataset("camvid", root, "val")
    cm = torch.zeros(val.num_classes, val.num_classes, dtype=torch.int64)
    for i in range(len(val)):
        y = torch.from_numpy(val.load(i)[1])
        cm += confusion_matrix(torch.full_like(y, cls), y, val.num_classes)
    return scores(cm)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--results", required=True, type=Path)
    args = ap.parse_args()
    train = create_dataset("camvid", args.data_root, "train")
    counts = class_pixels(train)
    cls = int(counts.argmax())
    const = constant_scores(args.data_root, cls)
    ev = json.loads((args.results / "eval_val.json").read_text())
    with open(args.results / "train_log.csv", newline="") as fh:
        log = list(csv.DictReader(fh))
    summary = {
        "genotype": json.loads((args.results / "model.json").read_text()),
        "iterations": int(log[-1]["iter"]), "train_seconds": float(log[-1]["seconds"]),
        "first_loss": float(log[0]["loss"]), "last_loss": float(log[-1]["loss"]),
        "val_miou": ev["miou"], "val_pixel_acc": ev["pixel_acc"],
        "constant_class": train.class_names[cls], "constant_val_miou": const["miou"],
        "constant_val_pixel_acc": const["pixel_acc"],
        "train_class_pixel_share": dict(zip(train.class_names, (counts / counts.sum()).round(4).tolist())),
        "speed_360x480_b1": ev.get("speed"),
    }
    (args.results / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: summary[k] for k in ("iterations", "val_miou", "constant_class", "constant_val_miou")}))


if __name__ == "__main__":
    main()
