"""Supernet training by uniform single-path sampling (SPOS, Guo et al. ECCV 2020 §3.2).

Each step samples one genotype uniformly with the space's own ``sample`` (numpy generator seeded by
``[seed, 5]``), builds it with torch seeded by ``[seed, step]`` (so a tensor first seen at a step
gets a reproducible fresh init), binds it to the weight store and takes one SGD-momentum step of the
trainer's loss (OHEM cross-entropy, auxiliary heads weighted 0.4) on the next train batch, with the
poly schedule (GAS §4.2). On CPU the same settings give a bitwise-identical store.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from zeroseg.progress import progress as show_progress
from zeroseg.spaces import create_space
from zeroseg.supernet.data import train_batches
from zeroseg.supernet.store import WeightStore
from zeroseg.train.losses import OhemCrossEntropy
from zeroseg.train.schedule import poly_lr
from zeroseg.train.trainer import split_output, upsample

AUX_WEIGHT = 0.4  # auxiliary-head loss weight, as zeroseg.train.TrainConfig
FORMAT = 1  # bump when the store's key scheme changes: old checkpoints then get new file names


@dataclass(frozen=True)
class SupernetSettings:
    """Everything that fixes a supernet's weights; its digest names the checkpoint file."""

    space: str
    dataset: str
    num_classes: int
    input_size: tuple[int, int]
    batch_size: int
    steps: int
    seed: int
    lr: float
    momentum: float = 0.9
    weight_decay: float = 5e-4

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1 or not self.lr > 0:
            raise ValueError(f"supernet steps, batch size and lr must be positive, got "
                             f"{self.steps}, {self.batch_size}, {self.lr}")
        object.__setattr__(self, "input_size", tuple(int(v) for v in self.input_size))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "input_size": list(self.input_size), "format": FORMAT}

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def seeded_build(space: Any, g: Any, num_classes: int, seed: int | list[int]) -> nn.Module:
    """``space.build(g)`` under a private torch seed (the caller's RNG stream is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(np.random.SeedSequence(seed).generate_state(1)[0]))
        return space.build(g, num_classes)


def seg_loss(net: nn.Module, x: torch.Tensor, y: torch.Tensor, criterion: nn.Module) -> torch.Tensor:
    """The trainer's objective: criterion on the main logits plus 0.4 × each auxiliary head's."""
    main, aux = split_output(net(x))
    size = tuple(y.shape[-2:])
    loss = criterion(upsample(main, size), y)
    for a in aux:
        loss = loss + AUX_WEIGHT * criterion(upsample(a, size), y)
    return loss


def train_supernet(s: SupernetSettings, data_root: str | None, device: str = "cpu", progress: bool | None = None,
                   log: Callable[[str], None] = print) -> tuple[WeightStore, dict[str, Any]]:
    """Train a weight store for ``s.steps`` single-path steps; returns it and a summary (losses …)."""
    space, store = create_space(s.space), WeightStore(device)
    rng, criterion = np.random.default_rng([s.seed, 5]), OhemCrossEntropy()
    batches = train_batches(s.dataset, data_root, s.input_size, s.batch_size, s.seed)
    log(f"[supernet] training {s.space} for {s.steps} single-path steps at {s.input_size}, batch {s.batch_size}")
    losses, t0 = [], time.perf_counter()
    bar = show_progress(range(s.steps), enabled=progress, desc="supernet", unit="step")
    for step in bar:
        g = space.sample(rng)
        net = seeded_build(space, g, s.num_classes, [s.seed, step]).to(store.device)
        store.bind(net)
        net.train()
        x, y = next(batches)
        loss = seg_loss(net, x.to(store.device), y.to(store.device), criterion)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"supernet loss is {loss.item()} at step {step + 1} on {space.encode(g)}; "
                                     f"lower the supernet lr ({s.lr})")
        loss.backward()
        store.sgd_step(poly_lr(s.lr, step / s.steps), s.momentum, s.weight_decay)
        losses.append(float(loss.item()))
        bar.set_postfix(loss=f"{losses[-1]:.3f}", tensors=len(store))
    seconds = time.perf_counter() - t0
    tail = losses[-max(1, len(losses) // 10):]
    return store, {"steps": s.steps, "seconds": round(seconds, 2), "seconds_per_step": round(seconds / s.steps, 4),
                   "first_loss": losses[0], "last_loss_mean": float(np.mean(tail)), "tensors": len(store)}
