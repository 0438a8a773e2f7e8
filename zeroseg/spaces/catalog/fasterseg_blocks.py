"""FasterSeg's latency blocks (FasterSeg §3.4: latency = sum of per-operator lookup-table entries).

One block per computing piece of ``fasterseg_net.FasterSegNet`` in forward order: the stem, every
distinct cell (cells shared by both branches once; identity skips left out), each head refinement
(two inputs: the coarse feature and the finer skip it is fused with), the feature-fusion module,
and the classifier head with the final upsample. Only the branch concat is not a block (no
multiply-adds). Blocks come from the network's own constructors, so their MACs add up to the network's.
"""

from __future__ import annotations

from torch import nn

from zeroseg.latency.spec import BlockSpec, Resized
from zeroseg.spaces.catalog.fasterseg_net import (OPS, RefineStep, branch_path, cell_key, filters, head_mid, make_op,
                                                  make_stem, plan_cells)
from zeroseg.spaces.ops.fusion import FeatureFusion
from zeroseg.spaces.ops.head import SegHead

SPACE = "fasterseg"


def _down(n: int, s: int) -> int:
    return -(-n // s)


def fasterseg_blocks(op_names: tuple[str, ...], ops: tuple[int, ...], widths: tuple[float, ...],
                     branch_downs: tuple[tuple[int, ...], ...], layers: int, stem_head: float,
                     input_size: tuple[int, int], num_classes: int) -> list[BlockSpec]:
    """The block list of the FasterSeg network with these arguments (see ``build_fasterseg``) at ``input_size``."""
    H, W = input_size
    size = [(_down(H, 8), _down(W, 8))]
    for _ in range(2):
        size.append((_down(size[-1][0], 2), _down(size[-1][1], 2)))
    paths = [branch_path(d, layers) for d in branch_downs]
    cells, feat_ch = plan_cells(op_names, ops, widths, paths, layers, stem_head)
    out = [BlockSpec(SPACE, "stem", 3, filters(8, stem_head), H, W, stride=8, kernel=3, expand=stem_head)]
    seen: set[str] = set()
    for layer in range(layers):
        for path in paths:
            key = cell_key(path, layer)
            name, ci, co, st = cells[key]
            if key in seen or (name == "skip" and st == 1 and ci == co):
                continue
            seen.add(key)
            out.append(BlockSpec(SPACE, name, ci, co, *size[path[layer]], stride=st, kernel=3))
    f = {s: filters(8 * 2**s, stem_head) for s in range(3)}
    for path, chans in zip(paths, feat_ch):
        c = chans[path[-1]]
        for scale in range(path[-1] - 1, -1, -1):
            out.append(BlockSpec(SPACE, "refine", c, f[scale], *size[scale + 1], kernel=3,
                                 extra=((chans[scale], *size[scale]),), out_h=size[scale][0], out_w=size[scale][1]))
            c = f[scale]
    c = f[0] * len(paths)
    out.append(BlockSpec(SPACE, "ffm", c, c, *size[0]))
    out.append(BlockSpec(SPACE, "head", c, num_classes, *size[0], kernel=3, out_h=H, out_w=W))
    return out


def fasterseg_make_block(spec: BlockSpec) -> nn.Module:
    """The module of one FasterSeg block (inverse of ``fasterseg_blocks``)."""
    if spec.op == "stem":
        return make_stem(spec.expand)
    if spec.op in OPS:
        return make_op(spec.op, spec.c_in, spec.c_out, spec.stride)
    if spec.op == "refine":
        return RefineStep(spec.c_in, spec.extra[0][0], spec.c_out)
    if spec.op == "ffm":
        return FeatureFusion(spec.c_in, spec.c_out)
    if spec.op == "head":
        return Resized(SegHead(spec.c_in, spec.c_out, mid=head_mid(spec.c_in)), (spec.out_h, spec.out_w))
    raise ValueError(f"fasterseg: unknown block op {spec.op!r}")
