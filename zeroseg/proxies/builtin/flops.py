"""FLOPs of one forward pass at batch 1 (``zeroseg.spaces.cost.measure_cost``: FlopCounterMode, 2 × MACs),
counted on the network's shapes (meta device) at the context's ``flops_input`` (TNB101: 256×256, the
bench's input size, independent of the scoring resolution) or else the batch's size. A baseline in
SasWOT Table 3."""

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context
from zeroseg.spaces.cost import measure_cost


@register_proxy("flops", needs=("model",), bn="eval", sign=1, kind="builtin",
                provenance="baseline (SasWOT Table 3); FlopCounterMode at batch 1 (TNB101: 256x256)")
def flops(ctx: Context) -> float:
    return float(measure_cost(ctx.meta_model(), ctx.flops_input or ctx.resolution).flops)
