"""Zen-score (Lin et al., ICCV 2021): log E_n Σ|f(x) − f(x + γε)| + Σ_BN log √mean(running_var),
x, ε ~ N(0, 1) of the batch's shape, γ = 0.01, BatchNorm in train mode; f = the network's logits
as in NASLib ``measures/zen.py`` (the original uses the pre-GAP feature map of a classifier).
"""

import torch
from torch import nn

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context
from zeroseg.proxies.passes import prepare

MIXUP_GAMMA = 1e-2


@register_proxy("zen", needs=("model",), bn="train", sign=1, kind="builtin",
                provenance="Lin et al. 2021 (Zen-NAS); NASLib measures/zen.py")
def zen(ctx: Context) -> float:
    model = prepare(ctx.model(), "train")
    shape = ctx.input_shape
    gen = torch.Generator().manual_seed(ctx.seed)
    x = torch.randn(shape, generator=gen).to(ctx.device)
    eps = torch.randn(shape, generator=gen).to(ctx.device)
    with torch.no_grad():
        diff = (model(x) - model(x + MIXUP_GAMMA * eps)).abs().double()
        score = torch.log(diff.sum(dim=(1, 2, 3)).mean())
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                score = score + torch.log(torch.sqrt(m.running_var.double().mean()))
    return float(score)
