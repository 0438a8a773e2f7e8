"""Auto-DeepLab's latency blocks (sum-of-blocks latency, as GAS §3.3 / FasterSeg §3.4 tables).

One block per computing piece of ``autodeeplab_net.AutoDeepLabNet`` in forward order: the two
stem parts, per cell its two 1×1 preprocessings (each with the bilinear resize that precedes it
when the path changes level) and every op that computes (stride-1 skips are identities and left
out), then ReLU + ASPP, then the two-input decoder with the final upsample. The block sums and
concats in cells are not blocks (no multiply-adds).
"""

from __future__ import annotations

import re

import torch
from torch import nn

from zeroseg.latency.spec import BlockSpec, Resized
from zeroseg.spaces.catalog.autodeeplab_net import OPS, make_op, make_stem, state_channels
from zeroseg.spaces.ops.aspp import ASPP, aspp_rates
from zeroseg.spaces.ops.conv import ReLUConvBN
from zeroseg.spaces.ops.decoder import DeepLabDecoder
from zeroseg.spaces.ops.resize import resize

SPACE = "autodeeplab"
ASPP_OP = re.compile(r"aspp_os(\d+)")  # output stride sets the ASPP rates


def _down(n: int, s: int) -> int:
    return -(-n // s)


class ResizeThen(nn.Module):
    """Bilinear resize to ``size`` then ``block``: a cell's preprocessing of an input at another level."""

    def __init__(self, block: nn.Module, size: tuple[int, int]) -> None:
        super().__init__()
        self.block, self.size = block, size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(resize(x, self.size))


def autodeeplab_blocks(path: tuple[int, ...], inputs: tuple[int, ...], ops: tuple[int, ...], filter_multiplier: int,
                       input_size: tuple[int, int], num_classes: int, aspp_channels: int = 256) -> list[BlockSpec]:
    """The block list of ``AutoDeepLabNet(path, inputs, ops, num_classes, filter_multiplier)`` at ``input_size``."""
    H, W = input_size
    sizes = [(_down(H, 4), _down(W, 4))]
    for _ in range(3):
        sizes.append((_down(sizes[-1][0], 2), _down(sizes[-1][1], 2)))
    chans, low = state_channels(path, len(inputs) // 2, filter_multiplier)
    s1 = (_down(H, 2), _down(W, 2))
    out = [BlockSpec(SPACE, "stem01", 3, 64, H, W, stride=2, kernel=3),
           BlockSpec(SPACE, "stem2", 64, 128, *s1, stride=2, kernel=3)]
    pp, p, prev = s1, sizes[0], 0
    for i, level in enumerate(path):
        f, stride = filter_multiplier * 2**level, 2 if level > prev else 1
        inp = sizes[level] if level < prev else p
        if chans[i] != f or pp != inp:
            out.append(BlockSpec(SPACE, "pre", chans[i], f, *pp, out_h=inp[0], out_w=inp[1]))
        out.append(BlockSpec(SPACE, "pre", chans[i + 1], f, *p, out_h=inp[0], out_w=inp[1]))
        for src, o in zip(inputs, ops):
            s = stride if src < 2 else 1
            if not (OPS[o] == "skip" and s == 1):
                out.append(BlockSpec(SPACE, OPS[o], f, f, *(inp if src < 2 else sizes[level]), stride=s,
                                     kernel=5 if "5x5" in OPS[o] else 3))
        pp, p, prev = p, sizes[level], level
    out.append(BlockSpec(SPACE, f"aspp_os{4 * 2 ** path[-1]}", chans[-1], aspp_channels, *p))
    out.append(BlockSpec(SPACE, "decoder", aspp_channels, num_classes, *p, extra=((low, *sizes[0]),),
                         out_h=H, out_w=W))
    return out


def autodeeplab_make_block(spec: BlockSpec) -> nn.Module:
    """The module of one Auto-DeepLab block (inverse of ``autodeeplab_blocks``)."""
    if spec.op == "stem01":
        return nn.Sequential(*make_stem()[:2])
    if spec.op == "stem2":
        return make_stem()[2]
    if spec.op == "pre":
        pre = ReLUConvBN(spec.c_in, spec.c_out, 1) if spec.c_in != spec.c_out else nn.Identity()
        return ResizeThen(pre, (spec.out_h, spec.out_w))
    if spec.op in OPS:
        return make_op(spec.op, spec.c_in, spec.stride)
    m = ASPP_OP.fullmatch(spec.op)
    if m:
        return nn.Sequential(nn.ReLU(inplace=False), ASPP(spec.c_in, spec.c_out, aspp_rates(int(m[1]))))
    if spec.op == "decoder":
        return Resized(DeepLabDecoder(spec.c_in, spec.extra[0][0], spec.c_out, separable=False),
                       (spec.out_h, spec.out_w))
    raise ValueError(f"autodeeplab: unknown block op {spec.op!r}")
