"""Losses, schedule, metrics, speed, panels and the Trainer on a tiny module (no search space needed)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from zeroseg.data import IGNORE_INDEX, TrainTransform, create_dataset
from zeroseg.train.losses import OhemCrossEntropy, pixel_kl
from zeroseg.train.metrics import confusion_matrix, scores
from zeroseg.train.panels import colorize, save_panel
from zeroseg.train.schedule import poly_lr
from zeroseg.train.speed import measure_speed
from zeroseg.train.trainer import TrainConfig, Trainer


class Tiny(nn.Module):
    """Two-conv segmenter with an auxiliary head (returned in train mode only)."""

    def __init__(self, classes: int = 3) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Dropout(0.1))
        self.head, self.aux = nn.Conv2d(8, classes, 1), nn.Conv2d(8, classes, 1)

    def forward(self, x: torch.Tensor):
        f = self.body(x)
        return (self.head(f), self.aux(f)) if self.training else self.head(f)


def test_ohem_drops_easy_pixels_but_keeps_min_kept() -> None:
    target = torch.zeros(1, 4, 8, dtype=torch.long)
    logits = torch.zeros(1, 2, 4, 8)
    logits[0, 0, :2] = 10.0  # top half: confident and right → easy
    logits[0, 1, 2:] = 1.0  # bottom half: wrong → hard
    ohem = OhemCrossEntropy(thresh=0.7, min_kept_ratio=1 / 16)(logits, target)
    hard = F.cross_entropy(logits[..., 2:, :], target[:, 2:])
    assert ohem.item() == pytest.approx(hard.item())
    assert OhemCrossEntropy(thresh=1.0)(logits, target).item() == pytest.approx(F.cross_entropy(logits, target).item())
    easy = torch.zeros(1, 2, 4, 8)
    easy[0, 0] = torch.linspace(5, 10, 32).reshape(4, 8)  # all easy: the 16 hardest (min_kept=16) stay
    kept = OhemCrossEntropy(0.7, min_kept_ratio=0.5)(easy, target)
    assert kept.item() == pytest.approx(F.cross_entropy(easy.flatten(2)[..., :16], target.flatten(1)[:, :16]).item())
    assert OhemCrossEntropy()(logits, torch.full_like(target, IGNORE_INDEX)).item() == 0.0


def test_pixel_kl() -> None:
    s = torch.randn(2, 5, 6, 6)
    assert pixel_kl(s, s).item() == pytest.approx(0.0, abs=1e-6)
    t = torch.randn(2, 5, 12, 12)
    assert pixel_kl(s, t).item() > 0.0


def test_poly_schedule() -> None:
    assert poly_lr(0.01, 0.0) == 0.01 and poly_lr(0.01, 1.0) == 0.0
    assert poly_lr(0.01, 0.5) == pytest.approx(0.01 * 0.5**0.9)


def test_confusion_and_scores_by_hand() -> None:
    target = torch.tensor([0, 0, 1, 1, 2, IGNORE_INDEX])
    pred = torch.tensor([0, 1, 1, 1, 1, 0])
    cm = confusion_matrix(pred, target, 4)
    assert cm.tolist() == [[1, 1, 0, 0], [0, 2, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]
    s = scores(cm)
    assert s["per_class_iou"][:3] == pytest.approx([0.5, 0.5, 0.0]) and np.isnan(s["per_class_iou"][3])
    assert s["miou"] == pytest.approx(1 / 3) and s["pixel_acc"] == pytest.approx(0.6)
    with pytest.raises(ValueError, match="num_classes"):
        confusion_matrix(pred, torch.tensor([0, 0, 1, 1, 7, 0]), 4)


def test_speed_and_panel(tmp_path) -> None:
    sp = measure_speed(Tiny().eval(), (32, 48), runs=5, warmup=2)
    assert 0 < sp.latency_ms_p10 <= sp.latency_ms_median <= sp.latency_ms_p90 and sp.fps_median > 0
    gt = np.array([[0, 1], [2, IGNORE_INDEX]])
    pal = np.array([[10, 20, 30], [40, 50, 60], [70, 80, 90]], dtype=np.uint8)
    assert colorize(gt, pal)[1, 1].tolist() == [0, 0, 0] and colorize(gt, pal)[1, 0].tolist() == [70, 80, 90]
    img = np.zeros((4, 6, 3), dtype=np.uint8)
    path = save_panel([(img, np.zeros((8, 12), int), np.ones((8, 12), int))] * 2, pal, tmp_path / "p.png",
                      ["a", "b", "c"])
    assert Image.open(path).size == (900, round(100 * (3 * 2 * 8 / 12 + 0.9)))  # 9" wide at 100 dpi, 2 rows


def folder_dataset(root: Path):
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for i in range(4):
        Image.fromarray(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8)).save(root / "images" / f"{i}.png")
        Image.fromarray(rng.integers(0, 3, (20, 24), dtype=np.uint8)).save(root / "labels" / f"{i}.png")
    return create_dataset("folder", root, "train", num_classes=3, transform=TrainTransform((16, 16)))


def test_trainer_aux_kd_and_time_budget(tmp_path) -> None:
    ds = folder_dataset(tmp_path / "data")
    torch.manual_seed(0)
    student, teacher = Tiny(), Tiny().eval()
    cfg = TrainConfig(out=tmp_path / "a", iters=3, batch_size=2, kd_weight=1.0, progress=False)
    tr = Trainer(student, ds, cfg, {"space": "none"}, teacher)
    x, y = ds[(0, 1)]
    with torch.no_grad():
        with_kd = tr.loss(x[None], y[None])
        tr.teacher = None
        without = tr.loss(x[None], y[None])
    assert with_kd > without > 0
    tr.teacher = teacher
    res = tr.run()
    assert res.iterations == 3 and res.curve.is_file() and np.isfinite(res.last_loss)
    rows = list(csv.DictReader(open(res.log)))
    assert [int(r["iter"]) for r in rows] == [1, 2, 3] and float(rows[1]["lr"]) < float(rows[0]["lr"])
    timed = Trainer(Tiny(), ds, TrainConfig(out=tmp_path / "b", time_budget=0.5, batch_size=2, progress=False), {})
    res = timed.run()
    assert res.iterations >= 1 and res.seconds >= 0.5
    with pytest.raises(ValueError, match="exactly one"):
        TrainConfig(out=tmp_path, iters=3, time_budget=1.0)
    with pytest.raises(ValueError, match="already holds checkpoints"):
        Trainer(Tiny(), ds, TrainConfig(out=tmp_path / "a", iters=3, progress=False), {}).run()
