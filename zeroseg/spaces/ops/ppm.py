"""Pyramid pooling module (PSPNet §3.2): pooled bins 1/2/3/6, 1×1 reduce, upsample, concat, fuse."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from zeroseg.spaces.ops.conv import ConvBNReLU


class PPM(nn.Module):
    """Pools to each bin size (adaptive, so any input size works), reduces to c_in/len(bins)."""

    def __init__(self, c_in: int, c_out: int = 256, bins: tuple[int, ...] = (1, 2, 3, 6)) -> None:
        super().__init__()
        red = max(1, c_in // len(bins))
        self.bins = bins
        self.reduce = nn.ModuleList([ConvBNReLU(c_in, red, 1) for _ in bins])
        self.fuse = ConvBNReLU(c_in + red * len(bins), c_out, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = (int(x.shape[2]), int(x.shape[3]))
        pooled = [F.interpolate(r(F.adaptive_avg_pool2d(x, b)), size=size, mode="bilinear", align_corners=False)
                  for b, r in zip(self.bins, self.reduce)]
        return self.fuse(torch.cat([x, *pooled], dim=1))
