"""Ranking check (issue 5): do training-free scores rank GAS genotypes as short real training does?

Samples ``--archs`` random genotypes of a space (``numpy.random.default_rng(seed)``, deduplicated by
``encode(canonical(g))``), trains each from scratch with ``zeroseg.train.Trainer`` under one
identical schedule (same seed, iterations, crop size, batch, lr) on CamVid train, evaluates val
mIoU (11 classes, void ignored) — the ground truth — and scores the same genotypes with SasWOT and
NWOT (``create_scorer("proxy")``, random init, one real CamVid batch at the training size; SasWOT's
AVT min/max calibrated as the scorer does), FLOPs/params (``space.cost``) and, when registered, the
supernet scorer. SasWOT (papers/saswot.md) reports Kendall-τ over 50 archs of TransNAS-Bench; here
the ground truth is our own CPU training, so n is small and ``ranking_report.py`` gives bootstrap CIs.
The scoring stages are in ``ranking_scoring.py``.

Every stage appends per-arch rows to a CSV in ``--results`` (flushed per row) and skips rows that
are there, so a killed run continues where it stopped; checkpoints live in ``--work`` (outside the
repo) and an interrupted training resumes from its last checkpoint.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ranking_report  # noqa: E402  (sibling modules of this experiment)
from ranking_scoring import append_row, code_digest, read_rows, stage_proxy, stage_supernet  # noqa: E402

STAGES = ("sample", "train", "proxy", "supernet", "noise", "report")
TRAIN_FIELDS = ("arch", "genotype", "iterations", "train_s", "last_loss", "miou", "pixel_acc", "eval_s", "invalid")


@dataclass(frozen=True)
class Config:
    """Everything that fixes the experiment (the same schedule for every arch)."""

    data_root: str
    results: str
    work: str
    space: str = "gas"
    archs: int = 12
    seed: int = 0
    input_size: tuple[int, int] = (96, 128)
    batch_size: int = 4
    iters: int = 200
    lr: float = 0.02
    scale: tuple[float, float] = (0.75, 1.5)
    avt_samples: int = 30
    noise_archs: int = 12
    limit: int | None = None
    device: str = "cpu"

    def schedule_key(self, genotype: str) -> str:
        """Short hash of what one training depends on (its checkpoint folder name)."""
        keys = (genotype, self.space, self.seed, self.input_size, self.batch_size, self.iters, self.lr,
                self.scale, self.limit)
        return hashlib.sha256(json.dumps(keys).encode()).hexdigest()[:10]


def sample_genotypes(space: Any, n: int, seed: int) -> list[str]:
    """``n`` distinct random genotypes (distinct networks: dedup on the canonical encoding)."""
    rng, seen = np.random.default_rng(seed), {}
    for _ in range(100 * n):
        text = space.encode(space.canonical(space.sample(rng)))
        seen.setdefault(text, None)
        if len(seen) == n:
            return list(seen)
    raise RuntimeError(f"only {len(seen)} distinct genotypes of {space.name} in {100 * n} draws; asked for {n}")


def stage_sample(cfg: Config, space: Any) -> list[str]:
    """Write ``archs.csv`` (arch, genotype, params, FLOPs at the input size, 11 classes)."""
    genotypes = sample_genotypes(space, cfg.archs, cfg.seed)
    rows = []
    for i, text in enumerate(genotypes):
        cost = space.cost(space.decode(text), cfg.input_size, num_classes=11)
        rows.append({"arch": i, "genotype": text, "params": cost.params, "flops": cost.flops})
    path = Path(cfg.results) / "archs.csv"
    path.unlink(missing_ok=True)
    for r in rows:
        append_row(path, ("arch", "genotype", "params", "flops"), r)
    return genotypes


def datasets(cfg: Config) -> tuple[Any, Any]:
    from zeroseg.data import EvalTransform, TrainTransform, create_dataset

    train = create_dataset("camvid", cfg.data_root, "train", limit=cfg.limit,
                           transform=TrainTransform(cfg.input_size, cfg.scale, True, 0.25))
    val = create_dataset("camvid", cfg.data_root, "val", limit=cfg.limit, transform=EvalTransform(cfg.input_size))
    return train, val


def train_one(cfg: Config, space: Any, arch: int, text: str, train_ds: Any, val_ds: Any) -> dict[str, Any]:
    """Train ``text`` from scratch (or resume its checkpoint) and evaluate val mIoU at full label size."""
    from zeroseg.train import checkpoint as ckpt
    from zeroseg.train.evaluate import evaluate
    from zeroseg.train.trainer import TrainConfig, Trainer

    out = Path(cfg.work) / f"arch{arch:02d}_{cfg.schedule_key(text)}"
    torch.manual_seed(cfg.seed)
    net = space.build(space.decode(text), train_ds.num_classes)
    tc = TrainConfig(out=out, iters=cfg.iters, batch_size=cfg.batch_size, lr=cfg.lr, seed=cfg.seed,
                     device=cfg.device, ckpt_every=50, progress=False)
    meta = {"space": cfg.space, "genotype": text, "num_classes": train_ds.num_classes,
            "input_size": list(cfg.input_size), "seed": cfg.seed}
    row: dict[str, Any] = {"arch": arch, "genotype": text}
    try:
        res = Trainer(net, train_ds, tc, meta).run(resume=ckpt.latest(out) is not None)
    except FloatingPointError as exc:  # this arch diverged: a recorded failure, not a crash
        return {**row, "miou": float("nan"), "invalid": f"training: {exc}"}
    t0 = time.perf_counter()
    ev, _ = evaluate(net, val_ds, "val", cfg.device, batch_size=cfg.batch_size)
    return {**row, "iterations": res.iterations, "train_s": round(res.seconds, 2), "last_loss": res.last_loss,
            "miou": ev.miou, "pixel_acc": ev.pixel_acc, "eval_s": round(time.perf_counter() - t0, 2)}


def stage_train(cfg: Config, space: Any, genotypes: list[str], log: Callable[[str], None]) -> None:
    path = Path(cfg.results) / "train.csv"
    done = {r["genotype"] for r in read_rows(path)}
    todo = [(i, g) for i, g in enumerate(genotypes) if g not in done]
    if not todo:
        return
    train_ds, val_ds = datasets(cfg)
    for i, text in todo:
        row = train_one(cfg, space, i, text, train_ds, val_ds)
        append_row(path, TRAIN_FIELDS, row)
        log(f"[train] arch {i}: mIoU {row['miou']:.4f} after {row.get('iterations', '-')} it, "
            f"{row.get('train_s', '-')} s train + {row.get('eval_s', '-')} s eval {row.get('invalid', '')}")


def stage_noise(cfg: Config, space: Any, genotypes: list[str], log: Callable[[str], None]) -> None:
    """Retrain the first ``noise_archs`` archs under seed + 1 (other init and data order): the
    seed-to-seed mIoU change is the ground truth's own noise, to compare with the spread across archs."""
    other = replace(cfg, seed=cfg.seed + 1, results=str(Path(cfg.results) / "noise"))
    Path(other.results).mkdir(parents=True, exist_ok=True)
    stage_train(other, space, genotypes[:cfg.noise_archs], log)


def record_time(cfg: Config, stage: str, seconds: float) -> None:
    """Append the stage's wall time and the machine's load to ``timings.csv`` (shared 2-core box)."""
    append_row(Path(cfg.results) / "timings.csv", ("stage", "started_utc", "seconds", "load_avg_1m"),
               {"stage": stage, "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds)),
                "seconds": round(seconds, 1), "load_avg_1m": round(os.getloadavg()[0], 2)})


SETTINGS = ("space", "seed", "input_size", "batch_size", "iters", "lr", "scale", "avt_samples", "limit")


def check_settings(cfg: Config) -> None:
    """Refuse to mix rows of another schedule into ``--results`` (``settings.json`` keeps the first)."""
    path, now = Path(cfg.results) / "settings.json", json.loads(json.dumps({k: getattr(cfg, k) for k in SETTINGS}))
    if not path.is_file():
        path.write_text(json.dumps(now, indent=2) + "\n")
        return
    diff = {k: (v, now.get(k)) for k, v in json.loads(path.read_text()).items() if now.get(k) != v}
    if diff:
        raise ValueError(f"{cfg.results} holds results of other settings (saved, asked): {diff}; "
                         "use another --results folder")


def run(cfg: Config, stages: tuple[str, ...], supernet_options: dict[str, Any],
        log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run ``stages`` in order (sample always runs: it is cheap and fixes the arch list)."""
    from zeroseg.scorers import list_scorers
    from zeroseg.spaces import create_space

    bad = [s for s in stages if s not in STAGES]
    if bad:
        raise ValueError(f"unknown stages {bad}; valid: {', '.join(STAGES)}")

    Path(cfg.results).mkdir(parents=True, exist_ok=True)
    check_settings(cfg)
    list_scorers()  # loads every scorer module now, so the digest below is of the code that runs
    digest = code_digest()
    space = create_space(cfg.space)
    genotypes = stage_sample(cfg, space)
    status_path = Path(cfg.results) / "supernet_status.json"
    status = json.loads(status_path.read_text()) if status_path.is_file() else {"available": False,
                                                                                "reason": "supernet stage not run"}
    for stage in (s for s in stages if s != "sample"):
        t0, before = time.perf_counter(), rows_written(cfg)
        if stage == "train":
            stage_train(cfg, space, genotypes, log)
        elif stage == "proxy":
            stage_proxy(cfg, space, genotypes, log)
        elif stage == "supernet":
            status = stage_supernet(cfg, space, genotypes, supernet_options, digest, log)
            status_path.write_text(json.dumps(status, indent=2, default=str) + "\n")
        elif stage == "noise":
            stage_noise(cfg, space, genotypes, log)
        elif stage == "report":
            return ranking_report.write_report(Path(cfg.results), {"config": asdict(cfg), "supernet": status}, log)
        if rows_written(cfg) > before:  # a resumed stage with nothing left to do is not timed
            record_time(cfg, stage, time.perf_counter() - t0)
    return {}


def rows_written(cfg: Config) -> int:
    res = Path(cfg.results)
    return sum(len(read_rows(p)) for p in (res / "train.csv", res / "scores.csv", res / "noise" / "train.csv"))


def parse_args(argv: list[str] | None = None) -> tuple[Config, tuple[str, ...], dict[str, Any]]:
    from zeroseg.train.checkpoint import parse_options

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-root", default=str(HERE.parents[2] / "shared" / "data" / "camvid"),
                   help="SegNet-layout CamVid folder (default ../shared/data/camvid)")
    p.add_argument("--results", default="runs/ranking_check", help="CSV/JSON/Markdown/PNG output folder "
                   "(default runs/ranking_check; committed: --results experiments/ranking_check/results)")
    p.add_argument("--work", default="/tmp/zeroseg_ranking_check", help="checkpoint folder (outside the repo)")
    p.add_argument("--space", default="gas")
    p.add_argument("--archs", type=int, default=12, help="number of random genotypes (default 12)")
    p.add_argument("--seed", type=int, default=0, help="one seed: genotypes, init, data order, scoring batch")
    p.add_argument("--input-size", type=int, nargs=2, default=(96, 128), metavar=("H", "W"))
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--iters", type=int, default=200, help="training iterations per arch (default 200)")
    p.add_argument("--lr", type=float, default=0.02, help="initial lr, poly 0.9 to zero (default 0.02)")
    p.add_argument("--avt-samples", type=int, default=30, help="random genotypes for SasWOT's AVT min/max")
    p.add_argument("--noise-archs", type=int, default=12,
                   help="first N archs retrained under seed+1: the ground truth's seed noise (default 12 = all)")
    p.add_argument("--limit", type=int, default=None, help="first N train/val images only (smoke runs)")
    p.add_argument("--stages", default=",".join(STAGES), help=f"comma list of {', '.join(STAGES)}")
    p.add_argument("--supernet-opt", action="append", metavar="KEY=VALUE",
                   help="supernet scorer option (JSON value), e.g. finetune_steps=20")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--device", default="cpu")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    cfg = Config(data_root=a.data_root, results=a.results, work=a.work, space=a.space, archs=a.archs, seed=a.seed,
                 input_size=tuple(a.input_size), batch_size=a.batch_size, iters=a.iters, lr=a.lr,
                 avt_samples=a.avt_samples, noise_archs=a.noise_archs, limit=a.limit, device=a.device)
    return cfg, tuple(s.strip() for s in a.stages.split(",") if s.strip()), parse_options(a.supernet_opt)


if __name__ == "__main__":
    config, todo, sn_options = parse_args()
    summary = run(config, todo, sn_options, log=lambda m: print(m, flush=True))
    if summary:
        print(json.dumps(summary["headline"], indent=2, ensure_ascii=False))
