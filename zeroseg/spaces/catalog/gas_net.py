"""GAS network from a genotype (Lin et al. CVPR 2020 §3.1, Fig. 3–4).

Stem of three 3×3 conv-BN-ReLU (stride 2 each → stride 8), then independent cells. A cell has two
inputs (the two previous cells, 1×1-preprocessed to C channels), two intermediate nodes
(x1 = o(i1) + o(i2), x2 = o(i1) + o(i2) + o(x1)) and outputs concat(x1, x2). In reduction cells the
edges leaving the inputs have stride 2 and C doubles. Then ASPP or PPM and a 1×1 classifier.
"""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.spaces.ops.aspp import ASPP, aspp_rates
from zeroseg.spaces.ops.basic import FactorizedReduce, Zero, pool, skip
from zeroseg.spaces.ops.conv import ConvBNReLU, ReLUConvBN
from zeroseg.spaces.ops.head import Segmenter
from zeroseg.spaces.ops.ppm import PPM
from zeroseg.spaces.ops.resize import resize_like
from zeroseg.spaces.ops.separable import DilSepConv, SepConv

OPS = ("max_pool_3x3", "conv_3x3", "sep_conv_3x3", "dil_sep_3x3_d2", "dil_sep_3x3_d4", "dil_sep_3x3_d8",
       "skip", "zero")
HEADS = ("aspp", "ppm")
EDGES = ((0, 2), (1, 2), (0, 3), (1, 3), (2, 3))  # (from, to): 0=i1, 1=i2, 2=x1, 3=x2


def make_op(name: str, c: int, stride: int) -> nn.Module:
    if name == "max_pool_3x3":
        return pool("max", c, c, stride)
    if name == "conv_3x3":
        return ReLUConvBN(c, c, 3, stride)
    if name == "sep_conv_3x3":
        return SepConv(c, c, 3, stride)
    if name.startswith("dil_sep"):
        return DilSepConv(c, c, 3, stride, int(name[-1]))
    return skip(c, c, stride) if name == "skip" else Zero(c, stride)


class Cell(nn.Module):
    def __init__(self, ops: tuple[int, ...], c_pp: int, c_p: int, c: int, reduction: bool, reduction_prev: bool) -> None:
        super().__init__()
        self.pre0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c, 1)
        self.pre1 = ReLUConvBN(c_p, c, 1)
        self.edges = nn.ModuleList(make_op(OPS[o], c, 2 if reduction and src < 2 else 1)
                                   for o, (src, _) in zip(ops, EDGES))

    def forward(self, pp: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        s1 = self.pre1(p)
        states = [resize_like(self.pre0(pp), s1), s1]
        for node in (2, 3):
            outs = [e(states[src]) for e, (src, dst) in zip(self.edges, EDGES) if dst == node]
            ref = outs[0]
            states.append(sum(resize_like(o, ref) for o in outs))
        return torch.cat(states[2:], dim=1)


def stem_parts(c: int) -> tuple[nn.Module, nn.Module]:
    """GAS's stem: two 3×3 stride-2 convs (to stride 4, feeds the first cell's ``pp``), then one more."""
    return nn.Sequential(ConvBNReLU(3, c // 2, 3, 2), ConvBNReLU(c // 2, c, 3, 2)), ConvBNReLU(c, c, 3, 2)


def head_module(head: str, c_in: int, head_channels: int, stride: int, num_classes: int) -> nn.Module:
    """ASPP (rates for the feature's ``stride``) or PPM, then the 1×1 classifier."""
    ctx = ASPP(c_in, head_channels, aspp_rates(stride)) if head == "aspp" else PPM(c_in, head_channels)
    return nn.Sequential(ctx, nn.Conv2d(head_channels, num_classes, 1))


class GASNet(nn.Module):
    def __init__(self, cells: tuple[tuple[int, ...], ...], head: str, reductions: tuple[int, ...], c: int,
                 head_channels: int, num_classes: int) -> None:
        super().__init__()
        self.stem0, self.stem1 = stem_parts(c)
        c_pp, c_p, red_prev, stride = c, c, True, 8
        self.cells = nn.ModuleList()
        for k, ops in enumerate(cells):
            red = k in reductions
            c, stride = (c * 2, stride * 2) if red else (c, stride)
            self.cells.append(Cell(ops, c_pp, c_p, c, red, red_prev))
            c_pp, c_p, red_prev = c_p, 2 * c, red
        self.head = head_module(head, c_p, head_channels, stride, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = self.stem0(x)
        pp, p = s0, self.stem1(s0)
        for cell in self.cells:
            pp, p = p, cell(pp, p)
        return self.head(p)


def build_gas(cells: tuple[tuple[int, ...], ...], head: str, reductions: tuple[int, ...], c: int,
              head_channels: int, num_classes: int) -> nn.Module:
    return Segmenter(GASNet(cells, head, reductions, c, head_channels, num_classes))
