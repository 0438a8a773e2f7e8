"""plain (Abdelfattah et al., ICLR 2021): Σ_layers Σ W ⊙ ∂L/∂W (no absolute value).

NASLib ``measures/plain.py``.
"""

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context
from zeroseg.proxies.passes import weight_grad_sum


@register_proxy("plain", needs=("labels", "gradients"), bn="train", sign=1, kind="builtin",
                provenance="Abdelfattah et al. 2021 (zero-cost proxies); NASLib measures/plain.py")
def plain(ctx: Context) -> float:
    model = ctx.grad_pass("train").model
    return weight_grad_sum(model)
