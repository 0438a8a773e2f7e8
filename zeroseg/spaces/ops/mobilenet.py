"""MobileNetV2-family blocks: the inverted residual (Sandler et al. 2018) and RTSeg's LIR.

The AttNAS backbone (AttNAS §3.2) searches kernel {3,5} × expansion {1,3,6} per inverted
residual; RTSeg's lightweight inverted residual (RTSeg Fig. 2b) replaces BiSeNetV2's group conv
with consecutive 1×1 and depth-wise convs. Both are the same module with different settings.
"""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.spaces.ops.conv import ConvBNReLU


def conv_bn(c_in: int, c_out: int, k: int = 1, stride: int = 1, dilation: int = 1,
            groups: int = 1, relu6: bool = True) -> nn.Sequential:
    """Shared conv-BN, followed by MobileNet's ReLU6 when ``relu6`` (linear bottleneck otherwise)."""
    conv = ConvBNReLU(c_in, c_out, k, stride, dilation, groups, relu=False)
    return nn.Sequential(conv, nn.ReLU6(inplace=True)) if relu6 else conv


class InvertedResidual(nn.Module):
    """1×1 expand (skipped when expand == 1) → k×k depth-wise → 1×1 linear projection.

    A residual is added when stride is 1 and the widths match (MobileNetV2 §3.3).
    """

    def __init__(self, c_in: int, c_out: int, kernel: int = 3, expand: float = 6, stride: int = 1,
                 dilation: int = 1) -> None:
        super().__init__()
        if kernel % 2 == 0 or stride not in (1, 2):
            raise ValueError(f"InvertedResidual: kernel must be odd and stride 1/2, got k={kernel} s={stride}")
        hidden = max(1, int(round(c_in * expand)))
        layers: list[nn.Module] = []
        if hidden != c_in:
            layers.append(conv_bn(c_in, hidden, 1))
        layers.append(conv_bn(hidden, hidden, kernel, stride, dilation, groups=hidden))
        layers.append(conv_bn(hidden, c_out, 1, relu6=False))
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return x + y if self.residual else y


# MobileNetV2's 17 inverted residuals as (output width, stride) — Sandler et al. Table 2 with
# its (t, c, n, s) rows expanded; the expansion t is what AttNAS searches.
MV2_BLOCKS: tuple[tuple[int, int], ...] = (
    (16, 1),
    (24, 2), (24, 1),
    (32, 2), (32, 1), (32, 1),
    (64, 2), (64, 1), (64, 1), (64, 1),
    (96, 1), (96, 1), (96, 1),
    (160, 2), (160, 1), (160, 1),
    (320, 1),
)
MV2_STEM = 32


def mv2_plan(output_stride: int = 16) -> list[tuple[int, int, int, int]]:
    """(c_in, c_out, stride, dilation) for the 17 blocks at the given output stride.

    Strides beyond ``output_stride`` become dilations, as DeepLab does for its dense features.
    """
    plan, c_in, cur, dil = [], MV2_STEM, 2, 1
    for c_out, s in MV2_BLOCKS:
        if s == 2 and cur >= output_stride:
            s, block_dil, dil = 1, dil, dil * 2
        else:
            block_dil = dil
        cur *= s
        plan.append((c_in, c_out, s, block_dil))
        c_in = c_out
    return plan


class DownsampleIR(nn.Module):
    """RTSeg's segment-branch downsample block (Fig. 2a, after BiSeNetV2's stride-2 GE layer).

    Main path: 1×1 expand → 3×3 depth-wise stride 2 → 1×1 projection; shortcut: 3×3 depth-wise
    stride 2 → 1×1 projection; sum then ReLU. Group convs are replaced by 1×1 + depth-wise (§Method).
    """

    def __init__(self, c_in: int, c_out: int, expand: float = 6) -> None:
        super().__init__()
        self.main = InvertedResidual(c_in, c_out, 3, expand, stride=2)
        self.short = nn.Sequential(conv_bn(c_in, c_in, 3, 2, groups=c_in, relu6=False),
                                   conv_bn(c_in, c_out, 1, relu6=False))
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.main(x) + self.short(x))
