"""Cell operations of TransNAS-Bench-101 (``lib/models/net_ops/cell_ops.py`` of the bench).

Module structure and attribute names mirror the reference so that parameter counts,
execution order and ``state_dict`` keys match it.
"""

from __future__ import annotations

import torch
from torch import nn


class ReLUConvBN(nn.Module):
    """ReLU → Conv (no bias) → BN, held in ``self.ops`` like the reference."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int) -> None:
        super().__init__()
        self.ops = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ops(x)


class Zero(nn.Module):
    """The 'none' edge: zeros of the edge's output shape (stride ⇒ ceil(H/2), width ⇒ C_out)."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.c_in, self.c_out, self.stride = c_in, c_out, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.c_in == self.c_out:
            return x[:, :, :: self.stride, :: self.stride].mul(0.0)
        n, _, h, w = x.shape
        s = self.stride
        return x.new_zeros((n, self.c_out, (h + 1) // s, (w + 1) // s))

    def extra_repr(self) -> str:
        return f"c_in={self.c_in}, c_out={self.c_out}, stride={self.stride}"


class FactorizedReduce(nn.Module):
    """ReLU, two 1×1 strided convs on the input and on it shifted by one pixel, concat, BN."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        if c_out % 2:
            raise ValueError(f"FactorizedReduce needs an even output width, got {c_out}")
        self.relu = nn.ReLU(inplace=False)
        half = c_out // 2
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c, 1, stride=stride, padding=0, bias=False) for c in (half, c_out - half)
        )
        self.pad = nn.ConstantPad2d((0, 1, 0, 1), 0.0)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = self.pad(x)[:, :, 1:, 1:]
        return self.bn(torch.cat([self.convs[0](x), self.convs[1](shifted)], dim=1))


def make_op(digit: str, c_in: int, c_out: int, stride: int) -> nn.Module:
    """The edge op for cell digit ``digit`` ('0' zero, '1' skip, '2' conv1×1, '3' conv3×3)."""
    if digit == "0":
        return Zero(c_in, c_out, stride)
    if digit == "1":
        if stride == 1 and c_in == c_out:
            return nn.Identity()
        return FactorizedReduce(c_in, c_out, stride)
    if digit == "2":
        return ReLUConvBN(c_in, c_out, 1, stride, 0)
    if digit == "3":
        return ReLUConvBN(c_in, c_out, 3, stride, 1)
    raise ValueError(f"unknown TNB101 cell op digit {digit!r}; valid: 0, 1, 2, 3")
