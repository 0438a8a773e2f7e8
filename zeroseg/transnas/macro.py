"""The TNB101 encoder skeleton (``lib/models/net_infer/net_macro.py``, ``MacroNet`` as backbone).

Stem: Conv3×3 s2 (3→C/2) + BN, then ReLU-Conv3×3 s2-BN (C/2→C). Then one layer per skeleton
digit, each of two blocks (micro cells or ResNet basic blocks); the first block of a layer
carries its stride and width change. No pooling, no head: the output is a feature map.
Init: Kaiming-normal (fan_out, relu) for every encoder conv, BN weight 1 / bias 0.
"""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.transnas.codes import NetCode
from zeroseg.transnas.micro import MicroCell
from zeroseg.transnas.ops import ReLUConvBN

BLOCKS_PER_LAYER = 2


class ResNetBasicBlock(nn.Module):
    """ReLU-Conv3×3-BN twice (pre-activation order of the bench) plus a 1×1 conv+BN shortcut
    when the stride or width changes; output = shortcut + residual."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.downsample: nn.Module | None = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, padding=0, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x if self.downsample is None else self.downsample(x)
        return residual + self.conv_b(self.conv_a(x))


def make_block(net: NetCode, c_in: int, c_out: int, stride: int) -> nn.Module:
    """One block of ``net``'s kind: a micro cell, or a ResNet basic block for the macro space."""
    if net.cell is None:
        return ResNetBasicBlock(c_in, c_out, stride)
    return MicroCell(net.cell, c_in, c_out, stride)


def layer_plan(net: NetCode) -> list[list[tuple[int, int, int]]]:
    """(c_in, c_out, stride) of every block, grouped by layer: digits 2/4 double the width,
    3/4 halve the resolution; only a layer's first block changes either."""
    plan, c = [], net.base
    for digit in net.layers:
        c_out = c * 2 if digit in "24" else c
        stride = 2 if digit in "34" else 1
        plan.append([(c, c_out, stride)] + [(c_out, c_out, 1)] * (BLOCKS_PER_LAYER - 1))
        c = c_out
    return plan


def make_stem(base: int) -> nn.Sequential:
    """Conv3×3 s2 (3→C/2) + BN, then ReLU-Conv3×3 s2-BN (C/2→C)."""
    return nn.Sequential(
        nn.Conv2d(3, base // 2, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(base // 2),
        ReLUConvBN(base // 2, base, 3, 2, 1),
    )


class Encoder(nn.Module):
    """Backbone of ``net``; ``out_channels`` and ``output_stride`` describe its feature map."""

    def __init__(self, net: NetCode) -> None:
        super().__init__()
        self.stem = make_stem(net.base)
        self.layer_names: list[str] = []
        plan = layer_plan(net)
        for i, layer in enumerate(plan):
            self.add_module(f"layer{i}", nn.Sequential(*(make_block(net, *spec) for spec in layer)))
            self.layer_names.append(f"layer{i}")
        self.out_channels = plan[-1][-1][1]
        self.output_stride = net.output_stride
        self._kaiming_init()

    def _kaiming_init(self) -> None:
        if self.stem[0].weight.is_meta:  # no values to draw on the meta device
            return
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for name in self.layer_names:
            x = getattr(self, name)(x)
        return x
