"""l2_norm (NAS-Bench-Suite-Zero): Σ_layers ‖W‖₂ at initialisation, no data.

NASLib ``measures/l2_norm.py``.
"""

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context
from zeroseg.proxies.passes import layer_sum


@register_proxy("l2_norm", needs=("model",), bn="eval", sign=1, kind="builtin",
                provenance="Krishnakumar et al. 2022 (NAS-Bench-Suite-Zero); NASLib measures/l2_norm.py")
def l2_norm(ctx: Context) -> float:
    return layer_sum(ctx.base_model(), lambda m: m.weight.norm())
