"""SynFlow (Tanaka et al., NeurIPS 2020): Σ_layers Σ |W ⊙ ∂R/∂W|, R = Σ f(1) of the network with
|W| everywhere, an all-ones input, float64 and BatchNorm off. NASLib ``measures/synflow.py``.
"""

import torch

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import ArchContext
from zeroseg.proxies.passes import fill_missing_grads, layer_sum, prepare


@register_proxy("synflow", needs=("model",), bn="off", sign=1, kind="builtin",
                provenance="Tanaka et al. 2020 (SynFlow); NASLib measures/synflow.py (bn=False)")
def synflow(ctx: ArchContext) -> float:
    model = prepare(ctx.model(), "off").double()
    with torch.no_grad():
        for p in model.parameters():
            p.abs_()
    model.zero_grad(set_to_none=True)
    x = torch.ones(1, 3, ctx.resolution, ctx.resolution, dtype=torch.float64, device=ctx.device)
    model(x).sum().backward()
    fill_missing_grads(model)
    return layer_sum(model, lambda m: (m.weight * m.weight.grad).abs())
