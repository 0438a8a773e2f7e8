"""GraSP (Wang et al., ICLR 2020): Σ_layers Σ −W ⊙ (H g), g = ∂L/∂W, H = the Hessian of L.

NASLib ``measures/grasp.py`` (T = 1, one iteration; its two identical forward passes are one
here: the first-pass gradient is the detached second-pass gradient). The forward and the
first-order backward are the shared train-mode pass's, run with differentiable gradients
(``needs`` "hessian"); only the Hessian-gradient product H g = ∂(Σ g.detach()·g)/∂W is GraSP's own.
"""

import torch

from zeroseg.proxies.base import ProxyFailure, register_proxy
from zeroseg.proxies.context import Context
from zeroseg.proxies.passes import product_sum, prunable_layers


@register_proxy("grasp", needs=("labels", "gradients", "hessian"), bn="train", sign=1, kind="builtin",
                provenance="Wang et al. 2020 (GraSP); NASLib measures/grasp.py")
def grasp(ctx: Context) -> float:
    gp = ctx.grad_pass("train", frozenset({"hessian"}))
    weights = [m.weight for m in prunable_layers(gp.model)]
    pairs = [(w, gp.graph_grads[w]) for w in weights if w in gp.graph_grads]
    if not pairs:
        raise ProxyFailure("the loss depends on no conv/linear weight (no gradient to take a Hessian product of)")
    z = sum((g.detach() * g).sum() for _, g in pairs)
    hg = torch.autograd.grad(z, [w for w, _ in pairs], allow_unused=True)
    return -product_sum((w, h) for (w, _), h in zip(pairs, hg) if h is not None)  # Σ −W⊙Hg (negation exact)
