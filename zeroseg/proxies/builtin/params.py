"""Number of parameters of the whole network (counted on its shapes): a baseline in SasWOT Table 3
and NAS-Bench-Suite-Zero (equal to ``zeroseg.transnas.count_params`` on TNB101 codes)."""

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context


@register_proxy("params", needs=("model",), bn="eval", sign=1, kind="builtin",
                provenance="baseline (SasWOT Table 3); parameter count of the network")
def params(ctx: Context) -> float:
    if ctx.param_count is not None:
        return float(ctx.param_count())
    return float(sum(p.numel() for p in ctx.meta_model().parameters()))
