"""Honest cost of one network: parameters, FLOPs and activation memory at batch 1.

Convention: FLOPs are what ``torch.utils.flop_counter.FlopCounterMode`` counts — 2 per
multiply-add of conv / linear / matmul (FLOPs = 2 × MACs); BN, ReLU, pooling and resizing count 0.
Papers that print "FLOPs" for segmenters (FasterSeg, AttNAS) and "Multi-Adds" (Auto-DeepLab)
mean MACs, so compare them with ``Cost.macs``.

Activation memory: the sum of every leaf module's output tensors in one forward pass, fp32
(4 bytes), in MiB — an upper bound of what inference keeps alive and the usual "activations" count.

Attention runs under the math SDPA backend with ``nn.MultiheadAttention``'s fused fast path off
while counting, so its matmuls are counted the same on every device (the fused CPU kernels are
invisible to the flop counter).

On the ``meta`` device nothing is allocated or computed, so a 1024×2048 count is instant; build the
network under ``torch.device("meta")`` (``SearchSpace.cost`` does) to use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode


@dataclass(frozen=True)
class Cost:
    """Size and compute of one network at one input size.

    flops: torch.utils.flop_counter count of one forward pass at batch 1 (FLOPs = 2 × MACs);
    macs = flops / 2 (papers that say "FLOPs" often mean MACs: say which when comparing).
    act_mb: memory of all intermediate activations of one forward pass at batch 1, fp32, in MB.
    """

    params: int
    flops: int
    act_mb: float

    @property
    def macs(self) -> int:
        return self.flops // 2


def _out_bytes(out: object) -> int:
    if isinstance(out, torch.Tensor):
        return out.numel() * 4
    if isinstance(out, (list, tuple)):
        return sum(_out_bytes(o) for o in out)
    return 0


def measure_cost(model: nn.Module, input_size: tuple[int, int], device: str | torch.device | None = None) -> Cost:
    """Params, FLOPs (2×MACs) and activation MiB of ``model`` on one 3×H×W image (eval mode)."""
    h, w = int(input_size[0]), int(input_size[1])
    if h < 1 or w < 1:
        raise ValueError(f"input_size must be positive (H, W), got {input_size!r}")
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
    params = sum(p.numel() for p in model.parameters())
    total = [0]

    def hook(_m: nn.Module, _i: object, out: object) -> None:
        total[0] += _out_bytes(out)

    handles = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    was_training, fastpath = model.training, torch.backends.mha.get_fastpath_enabled()
    model.eval()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
            model(torch.zeros(1, 3, h, w, device=device))
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
        for hd in handles:
            hd.remove()
        model.train(was_training)
    return Cost(params=int(params), flops=int(counter.get_total_flops()), act_mb=total[0] / 2**20)
