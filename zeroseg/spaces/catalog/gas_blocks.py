"""GAS's latency blocks (GAS §3.3: network latency = sum of per-operation lookup-table entries).

One block per computing piece of ``gas_net.GASNet`` in forward order: the two stem parts, each
cell's two 1×1 preprocessings and every edge op that computes (``zero`` and the stride-1 ``skip``
identity cost nothing and are left out), then the context head + classifier + final upsample. The
cell's node sums and concat are not blocks (elementwise, no multiply-adds). Blocks are built from
the network's own constructors, so block MACs add up to the network's.
"""

from __future__ import annotations

import re

from torch import nn

from zeroseg.latency.spec import BlockSpec, Resized
from zeroseg.spaces.catalog.gas_net import EDGES, OPS, head_module, make_op, stem_parts
from zeroseg.spaces.ops.basic import FactorizedReduce
from zeroseg.spaces.ops.conv import ReLUConvBN

SPACE = "gas"
HEAD_OP = re.compile(r"(aspp|ppm)_os(\d+)_c(\d+)")  # head kind, output stride, head channels


def _down(n: int, s: int) -> int:
    return -(-n // s)


def _computes(op: str, stride: int) -> bool:
    return op != "zero" and not (op == "skip" and stride == 1)


def gas_blocks(cells: tuple[tuple[int, ...], ...], head: str, reductions: tuple[int, ...], c: int,
               head_channels: int, input_size: tuple[int, int], num_classes: int) -> list[BlockSpec]:
    """The block list of ``GASNet(cells, head, reductions, c, head_channels, num_classes)`` at ``input_size``."""
    H, W = input_size
    h, w = _down(H, 4), _down(W, 4)
    out = [BlockSpec(SPACE, "stem0", 3, c, H, W, stride=4, kernel=3),
           BlockSpec(SPACE, "stem1", c, c, h, w, stride=2, kernel=3)]
    pp, p = (c, h, w), (c, _down(h, 2), _down(w, 2))
    red_prev, stride = True, 8
    for k, ops in enumerate(cells):
        red = k in reductions
        c, stride = (c * 2, stride * 2) if red else (c, stride)
        _, h, w = p
        out.append(BlockSpec(SPACE, "pre_fr" if red_prev else "pre_1x1", pp[0], c, *pp[1:],
                             stride=2 if red_prev else 1))
        out.append(BlockSpec(SPACE, "pre_1x1", p[0], c, h, w))
        shapes = {0: (h, w), 1: (h, w)}
        for o, (src, dst) in zip(ops, EDGES):
            s = 2 if red and src < 2 else 1
            hs, ws = shapes[src]
            shapes.setdefault(dst, (_down(hs, s), _down(ws, s)))
            if _computes(OPS[o], s):
                d = int(OPS[o][-1]) if OPS[o].startswith("dil_sep") else 1
                out.append(BlockSpec(SPACE, OPS[o], c, c, hs, ws, stride=s, kernel=3, dilation=d))
        pp, p, red_prev = p, (2 * c, *shapes[3]), red
    out.append(BlockSpec(SPACE, f"{head}_os{stride}_c{head_channels}", p[0], num_classes, *p[1:],
                         out_h=H, out_w=W))
    return out


def gas_make_block(spec: BlockSpec) -> nn.Module:
    """The module of one GAS block (inverse of ``gas_blocks``)."""
    if spec.op in ("stem0", "stem1"):
        return stem_parts(spec.c_out)[int(spec.op[-1])]
    if spec.op == "pre_fr":
        return FactorizedReduce(spec.c_in, spec.c_out)
    if spec.op == "pre_1x1":
        return ReLUConvBN(spec.c_in, spec.c_out, 1)
    if spec.op in OPS and _computes(spec.op, spec.stride):
        return make_op(spec.op, spec.c_in, spec.stride)
    m = HEAD_OP.fullmatch(spec.op)
    if m:
        ctx = head_module(m[1], spec.c_in, int(m[3]), int(m[2]), spec.c_out)
        return Resized(ctx, (spec.out_h, spec.out_w))
    raise ValueError(f"gas: unknown block op {spec.op!r}")
