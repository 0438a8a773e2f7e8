"""Iteration-based training of any segmentation ``nn.Module`` (GAS §4.2 / mmsegmentation recipe).

SGD momentum 0.9 with the poly schedule, OHEM cross-entropy, optional auxiliary heads (a model
returning a tuple ``(main, *aux)`` in train mode) and pixel-wise KL distillation from a teacher;
AMP on CUDA only. Checkpoints carry the model, optimizer, scaler, iteration, elapsed time and the
torch RNG states; with the seeded sample stream this makes ``resume`` bit-exact on CPU.
"""

from __future__ import annotations

import csv
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from zeroseg.data.base import SegDataset
from zeroseg.data.loader import loader_options
from zeroseg.data.sampler import SeededStream
from zeroseg.progress import progress as show_progress
from zeroseg.train import checkpoint as ckpt
from zeroseg.train.losses import OhemCrossEntropy, pixel_kl
from zeroseg.train.panels import save_loss_curve
from zeroseg.train.schedule import make_sgd, poly_lr, set_lr

LOG_FIELDS = ("iter", "loss", "lr", "seconds")


@dataclass
class TrainConfig:
    """Hyper-parameters; exactly one of ``iters`` / ``time_budget`` bounds the run."""

    out: Path
    iters: int | None = None
    time_budget: float | None = None
    batch_size: int = 8
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 5e-4
    power: float = 0.9
    seed: int = 0
    device: str = "cpu"
    ckpt_every: int = 100
    keep: int = 2
    workers: int | None = None  # None: data.loader.auto_workers (0 on CPU, several on CUDA)
    aux_weight: float = 0.4
    kd_weight: float = 0.0
    kd_temperature: float = 1.0
    ohem_thresh: float = 0.7
    ohem_ratio: float = 1 / 16
    amp: bool = True
    progress: bool = True

    def __post_init__(self) -> None:
        if (self.iters is None) == (self.time_budget is None):
            raise ValueError("give exactly one of iters or time_budget")
        if (self.iters is not None and self.iters < 1) or (self.time_budget is not None and self.time_budget <= 0):
            raise ValueError(f"iters/time_budget must be positive, got {self.iters}/{self.time_budget}")
        if self.batch_size < 1 or self.lr <= 0 or self.ckpt_every < 1:
            raise ValueError("batch_size, lr and ckpt_every must be positive")


@dataclass(frozen=True)
class TrainResult:
    iterations: int
    seconds: float
    last_loss: float
    log: Path
    curve: Path
    model: Path


@contextmanager
def cudnn_autotune(device: torch.device) -> Iterator[None]:
    """cuDNN benchmark mode while training on CUDA: crops and batches have one fixed shape
    (``drop_last``), so each layer's fastest algorithm is searched once and reused; restored after."""
    old = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = old or device.type == "cuda"
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = old


def split_output(out: Any) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(main logits, auxiliary logits) of a model output: a tensor, or a tuple/list (main, *aux)."""
    if isinstance(out, (tuple, list)):
        return out[0], list(out[1:])
    return out, []


def upsample(logits: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(logits.shape[-2:]) == tuple(size):
        return logits
    return F.interpolate(logits, size=size, mode="bilinear", align_corners=False)


class Trainer:
    """Trains ``model`` on ``dataset`` (a ``SegDataset`` with a train transform) into ``cfg.out``."""

    def __init__(self, model: nn.Module, dataset: SegDataset, cfg: TrainConfig, meta: dict[str, Any],
                 teacher: nn.Module | None = None) -> None:
        self.cfg, self.meta, self.dataset = cfg, dict(meta), dataset
        self.out = Path(cfg.out)
        self.device = torch.device(cfg.device)
        self.model = model.to(self.device)
        self.teacher = teacher.to(self.device).eval() if teacher is not None else None
        if cfg.kd_weight > 0 and self.teacher is None:
            raise ValueError("kd_weight > 0 needs a teacher checkpoint")
        self.opt = make_sgd(self.model, cfg.lr, cfg.momentum, cfg.weight_decay)
        self.amp = cfg.amp and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.criterion = OhemCrossEntropy(cfg.ohem_thresh, cfg.ohem_ratio, dataset.ignore_index)
        self.iteration, self.elapsed = 0, 0.0
        self.log_path, self.curve_path = self.out / "train_log.csv", self.out / "loss.png"

    def progress(self) -> float:
        """Fraction of the run done: iterations, or seconds of the time budget."""
        if self.cfg.iters is not None:
            return self.iteration / self.cfg.iters
        return self.elapsed / float(self.cfg.time_budget)  # type: ignore[arg-type]

    def state(self) -> dict[str, Any]:
        st: dict[str, Any] = {"model": self.model.state_dict(), "optimizer": self.opt.state_dict(),
                              "scaler": self.scaler.state_dict(), "iteration": self.iteration,
                              "elapsed": self.elapsed, "torch_rng": torch.get_rng_state()}
        if self.device.type == "cuda":
            st["cuda_rng"] = torch.cuda.get_rng_state_all()
        return st

    def restore(self, path: Path) -> None:
        st, _ = ckpt.load(path, self.device)
        self.model.load_state_dict(st["model"])
        self.opt.load_state_dict(st["optimizer"])
        self.scaler.load_state_dict(st["scaler"])
        self.iteration, self.elapsed = int(st["iteration"]), float(st["elapsed"])
        torch.set_rng_state(st["torch_rng"].cpu())
        if "cuda_rng" in st and self.device.type == "cuda":
            torch.cuda.set_rng_state_all([s.cpu() for s in st["cuda_rng"]])

    def save(self) -> None:
        meta = {**self.meta, "iteration": self.iteration}
        ckpt.save(ckpt.iter_path(self.out, self.iteration), self.state(), meta)
        ckpt.prune(self.out, self.cfg.keep)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        main, aux = split_output(self.model(x))
        size = tuple(y.shape[-2:])
        loss = self.criterion(upsample(main, size), y)
        for a in aux:
            loss = loss + self.cfg.aux_weight * self.criterion(upsample(a, size), y)
        if self.teacher is not None and self.cfg.kd_weight > 0:
            with torch.no_grad():
                t_main, _ = split_output(self.teacher(x))
            loss = loss + self.cfg.kd_weight * pixel_kl(main, t_main, self.cfg.kd_temperature)
        return loss

    def step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        lr = poly_lr(self.cfg.lr, self.progress(), self.cfg.power)
        set_lr(self.opt, lr)
        self.opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.float16, enabled=self.amp):
            loss = self.loss(x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True))
        value = float(loss.item())  # the step's one host sync (logged anyway)
        if not math.isfinite(value):
            raise FloatingPointError(f"loss is {value} at iteration {self.iteration + 1}; lower --lr")
        self.scaler.scale(loss).backward()
        self.scaler.step(self.opt)
        self.scaler.update()
        return value, lr

    def start(self, resume: bool) -> None:
        found = ckpt.latest(self.out, intact=resume)
        if resume:
            if found is None:
                raise FileNotFoundError(f"nothing to resume: no checkpoint in {self.out / ckpt.CKPT_DIR}")
            self.restore(found)
            keep_log_rows(self.log_path, self.iteration)
        elif found is not None:
            raise ValueError(f"{self.out} already holds checkpoints; pass --resume or choose another --out")
        else:
            self.out.mkdir(parents=True, exist_ok=True)
            write_rows(self.log_path, [], "w")

    def batches(self) -> torch.utils.data.DataLoader:
        stream = SeededStream(len(self.dataset), self.cfg.seed, self.iteration * self.cfg.batch_size)
        return torch.utils.data.DataLoader(self.dataset, batch_size=self.cfg.batch_size, sampler=stream,
                                           drop_last=True, **loader_options(self.device, self.cfg.workers))

    def run(self, resume: bool = False) -> TrainResult:
        """Train until the iteration count or time budget is used; returns where things were written."""
        self.start(resume)
        self.model.train()
        bar = show_progress(total=self.cfg.iters, initial=self.iteration, enabled=self.cfg.progress, desc="train")
        last, t0 = float("nan"), time.perf_counter() - self.elapsed
        with cudnn_autotune(self.device):
            for x, y in self.batches():
                if self.progress() >= 1.0:
                    break
                last, lr = self.step(x, y)
                self.iteration, self.elapsed = self.iteration + 1, time.perf_counter() - t0
                write_rows(self.log_path, [(self.iteration, repr(last), repr(lr), f"{self.elapsed:.3f}")], "a")
                bar.update(1)
                bar.set_postfix(loss=f"{last:.4f}", lr=f"{lr:.2e}", **self.left())
                if self.iteration % self.cfg.ckpt_every == 0:
                    self.save()
        bar.close()
        if ckpt.latest(self.out) != ckpt.iter_path(self.out, self.iteration):
            self.save()
        final = ckpt.save(self.out / ckpt.FINAL, {"model": self.model.state_dict()},
                          {**self.meta, "iteration": self.iteration})
        save_loss_curve(self.log_path, self.curve_path)
        return TrainResult(self.iteration, self.elapsed, last, self.log_path, self.curve_path, final)

    def left(self) -> dict[str, str]:
        """Time left for the progress bar (a time budget has no iteration total for tqdm's ETA)."""
        if self.cfg.time_budget is None:
            return {}
        return {"left": f"{max(0.0, self.cfg.time_budget - self.elapsed):.0f}s"}


def write_rows(path: Path, rows: list[tuple[Any, ...]], mode: str) -> None:
    """Append (or start) the CSV log; flushed per row so a killed run keeps what it logged."""
    with open(path, mode, newline="") as fh:
        w = csv.writer(fh)
        if mode == "w":
            w.writerow(LOG_FIELDS)
        w.writerows(rows)


def keep_log_rows(path: Path, upto: int) -> None:
    """On resume, drop log rows after the checkpoint's iteration (they will be redone)."""
    rows = []
    if path.is_file():
        with open(path, newline="") as fh:
            rows = [tuple(r.values()) for r in csv.DictReader(fh) if int(r["iter"]) <= upto]
    write_rows(path, rows, "w")
