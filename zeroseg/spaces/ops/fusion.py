"""BiSeNet feature-fusion module (FFM, Yu et al. 2018 §3.3), used by FasterSeg's head (§3.3)."""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.spaces.ops.conv import ConvBNReLU


class FeatureFusion(nn.Module):
    """1×1 conv-BN-ReLU on the concatenated branches, then SE-style channel attention: y + y·a."""

    def __init__(self, c_in: int, c_out: int, reduction: int = 1) -> None:
        super().__init__()
        self.conv = ConvBNReLU(c_in, c_out, 1)
        self.attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(c_out, c_out // reduction, 1, bias=False), nn.ReLU(inplace=False),
            nn.Conv2d(c_out // reduction, c_out, 1, bias=False), nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return y + y * self.attention(y)
