"""FLOPs counted analytically from the shapes a forward pass sees, by module forward hooks.

Convention: ``torch.utils.flop_counter.FlopCounterMode``'s (``zeroseg.spaces.cost``) — 2 per
multiply-add of convolutions (plain and transposed), linear layers and matmuls, FLOPs = 2 × MACs;
biases, BatchNorm, activations, pooling, resizing and additions count 0. ``FlopCounterMode`` is a
``TorchDispatchMode`` and a meta-device forward needs Python meta kernels: both import
``torch._dynamo`` (~3 s, sympy included) on first use, which a cold scoring cannot afford. Hooks on
the forward that already runs cost nothing. ``tests/test_flop_count.py`` checks every count against
``FlopCounterMode`` on TNB101 micro and macro archs and on the segmenter spaces.

Modules whose ``forward`` multiplies tensors functionally (``q @ k``) register their own formula
with ``register_flops`` where they are defined; the formula counts only those matmuls (their
child modules are hooked separately).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import torch
from torch import nn

Formula = Callable[[nn.Module, tuple, Any], int]  # (module, forward args, output) -> FLOPs of the whole batch
FORMULAS: dict[type, Formula] = {}


def register_flops(cls: type) -> Callable[[Formula], Formula]:
    """Register ``formula(module, args, output)`` for ``cls`` and its subclasses."""

    def deco(fn: Formula) -> Formula:
        FORMULAS[cls] = fn
        return fn

    return deco


def formula_of(module: nn.Module) -> Formula | None:
    """The formula of the nearest registered class in ``type(module)``'s MRO, or None."""
    for cls in type(module).__mro__:
        if cls in FORMULAS:
            return FORMULAS[cls]
    return None


@register_flops(nn.modules.conv._ConvNd)
def _conv(m: nn.Module, args: tuple, out: torch.Tensor) -> int:
    """2 · (output elements) · Cin/g · Πk; transposed: 2 · (input elements) · Cout/g · Πk
    (FlopCounterMode's ``conv_flop_count``: the weight slice per output, or per input, pixel)."""
    per_pixel = m.weight[0].numel()
    return 2 * per_pixel * (args[0].numel() if m.transposed else out.numel())


@register_flops(nn.Linear)
def _linear(m: nn.Module, args: tuple, out: torch.Tensor) -> int:
    """2 · (output elements) · in_features (the ``addmm``/``mm`` it lowers to)."""
    return 2 * out.numel() * m.in_features


@register_flops(nn.MultiheadAttention)
def _mha(m: nn.MultiheadAttention, args: tuple, out: Any) -> int:
    """In-projections of q, k, v, the two attention matmuls (q·kᵀ, attn·v) and the out-projection."""
    q, k, v = args[:3]
    if q.dim() == 2:  # unbatched (L, E)
        q, k, v = q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)
    seq = 1 if m.batch_first else 0
    batch = q.shape[1 - seq]
    lq, lk = q.shape[seq], k.shape[seq]
    e = m.embed_dim
    proj = lq * e * e + lk * k.shape[-1] * e + v.shape[seq] * v.shape[-1] * e
    return 2 * batch * (proj + 2 * lq * lk * e + lq * e * e)


class FlopTally:
    """FLOPs summed over the hooked modules of one or more forwards (whole batch)."""

    def __init__(self) -> None:
        self.flops = 0
        self.calls = 0

    def hook(self, formula: Formula) -> Callable[[nn.Module, tuple, Any], None]:
        def on_forward(m: nn.Module, args: tuple, out: Any) -> None:
            self.flops += int(formula(m, args, out))
            self.calls += 1

        return on_forward


def attach(model: nn.Module, tally: FlopTally) -> list:
    """Forward hooks counting into ``tally`` on every module with a formula; returns the handles."""
    handles = []
    for m in model.modules():
        formula = formula_of(m)
        if formula is not None:
            handles.append(m.register_forward_hook(tally.hook(formula)))
    return handles


@contextmanager
def counting(model: nn.Module) -> Iterator[FlopTally]:
    """``with counting(model) as tally: model(x)`` → ``tally.flops`` of that forward."""
    tally = FlopTally()
    handles = attach(model, tally)
    try:
        yield tally
    finally:
        for h in handles:
            h.remove()


def forward_flops(model: nn.Module, input_size: tuple[int, int]) -> int:
    """FLOPs of one eval-mode forward at batch 1 of a 3×H×W image of zeros (``FlopCounterMode``'s
    number, ``zeroseg.spaces.cost.measure_cost``), run on the model's device under ``no_grad``;
    train/eval mode restored (BN running statistics untouched in eval mode)."""
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), counting(model) as tally:
            model(torch.zeros(1, 3, int(input_size[0]), int(input_size[1]), device=device))
    finally:
        model.train(was_training)
    return tally.flops
