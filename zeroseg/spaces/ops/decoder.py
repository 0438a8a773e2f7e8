"""DeepLabv3+ decoder (Chen et al. 2018 §3.2): 48-channel low-level projection + two 3×3 refines."""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.spaces.ops.conv import ConvBNReLU
from zeroseg.spaces.ops.resize import resize_like
from zeroseg.spaces.ops.separable import DilSepConv


class DeepLabDecoder(nn.Module):
    """Upsamples the context feature to the low-level stride, fuses, predicts ``num_classes``."""

    def __init__(self, c_high: int, c_low: int, num_classes: int, c_mid: int = 256,
                 separable: bool = True) -> None:
        super().__init__()
        self.low = ConvBNReLU(c_low, 48, 1)

        def refine(c_in: int) -> nn.Module:
            return nn.Sequential(DilSepConv(c_in, c_mid, 3), nn.ReLU(inplace=False)) if separable \
                else ConvBNReLU(c_in, c_mid, 3)

        self.refine = nn.Sequential(refine(c_high + 48), refine(c_mid))
        self.classifier = nn.Conv2d(c_mid, num_classes, 1)

    def forward(self, high: torch.Tensor, low: torch.Tensor) -> torch.Tensor:
        low = self.low(low)
        return self.classifier(self.refine(torch.cat([resize_like(high, low), low], dim=1)))
