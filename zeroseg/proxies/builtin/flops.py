"""FLOPs of one forward pass at batch 1 (2 × MACs, ``FlopCounterMode``'s convention), counted
analytically from the shapes of the forward the scoring already runs (``zeroseg.flop_count``;
``Context.flops``) at the context's ``flops_input`` (TNB101: 256×256, the bench's input size,
independent of the scoring resolution) or else the batch's size. A baseline in SasWOT Table 3.

The count is that of the scored (train-mode) forward: equal to the eval-mode count for every
network whose modules do not branch on ``self.training`` (all of TNB101's and the spaces').
"""

from zeroseg.proxies.base import register_proxy
from zeroseg.proxies.context import Context


@register_proxy("flops", needs=("model",), bn="eval", sign=1, kind="builtin",
                provenance="baseline (SasWOT Table 3); conv/linear/matmul FLOPs (2 x MACs) at batch 1 "
                           "(TNB101: 256x256), FlopCounterMode's convention")
def flops(ctx: Context) -> float:
    return float(ctx.flops())
