"""Auto-DeepLab network built from a genotype (Liu et al. 2019 §4; TF DeepLab ``nas_network``/``nas_cell``).

Stem (3×3 s2 → 3×3 → 3×3 s2, 64/64/128 filters) to stride 4, then L cells along the searched path;
a cell at level k has f = F·2^k filters and outputs the concat of its B blocks (B·f channels).
A cell that halves the resolution applies stride 2 to the ops reading its two inputs; one that
doubles it upsamples its input first (TF ``_build_nas_base``). Head: plain ASPP (rates scaled to
the final stride) + DeepLabv3+ decoder whose low-level feature is the last stride-4 cell output
(the stem's when the path leaves stride 4 at once).
"""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.spaces.ops.aspp import ASPP, aspp_rates
from zeroseg.spaces.ops.basic import pool
from zeroseg.spaces.ops.conv import ConvBNReLU, ReLUConvBN
from zeroseg.spaces.ops.decoder import DeepLabDecoder
from zeroseg.spaces.ops.head import Segmenter
from zeroseg.spaces.ops.resize import half_size, resize
from zeroseg.spaces.ops.separable import SepConv

OPS = ("sep_3x3", "sep_5x5", "atr_3x3", "atr_5x5", "avg_pool", "max_pool", "skip")


class Atrous(nn.Module):
    """TF ``atrous_kxk``: ReLU → k×k conv (rate 2) → BN; strided: bilinear ½ then rate 1."""

    def __init__(self, c: int, kernel: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        self.conv = ReLUConvBN(c, c, kernel, 1, 1 if stride == 2 else 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(resize(x, half_size(x)) if self.stride == 2 else x)


def make_op(name: str, c: int, stride: int) -> nn.Module:
    kernel = 5 if "5x5" in name else 3
    if name.startswith("sep"):
        return SepConv(c, c, kernel, stride)
    if name.startswith("atr"):
        return Atrous(c, kernel, stride)
    if name.endswith("pool"):
        return pool(name[:3], c, c, stride)
    return nn.Identity() if stride == 1 else ReLUConvBN(c, c, 1, stride)


class Cell(nn.Module):
    """B blocks, each the sum of two ops on two earlier states (0: H^{l-2}, 1: H^{l-1}, 2+j: block j)."""

    def __init__(self, inputs: tuple[int, ...], ops: tuple[int, ...], c_pp: int, c_p: int, f: int,
                 stride: int) -> None:
        super().__init__()
        self.inputs = inputs
        self.pre_pp = ReLUConvBN(c_pp, f, 1) if c_pp != f else nn.Identity()
        self.pre_p = ReLUConvBN(c_p, f, 1)
        self.ops = nn.ModuleList(make_op(OPS[o], f, stride if i < 2 else 1) for i, o in zip(inputs, ops))

    def forward(self, pp: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        states = [self.pre_pp(resize(pp, tuple(p.shape[2:]))), self.pre_p(p)]
        for b in range(len(self.inputs) // 2):
            k = 2 * b
            states.append(self.ops[k](states[self.inputs[k]]) + self.ops[k + 1](states[self.inputs[k + 1]]))
        return torch.cat(states[2:], dim=1)


def make_stem() -> tuple[nn.Module, nn.Module, nn.Module]:
    """TF ``_build_nas_base`` stem: 3×3 s2 (64) → 3×3 (64, no ReLU; the first cell's H^{l-2}),
    then ReLU → 3×3 s2 (128)."""
    return (ConvBNReLU(3, 64, 3, 2), ConvBNReLU(64, 64, 3, 1, relu=False),
            nn.Sequential(nn.ReLU(inplace=False), ConvBNReLU(64, 128, 3, 2, relu=False)))


def state_channels(path: tuple[int, ...], blocks: int, filter_multiplier: int) -> tuple[list[int], int]:
    """Channels of the stem outputs then each cell's output; and the decoder's low-level channels
    (the last stride-4 cell, else the stem)."""
    chans = [64, 128] + [blocks * filter_multiplier * 2**level for level in path]
    return chans, next((chans[2 + i] for i in reversed(range(len(path))) if path[i] == 0), 128)


class AutoDeepLabNet(nn.Module):
    """Stem + cells along ``path`` (levels 0..3 = strides 4..32) + ASPP + decoder → logits at stride 4."""

    def __init__(self, path: tuple[int, ...], inputs: tuple[int, ...], ops: tuple[int, ...], num_classes: int,
                 filter_multiplier: int, aspp_channels: int = 256) -> None:
        super().__init__()
        self.path = path
        blocks = len(inputs) // 2
        self.stem0, self.stem1, self.stem2 = make_stem()
        chans, low = state_channels(path, blocks, filter_multiplier)
        self.cells = nn.ModuleList(
            Cell(inputs, ops, chans[i], chans[i + 1], filter_multiplier * 2**level,
                 2 if level > (path[i - 1] if i else 0) else 1) for i, level in enumerate(path))
        self.aspp = ASPP(chans[-1], aspp_channels, aspp_rates(4 * 2 ** path[-1]))
        self.decoder = DeepLabDecoder(aspp_channels, low, num_classes, separable=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s1 = self.stem1(self.stem0(x))
        s2 = self.stem2(s1)
        sizes = [tuple(s2.shape[2:])]
        for _ in range(3):
            sizes.append((-(-sizes[-1][0] // 2), -(-sizes[-1][1] // 2)))
        pp, p, low, prev_level = s1, s2, s2, 0
        for level, cell in zip(self.path, self.cells):
            inp = resize(p, sizes[level]) if level < prev_level else p
            pp, p = p, cell(pp, inp)
            if level == 0:
                low = p
            prev_level = level
        return self.decoder(self.aspp(torch.relu(p)), low)


def build_autodeeplab(path: tuple[int, ...], inputs: tuple[int, ...], ops: tuple[int, ...], num_classes: int,
                      filter_multiplier: int) -> nn.Module:
    """Plain (non-separable) ASPP and decoder: with them Auto-DeepLab-S has the paper's 10.15 M params."""
    return Segmenter(AutoDeepLabNet(path, inputs, ops, num_classes, filter_multiplier))
