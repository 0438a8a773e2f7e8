"""FLOPs of one forward pass at 256×256, batch 1 (``zeroseg.transnas.count_flops``): the bench's
input size, independent of the scoring resolution. A baseline in SasWOT Table 3."""

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import ArchContext

FLOPS_INPUT = (256, 256)


@register_proxy("flops", needs=("model",), bn="eval", sign=1, kind="builtin",
                provenance="baseline (SasWOT Table 3); zeroseg.transnas.count_flops at 256x256")
def flops(ctx: ArchContext) -> float:
    from zeroseg.transnas import count_flops

    return float(count_flops(ctx.net_code, FLOPS_INPUT))
