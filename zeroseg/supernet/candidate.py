"""Scoring one candidate with inherited supernet weights (SPOS §3.3 / FasterSeg-style short fine-tuning).

The candidate is built under the search seed, takes a copy of every tensor the store has for it
(the rest keep that seeded fresh init and are counted), is fine-tuned for ``k`` SGD steps of the
trainer's loss on fixed train batches (BN statistics re-estimated on the way), then scored by mIoU
on a fixed validation subset at the input size. A non-finite loss or a network that fails to run
is an invalid result with the reason, never an exception that stops the search.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import torch

from zeroseg.scorers.base import ScoreResult
from zeroseg.supernet.data import Batch
from zeroseg.supernet.store import WeightStore
from zeroseg.supernet.train import seeded_build, seg_loss
from zeroseg.train.evaluate import predict
from zeroseg.train.losses import OhemCrossEntropy
from zeroseg.train.metrics import confusion_matrix, scores
from zeroseg.train.schedule import make_sgd, poly_lr, set_lr


def finetune(net: torch.nn.Module, batches: Sequence[Batch], lr: float, device: torch.device) -> float | str:
    """``len(batches)`` SGD-momentum steps with the poly schedule; the last loss, or why it stopped."""
    opt, criterion, loss = make_sgd(net, lr), OhemCrossEntropy(), torch.tensor(float("nan"))
    net.train()
    for i, (x, y) in enumerate(batches):
        set_lr(opt, poly_lr(lr, i / len(batches)))
        opt.zero_grad(set_to_none=True)
        loss = seg_loss(net, x.to(device), y.to(device), criterion)
        if not torch.isfinite(loss):
            return f"fine-tuning loss is {loss.item()} at step {i + 1}"
        loss.backward()
        opt.step()
    return float(loss.item())


def validate(net: torch.nn.Module, val: Batch, batch_size: int, num_classes: int,
             device: torch.device) -> dict[str, Any]:
    """mIoU and pixel accuracy of ``net`` (eval mode) on the validation images, ``batch_size`` at a time."""
    net.eval()
    x_all, y_all = val
    cm = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for i in range(0, len(x_all), batch_size):
        x, y = x_all[i:i + batch_size].to(device), y_all[i:i + batch_size]
        cm += confusion_matrix(predict(net, x, tuple(y.shape[-2:])).argmax(1).cpu(), y, num_classes)
    return scores(cm)


def score_candidate(store: WeightStore, space: Any, g: Any, num_classes: int, batches: Sequence[Batch], val: Batch,
                    lr: float, seed: int, batch_size: int) -> ScoreResult:
    """Inherit → fine-tune → validate; ``value`` is the val mIoU in [0, 1]."""
    t0 = time.perf_counter()
    try:
        net = seeded_build(space, g, num_classes, seed).to(store.device)
        inherited, total = store.inherit(net)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            loss = finetune(net, batches, lr, store.device) if batches else float("nan")
            if isinstance(loss, str):
                return ScoreResult(invalid=loss, info={"inherited": inherited, "tensors": total})
            s = validate(net, val, batch_size, num_classes, store.device)
    except (RuntimeError, ValueError, TypeError) as exc:  # this network's failure, not the search's
        return ScoreResult(invalid=f"supernet scoring: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    info = {"finetune_loss": loss, "val_pixel_acc": s["pixel_acc"], "inherited": inherited, "tensors": total,
            "fresh": total - inherited, "score_seconds": round(time.perf_counter() - t0, 3)}
    if not 0.0 <= s["miou"] <= 1.0:
        return ScoreResult(invalid=f"val mIoU is {s['miou']}", info=info)
    return ScoreResult(float(s["miou"]), info=info)
