"""The prepared GPU check (experiments/gpu) in its CPU smoke mode, its time boxes, and the GPU
defaults of loaders and training (issue 16, items 2-3), which must leave CPU runs as they were."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from zeroseg.data import TrainTransform, create_dataset
from zeroseg.data.loader import auto_workers, loader_options
from zeroseg.train.trainer import TrainConfig, Trainer, cudnn_autotune

REPO = Path(__file__).resolve().parents[1]
GPU = REPO / "experiments" / "gpu"
STAGES = {"cuda_tests", "score", "discovery", "search_gas", "throughput", "miou"}  # smoke: one search space


def strict_json(text: str) -> dict:
    def bad(token: str) -> None:
        raise ValueError(f"non-standard JSON constant {token}")
    return json.loads(text, parse_constant=bad)


def test_smoke_mode_runs_every_stage_and_writes_the_report(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("OUT", "ZEROSEG_CAMVID")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    out = tmp_path / "out"
    r = subprocess.run(["bash", str(GPU / "check.sh"), "--smoke", "--shipped-data", "--out", str(out),
                        "--work", str(tmp_path / "work")], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().splitlines()[-1].startswith(f"wrote {out / 'report.json'}")
    doc = strict_json((out / "report.json").read_text())
    by = {s["name"]: s for s in doc["stages"]}
    assert set(by) == STAGES and doc["mode"] == "smoke" and doc["data"]["source"] == "shipped"
    bad = {n: (s["status"], s["error"], s["details"].get("traceback")) for n, s in by.items() if s["status"] != "ok"}
    assert not bad, bad
    tests = by["cuda_tests"]
    if not torch.cuda.is_available():
        assert tests["summary"]["skipped"] > 0 and tests["summary"]["passed"] == 0 == tests["summary"]["failed"]
        assert all(m.startswith("CUDA not available") for m in tests["details"]["skip_reasons"])
    assert by["score"]["summary"]["archs"] == 2 and by["score"]["summary"]["median_collect_s"] > 0
    assert by["discovery"]["summary"]["share_equal_to_cpu_resident"] == 1.0
    assert by["search_gas"]["summary"]["evaluated"] == 4
    assert by["throughput"]["summary"]["iterations"] >= 1
    assert set(by["miou"]["details"]["runs"]) == {"searched", "random"}
    assert all(0 <= run["miou"] <= 1 for run in by["miou"]["details"]["runs"].values())
    md = (out / "report.md").read_text()
    assert "zeroseg single-GPU check (smoke)" in md and "`zeroseg search` of gas" in md


def load_check():
    sys.path.insert(0, str(GPU))
    try:
        import check  # noqa: PLC0415 - the experiment's driver, a script folder, not a package
    finally:
        sys.path.remove(str(GPU))
    return check


def test_a_stage_over_its_box_is_cut_and_keeps_what_it_recorded() -> None:
    check = load_check()

    def slow(rec: dict) -> None:
        rec["first"] = 1
        time.sleep(60)

    res = check.run_stage("slow", slow, 0.3)
    assert res["status"] == "cut" and res["details"] == {"first": 1} and res["seconds"] < 30
    broken = check.run_stage("broken", lambda rec: 1 / 0, 5)
    assert broken["status"] == "failed" and broken["error"].startswith("ZeroDivisionError")
    assert check.run_stage("fine", lambda rec: rec.update(summary={"x": 1}), 5)["summary"] == {"x": 1}


def test_check_refuses_a_missing_device_or_unknown_stage(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    check = load_check()
    if not torch.cuda.is_available():
        assert check.main(["--out", str(tmp_path)]) == 2
        assert "no CUDA device" in capsys.readouterr().err
    assert check.main(["--smoke", "--shipped-data", "--out", str(tmp_path), "--work", str(tmp_path / "w"),
                       "--stages", "nope"]) == 2
    assert "unknown stages ['nope']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        check.parse_args(["--box", "miou=soon"])
    assert "--box takes STAGE=SECONDS" in capsys.readouterr().err


def test_loader_defaults_pin_and_use_workers_on_cuda_only() -> None:
    assert loader_options("cpu") == {"num_workers": 0, "pin_memory": False}
    cuda = loader_options("cuda")
    assert cuda["pin_memory"] and 1 <= cuda["num_workers"] <= 8
    assert auto_workers("cuda:0", 3) == 3 and auto_workers("cpu", 2) == 2
    with pytest.raises(ValueError, match="workers"):
        auto_workers("cpu", -1)


def test_cpu_training_is_unchanged_by_the_gpu_defaults(tmp_path: Path) -> None:
    """On CPU: no workers, no pinned memory, no AMP, cuDNN flags untouched; losses are those of an
    explicit ``workers=0`` run (the default changed from 0 to None = auto)."""
    rng = np.random.default_rng(0)
    for sub in ("images", "labels"):
        (tmp_path / "data" / sub).mkdir(parents=True)
    for i in range(4):
        Image.fromarray(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8)).save(tmp_path / "data/images" / f"{i}.png")
        Image.fromarray(rng.integers(0, 3, (20, 24), dtype=np.uint8)).save(tmp_path / "data/labels" / f"{i}.png")
    ds = create_dataset("folder", tmp_path / "data", "train", num_classes=3, transform=TrainTransform((16, 16)))
    bench = torch.backends.cudnn.benchmark
    losses = []
    for name, workers in (("auto", None), ("zero", 0)):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, 3, 1))
        cfg = TrainConfig(out=tmp_path / name, iters=3, batch_size=2, workers=workers, progress=False)
        trainer = Trainer(model, ds, cfg, meta={})
        loader = trainer.batches()
        assert (loader.num_workers, loader.pin_memory, trainer.amp) == (0, False, False)
        trainer.run()
        losses.append((tmp_path / name / "train_log.csv").read_text().splitlines()[1:])
        assert torch.backends.cudnn.benchmark == bench
    assert [r.split(",")[1] for r in losses[0]] == [r.split(",")[1] for r in losses[1]]
    with cudnn_autotune(torch.device("cuda")):
        assert torch.backends.cudnn.benchmark
    assert torch.backends.cudnn.benchmark == bench
