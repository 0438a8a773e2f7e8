"""Zen-score (Lin et al., ICCV 2021): log E_n Σ|f(x) − f(x + γε)| + Σ_BN log √mean(running_var),
x, ε ~ N(0, 1) of the batch's shape, γ = 0.01, BatchNorm in train mode; f = the network's logits
as in NASLib ``measures/zen.py`` (the original uses the pre-GAP feature map of a classifier).

The two forwards update the BN running statistics, so they run on stand-in buffers of the base
network (``stats.scratch.stand_in_buffers``) rather than on NASLib's deep copy.
"""

import torch
from torch import nn

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context
from zeroseg.stats.scratch import stand_in_buffers

MIXUP_GAMMA = 1e-2


@register_proxy("zen", needs=("model",), bn="train", sign=1, kind="builtin",
                provenance="Lin et al. 2021 (Zen-NAS); NASLib measures/zen.py")
def zen(ctx: Context) -> float:
    shape = ctx.input_shape
    gen = torch.Generator().manual_seed(ctx.seed)
    x = torch.randn(shape, generator=gen).to(ctx.device)
    eps = torch.randn(shape, generator=gen).to(ctx.device)
    model = ctx.base_model()
    with torch.no_grad(), stand_in_buffers(model, train=True):
        diff = (model(x) - model(x + MIXUP_GAMMA * eps)).abs_().double()  # abs_ of the fresh difference
        score = torch.log(diff.sum(dim=(1, 2, 3)).mean())
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                score = score + torch.log(torch.sqrt(m.running_var.double().mean()))
    return float(score)
