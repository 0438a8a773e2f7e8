"""`zeroseg train` / `zeroseg eval` on real CamVid images with a genotype of a registered space:
outputs, exact resume after a kill, and mIoU against an independent numpy confusion matrix."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from zeroseg.cli.main import main
from zeroseg.train.checkpoint import load, load_model

SIZE = ["64", "96"]


@pytest.fixture(scope="module")
def genotype() -> tuple[str, str]:
    from zeroseg.spaces import create_space, list_spaces

    if not list_spaces():
        pytest.skip("no search space registered")
    name = list_spaces()[0]
    space = create_space(name)
    return name, space.encode(space.sample(np.random.default_rng(0)))


def train_args(genotype, root: Path, out: Path, iters: int, *extra: str) -> list[str]:
    return ["train", "--space", genotype[0], "--genotype", genotype[1], "--dataset", "camvid",
            "--data-root", str(root), "--limit", "4", "--input-size", *SIZE, "--iters", str(iters),
            "--batch-size", "2", "--seed", "3", "--threads", "1", "--quiet", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def run_dir(genotype, camvid_root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert main(train_args(genotype, camvid_root, out, 3, "--ckpt-every", "2")) == 0
    return out


def losses(out: Path) -> list[tuple[int, str]]:
    with open(out / "train_log.csv", newline="") as fh:
        return [(int(r["iter"]), r["loss"]) for r in csv.DictReader(fh)]


def test_train_writes_log_curve_checkpoints_and_sidecar(run_dir, genotype) -> None:
    assert [i for i, _ in losses(run_dir)] == [1, 2, 3]
    assert (run_dir / "loss.png").stat().st_size > 1000
    meta = json.loads((run_dir / "model.json").read_text())
    assert (meta["space"], meta["genotype"], meta["num_classes"]) == (*genotype, 11)
    state, _ = load(run_dir / "checkpoints" / "iter_00000002.pt")
    assert state["iteration"] == 2 and "torch_rng" in state and "optimizer" in state


def test_kill_then_resume_matches_uninterrupted_run(genotype, camvid_root, tmp_path) -> None:
    iters = 10
    full, killed = tmp_path / "full", tmp_path / "killed"
    assert main(train_args(genotype, camvid_root, full, iters, "--ckpt-every", "2")) == 0
    proc = subprocess.Popen([sys.executable, "-m", "zeroseg", *train_args(genotype, camvid_root, killed, iters,
                                                                            "--ckpt-every", "2")])
    first = killed / "checkpoints" / "iter_00000002.pt"
    while not first.is_file() and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    done = max(i for i, _ in losses(killed))
    assert done < iters
    assert main(train_args(genotype, camvid_root, killed, iters, "--ckpt-every", "2", "--resume")) == 0
    assert losses(killed) == losses(full)  # every logged loss, bit for bit, including the resumed ones


def test_resume_refuses_other_genotype_and_fresh_run_refuses_old_out(genotype, camvid_root, run_dir) -> None:
    assert main(train_args(genotype, camvid_root, run_dir, 3)) == 2
    assert main(train_args(("nope", genotype[1]), camvid_root, run_dir, 3, "--resume")) == 2


def test_checkpoint_that_does_not_fit_its_genotype_is_a_clear_error(genotype, run_dir, tmp_path) -> None:
    from zeroseg.spaces import create_space
    from zeroseg.train.checkpoint import parse_options, save

    state, meta = load(run_dir / "model.pt")
    other = create_space(genotype[0])
    meta["genotype"] = next(t for t in (other.encode(other.sample(np.random.default_rng(s))) for s in range(1, 20))
                            if t != genotype[1])
    save(tmp_path / "model.pt", state, meta)
    with pytest.raises(ValueError, match="does not fit the network"):
        load_model(tmp_path)
    assert parse_options(["channels=16", "head=aspp", 'reductions=[3, 6]']) == {
        "channels": 16, "head": "aspp", "reductions": [3, 6]}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_options(["channels"])


def test_distillation_from_a_teacher_checkpoint(genotype, camvid_root, run_dir, tmp_path) -> None:
    out = tmp_path / "kd"
    assert main(train_args(genotype, camvid_root, out, 1, "--teacher", str(run_dir), "--kd-weight", "2")) == 0
    plain = tmp_path / "plain"
    assert main(train_args(genotype, camvid_root, plain, 1)) == 0
    assert float(losses(out)[0][1]) > float(losses(plain)[0][1])  # same batch and init, plus a KL ≥ 0


def independent_miou(run_dir: Path, root: Path, n: int) -> tuple[float, float]:
    """Predictions and labels read here without zeroseg's dataset/metrics code; numpy confusion."""
    model, _ = load_model(run_dir)
    mean, std = np.array([0.485, 0.456, 0.406]) * 255, np.array([0.229, 0.224, 0.225]) * 255
    cm = np.zeros((11, 11), dtype=np.int64)
    for line in (root / "val.txt").read_text().split("\n")[:n]:
        img_rel, lbl_rel = line.split()
        img = Image.open(root / img_rel).convert("RGB").resize((int(SIZE[1]), int(SIZE[0])), Image.BILINEAR)
        x = torch.tensor(((np.asarray(img, dtype=np.float32) - mean) / std).transpose(2, 0, 1)[None],
                         dtype=torch.float32)
        lbl = np.asarray(Image.open(root / lbl_rel)).astype(np.int64)
        with torch.no_grad():
            logits = F.interpolate(model(x), size=lbl.shape, mode="bilinear", align_corners=False)
        pred = logits.argmax(1)[0].numpy()
        keep = lbl != 11
        np.add.at(cm, (lbl[keep], pred[keep]), 1)
    iou = np.diag(cm) / (cm.sum(0) + cm.sum(1) - np.diag(cm)).astype(float)
    return float(np.nanmean(iou)), float(np.trace(cm) / cm.sum())


def test_eval_matches_independent_confusion_matrix(run_dir, camvid_root, tmp_path) -> None:
    args = ["eval", "--checkpoint", str(run_dir), "--split", "val", "--data-root", str(camvid_root),
            "--limit", "3", "--panel", "2", "--fps", "--fps-size", *SIZE, "--fps-runs", "3", "--out", str(tmp_path)]
    assert main(args) == 0
    report = json.loads((tmp_path / "eval_val.json").read_text())
    miou, acc = independent_miou(run_dir, camvid_root, 3)
    assert report["miou"] == pytest.approx(miou, abs=1e-12)
    assert report["pixel_acc"] == pytest.approx(acc, abs=1e-12)
    sp = report["speed"]
    assert sp["latency_ms_p10"] <= sp["latency_ms_median"] <= sp["latency_ms_p90"] and sp["fps_median"] > 0
    assert Image.open(tmp_path / "panel_val.png").size == (900, round(100 * (3 * 2 * 360 / 480 + 0.9)))  # 2 rows + legend
    rows = list(csv.reader(open(tmp_path / "eval_val.csv")))
    assert len(rows) == 1 + 11 + 2 and rows[-2][0] == "mIoU"
