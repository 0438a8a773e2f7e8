"""SGD with momentum and the 'poly' learning-rate schedule (DeepLab; GAS §4.2: from 0.01 to zero)."""

from __future__ import annotations

import torch
from torch import nn


def make_sgd(model: nn.Module, lr: float, momentum: float = 0.9, weight_decay: float = 5e-4) -> torch.optim.SGD:
    """SGD over trainable parameters; no weight decay on norms and biases (1-D tensors)."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim > 1]
    plain = [p for p in model.parameters() if p.requires_grad and p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": plain, "weight_decay": 0.0}]
    return torch.optim.SGD([g for g in groups if g["params"]], lr=lr, momentum=momentum)


def poly_lr(base_lr: float, progress: float, power: float = 0.9) -> float:
    """lr = base · (1 − progress)^power, progress in [0, 1] (iterations or time used)."""
    return base_lr * max(0.0, 1.0 - min(max(progress, 0.0), 1.0)) ** power


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
