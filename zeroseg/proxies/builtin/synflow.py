"""SynFlow (Tanaka et al., NeurIPS 2020): Σ_layers Σ |W ⊙ ∂R/∂W|, R = Σ f(1) of the network with
|W| everywhere, an all-ones input, float64 and BatchNorm off. NASLib ``measures/synflow.py``.
"""

import torch

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context
from zeroseg.proxies.passes import fill_missing_grads, layer_sum, prepare
from zeroseg.stats.shapes import logits_of


@register_proxy("synflow", needs=("model",), bn="off", sign=1, kind="builtin",
                provenance="Tanaka et al. 2020 (SynFlow); NASLib measures/synflow.py (bn=False)")
def synflow(ctx: Context) -> float:
    model = prepare(ctx.model(), "off").double()
    with torch.no_grad():
        for p in model.parameters():
            p.abs_()
    model.zero_grad(set_to_none=True)
    x = torch.ones(1, *ctx.input_shape[1:], dtype=torch.float64, device=ctx.device)
    out, _ = logits_of(model(x), x[:, 0].long())
    out.sum().backward()
    fill_missing_grads(model)
    return layer_sum(model, lambda m: (m.weight * m.weight.grad).abs())
