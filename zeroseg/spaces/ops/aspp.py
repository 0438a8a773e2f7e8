"""Atrous spatial pyramid pooling (DeepLabv3 §3.3): 1×1, three atrous 3×3, image pooling, projection."""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.spaces.ops.conv import ConvBNReLU
from zeroseg.spaces.ops.resize import resize_like
from zeroseg.spaces.ops.separable import DilSepConv


def aspp_rates(output_stride: int) -> tuple[int, int, int]:
    """DeepLab's rates (6, 12, 18) at output stride 16, scaled to the feature's stride."""
    return tuple(max(1, r * 16 // output_stride) for r in (6, 12, 18))  # type: ignore[return-value]


class ImagePool(nn.Module):
    """Global average pool → 1×1 conv-BN-ReLU → broadcast back to the feature size."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.conv = nn.Sequential(nn.Conv2d(c_in, c_out, 1, bias=False), nn.ReLU(inplace=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.pool(x)).expand(-1, -1, x.shape[2], x.shape[3])


class ASPP(nn.Module):
    """ASPP with ``separable`` atrous branches (TF DeepLab's default) or plain ones."""

    def __init__(self, c_in: int, c_out: int = 256, rates: tuple[int, ...] = (6, 12, 18),
                 separable: bool = False) -> None:
        super().__init__()

        def atrous(r: int) -> nn.Module:
            if separable:
                return nn.Sequential(DilSepConv(c_in, c_out, 3, 1, r), nn.ReLU(inplace=False))
            return ConvBNReLU(c_in, c_out, 3, 1, r)

        self.branches = nn.ModuleList([ConvBNReLU(c_in, c_out, 1), *[atrous(r) for r in rates]])
        self.image_pool = ImagePool(c_in, c_out)
        self.project = ConvBNReLU(c_out * (len(rates) + 2), c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [b(x) for b in self.branches] + [resize_like(self.image_pool(x), x)]
        return self.project(torch.cat(feats, dim=1))
