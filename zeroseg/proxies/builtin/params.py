"""Number of parameters of the whole network (``zeroseg.transnas.count_params``): a baseline in
SasWOT Table 3 and NAS-Bench-Suite-Zero."""

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import ArchContext


@register_proxy("params", needs=("model",), bn="eval", sign=1, kind="builtin",
                provenance="baseline (SasWOT Table 3); zeroseg.transnas.count_params")
def params(ctx: ArchContext) -> float:
    from zeroseg.transnas import count_params

    return float(count_params(ctx.net_code))
