"""fisher (Theis et al. 2018; Turner et al. 2020): Σ_layers Σ_k ½·mean_n(Σ_hw a ⊙ ∂L/∂a)²,
a = the output of each conv/linear layer. NASLib ``measures/fisher.py``.
"""

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context


@register_proxy("fisher", needs=("labels", "gradients", "activations"), bn="train", sign=1,
                kind="builtin", provenance="Turner et al. 2020 (BlockSwap); NASLib measures/fisher.py")
def fisher(ctx: Context) -> float:
    terms = ctx.grad_pass("train", frozenset({"activations"})).fisher
    return float(sum(float(t) for t in terms))
