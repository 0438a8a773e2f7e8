"""SNIP (Lee et al., ICLR 2019): connection sensitivity Σ_layers Σ |W ⊙ ∂L/∂W|.

NASLib ``measures/snip.py`` (via weight masks; equal to |W·G| at mask = 1).
"""

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context
from zeroseg.proxies.passes import weight_grad_sum


@register_proxy("snip", needs=("labels", "gradients"), bn="train", sign=1, kind="builtin",
                provenance="Lee et al. 2019 (SNIP); NASLib measures/snip.py")
def snip(ctx: Context) -> float:
    model = ctx.grad_pass("train").model
    return weight_grad_sum(model, absolute=True)
