"""Parameter-free and shape-adapting edges: zero, identity/skip, pooling, factorized reduction."""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.spaces.ops.conv import ReLUConvBN


class Zero(nn.Module):
    """The "none" edge: zeros of the output shape (strided when the edge reduces)."""

    def __init__(self, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.c_out, self.stride = c_out, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = -(-x.shape[2] // self.stride), -(-x.shape[3] // self.stride)
        return x.new_zeros(x.shape[0], self.c_out, h, w)


class FactorizedReduce(nn.Module):
    """Two offset 1×1 stride-2 convs concatenated, then BN (DARTS / FasterSeg strided ``skip``)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        half = c_out // 2
        self.relu = nn.ReLU(inplace=False)
        self.conv1 = nn.Conv2d(c_in, half, 1, 2, bias=False)
        self.conv2 = nn.Conv2d(c_in, c_out - half, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        a = self.conv1(x)
        b = self.conv2(nn.functional.pad(x[:, :, 1:, 1:], (0, 1, 0, 1)))
        return self.bn(torch.cat([a, b], dim=1))


def skip(c_in: int, c_out: int, stride: int = 1) -> nn.Module:
    """Identity when shapes allow, else the cheapest projection (factorized reduce or 1×1)."""
    if stride == 2:
        return FactorizedReduce(c_in, c_out)
    return nn.Identity() if c_in == c_out else ReLUConvBN(c_in, c_out, 1)


def pool(kind: str, c_in: int, c_out: int, stride: int = 1) -> nn.Module:
    """3×3 max/avg pooling (``count_include_pad=False``), with a 1×1 projection if widths differ."""
    p: nn.Module = (nn.MaxPool2d(3, stride, 1) if kind == "max"
                    else nn.AvgPool2d(3, stride, 1, count_include_pad=False))
    return p if c_in == c_out else nn.Sequential(p, ReLUConvBN(c_in, c_out, 1))
