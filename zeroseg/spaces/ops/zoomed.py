"""Zoomed convolutions (FasterSeg §3.1): bilinear ½ downsample → conv(s) → upsample back.

They quadruple the receptive field at a quarter of the cost; when the cell itself reduces
(stride 2) the final upsample is skipped, so the output is at half resolution.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from zeroseg.spaces.ops.conv import ConvStack


class ZoomedConv(nn.Module):
    """FasterSeg ``conv_downup`` (n=1) and ``conv_2x_downup`` (n=2)."""

    def __init__(self, c_in: int, c_out: int, n: int = 1, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride
        self.body = ConvStack(c_in, c_out, n, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2], x.shape[3]
        y = self.body(F.interpolate(x, size=(-(-h // 2), -(-w // 2)), mode="bilinear", align_corners=False))
        if self.stride == 1:
            y = F.interpolate(y, size=(h, w), mode="bilinear", align_corners=False)
        return y
