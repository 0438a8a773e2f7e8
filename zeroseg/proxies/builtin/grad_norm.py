"""grad_norm (Abdelfattah et al., ICLR 2021): Σ_layers ‖∂L/∂W‖₂ (Frobenius norm per layer).

NASLib ``measures/grad_norm.py``.
"""

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context
from zeroseg.proxies.passes import layer_sum


@register_proxy("grad_norm", needs=("labels", "gradients"), bn="train", sign=1, kind="builtin",
                provenance="Abdelfattah et al. 2021 (zero-cost proxies); NASLib measures/grad_norm.py")
def grad_norm(ctx: Context) -> float:
    model = ctx.grad_pass("train").model
    return layer_sum(model, lambda m: m.weight.grad.norm())
