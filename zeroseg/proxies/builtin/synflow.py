"""SynFlow (Tanaka et al., NeurIPS 2020): Σ_layers Σ |W ⊙ ∂R/∂W|, R = Σ f(1) of the network with
|W| everywhere, an all-ones input, float64 and BatchNorm off. NASLib ``measures/synflow.py``.

Run on the base network under ``stats.scratch.synflow_view`` (stand-in |W| float64 leaves, BN
swapped out, all put back afterwards) instead of NASLib's deep copy; its own pass, only when asked.
"""

import torch

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context
from zeroseg.proxies.passes import fill_missing_grads, layer_sum
from zeroseg.stats.scratch import synflow_view
from zeroseg.stats.shapes import logits_of


@register_proxy("synflow", needs=("model",), bn="off", sign=1, kind="builtin",
                provenance="Tanaka et al. 2020 (SynFlow); NASLib measures/synflow.py (bn=False)")
def synflow(ctx: Context) -> float:
    with synflow_view(ctx.base_model()) as model:
        x = torch.ones(1, *ctx.input_shape[1:], dtype=torch.float64, device=ctx.device)
        out, _ = logits_of(model(x), x[:, 0].long())
        out.sum().backward()
        fill_missing_grads(model)
        # |W ⊙ ∂R/∂W| formed in the stand-ins' gradients, which are dropped with them: no new tensor
        return layer_sum(model, lambda m: m.weight.grad.mul_(m.weight.detach()).abs_())
