"""GraSP (Wang et al., ICLR 2020): Σ_layers Σ −W ⊙ (H g), g = ∂L/∂W, H = the Hessian of L.

NASLib ``measures/grasp.py`` (T = 1, one iteration; its two identical forward passes are one
here: the first-pass gradient is the detached second-pass gradient).
"""

import torch

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context
from zeroseg.proxies.passes import prepare, prunable_layers
from zeroseg.stats.shapes import logits_of


@register_proxy("grasp", needs=("labels", "gradients"), bn="train", sign=1, kind="builtin",
                provenance="Wang et al. 2020 (GraSP); NASLib measures/grasp.py")
def grasp(ctx: Context) -> float:
    model = prepare(ctx.model(), "train")
    weights = [m.weight for m in prunable_layers(model)]
    images, labels = ctx.batch()
    loss = ctx.loss(logits_of(model(images), labels)[0], labels)
    grads = torch.autograd.grad(loss, weights, create_graph=True, allow_unused=True)
    pairs = [(w, g) for w, g in zip(weights, grads) if g is not None]
    z = sum((g.detach() * g).sum() for _, g in pairs)
    hg = torch.autograd.grad(z, [w for w, _ in pairs], allow_unused=True)
    total = torch.zeros((), dtype=torch.float64)
    for (w, _), h in zip(pairs, hg):
        if h is not None:
            total += (-w.detach() * h).double().sum()
    return float(total)
