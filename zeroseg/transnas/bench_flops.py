"""The bench's own FLOP convention, reproduced: ``flops_m`` of the TNB101 tables.

``flops_m`` is not 2×MACs. Fitting per-layer counts of our builds against the shipped tables
(experiments/transnas_flops) gives an exact match for all 711 micro and 500 macro rows with the
rules of the ``thop`` profiler (v0.0.31 era) at 256×256, batch 1:

* Conv2d: MACs = out elements × C_in/groups × k_h × k_w, plus one per out element when it has a bias;
* BatchNorm2d: 2 per element; ReLU and LeakyReLU: 1 per element;
* ConvTranspose2d: 0 (that thop version had no rule for it); everything else (additions of
  cell edges / residuals, zero op, padding, slicing): 0.

Use it to compare with published TNB101 numbers; use ``count_flops`` for our own reporting.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from zeroseg.transnas.flops import probe_forward, resolve_model


def _conv_ops(m: nn.Conv2d, out: torch.Tensor) -> int:
    kh, kw = m.kernel_size
    per_output = m.in_channels // m.groups * kh * kw + (1 if m.bias is not None else 0)
    return out.numel() * per_output


_RULES: dict[type, Callable[[nn.Module, torch.Tensor], int]] = {
    nn.Conv2d: _conv_ops,  # exact type: ConvTranspose2d is not a Conv2d subclass, and counts 0
    nn.BatchNorm2d: lambda m, out: 2 * out.numel(),
    nn.ReLU: lambda m, out: out.numel(),
    nn.LeakyReLU: lambda m, out: out.numel(),
}


def count_bench_flops(model_or_net_code: nn.Module | str, input_size: tuple[int, int] = (256, 256)) -> int:
    """Operation count in TNB101's ``flops_m`` convention (see module docstring); ``flops_m``
    equals this / 1e6 at 256×256 for every row of both shipped tables."""
    model = resolve_model(model_or_net_code)
    counts: list[int] = []
    handles = [
        m.register_forward_hook(lambda mod, _inp, out, rule=_RULES[type(m)]: counts.append(rule(mod, out)))
        for m in model.modules()
        if type(m) in _RULES
    ]
    try:
        probe_forward(model, input_size)
    finally:
        for h in handles:
            h.remove()
    return sum(counts)
