"""FasterSeg network from a genotype (Chen et al. ICLR 2020 §3; VITA-Group/FasterSeg ``model_seg.py``).

Stem to stride 8, then L single-op cells per branch at strides 8/16/32 (``8·2^scale``); a cell that
downsamples uses stride 2. Widths: a cell outputs ``round(stride·F·ratio)`` channels (F=12), the
stem and each branch's last cell ``round(stride·F·stem_head)``. Branches whose paths agree up to a
layer share that layer's cells (one supernet node). Head (§3.3): the stride-32 branch is refined
with its own stride-16 and stride-8 features, a stride-16 branch with its stride-8 feature, then
both are concatenated, fused (BiSeNet FFM) and classified at stride 8.
"""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.spaces.ops.basic import FactorizedReduce
from zeroseg.spaces.ops.conv import ConvBNReLU, ConvStack
from zeroseg.spaces.ops.fusion import FeatureFusion
from zeroseg.spaces.ops.head import SegHead, Segmenter
from zeroseg.spaces.ops.resize import resize_like
from zeroseg.spaces.ops.zoomed import ZoomedConv

OPS = ("skip", "conv", "conv_downup", "conv_2x", "conv_2x_downup")
FCH = 12
Cell = tuple[str, int, int, int]  # op name, c_in, c_out, stride


def filters(stride: int, ratio: float) -> int:
    return int(round(stride * FCH * ratio))


def make_op(name: str, c_in: int, c_out: int, stride: int) -> nn.Module:
    if name == "skip":
        if stride == 2:
            return FactorizedReduce(c_in, c_out)
        return nn.Identity() if c_in == c_out else ConvBNReLU(c_in, c_out, 1)
    n = 2 if "2x" in name else 1
    return ZoomedConv(c_in, c_out, n, stride) if name.endswith("downup") else ConvStack(c_in, c_out, n, stride)


def branch_path(downs: tuple[int, ...], layers: int) -> tuple[int, ...]:
    """Scale (0/1/2 = stride 8/16/32) of each cell's input, plus the final output scale."""
    path = [0]
    for layer in range(layers):
        path.append(path[-1] + (layer in downs))
    return tuple(path)


def plan_cells(op_names: tuple[str, ...], ops: tuple[int, ...], widths: tuple[float, ...],
               paths: list[tuple[int, ...]], layers: int,
               stem_head: float) -> tuple[dict[str, Cell], list[dict[int, int]]]:
    """Each distinct cell (shared prefixes once) as ``key → (op, c_in, c_out, stride)``; per branch, its
    output channels at each scale it visits (the refine steps' skip inputs)."""
    c_stem = filters(8, stem_head)
    cells: dict[str, Cell] = {}
    feat_ch: list[dict[int, int]] = []
    for path in paths:
        c, chans = c_stem, {0: c_stem}
        for layer in range(layers):
            s, s_out = path[layer], path[layer + 1]
            name = op_names[ops[s * layers + layer]]
            if layer == layers - 1:
                c_out = filters(8 * 2**s, stem_head)
            elif name == "skip" and s_out == s:
                c_out = c
            else:
                c_out = filters(8 * 2**s_out, widths[s * layers + layer])
            cells.setdefault(cell_key(path, layer), (name, c, c_out, 2 if s_out > s else 1))
            c = chans[s_out] = c_out
        feat_ch.append(chans)
    return cells, feat_ch


def cell_key(path: tuple[int, ...], layer: int) -> str:
    """Cells of branches that agree up to ``layer`` share this key (one supernet node)."""
    return f"l{layer}_" + "".join(map(str, path[:layer + 2]))


def make_stem(stem_head: float) -> nn.Sequential:
    """3×3 stride-2 conv then two stride-2 conv pairs: stride 8 (FasterSeg ``stem``)."""
    c2, c4 = filters(2, stem_head) * 2, filters(4, stem_head) * 2
    return nn.Sequential(ConvBNReLU(3, c2, 3, 2), ConvStack(c2, c4, 2, 2), ConvStack(c4, filters(8, stem_head), 2, 2))


def head_mid(c: int) -> int:
    return c if c <= 256 else c // 2


class RefineStep(nn.Module):
    """One head refinement (§3.3): 1×1 down-projection, upsample to the finer skip, concat, 3×3 conv."""

    def __init__(self, c_in: int, c_skip: int, c_out: int) -> None:
        super().__init__()
        self.reduce = ConvBNReLU(c_in, c_out, 1)
        self.fuse = ConvBNReLU(c_out + c_skip, c_out, 3)

    def forward(self, y: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.fuse(torch.cat([resize_like(self.reduce(y), skip), skip], dim=1))


class FasterSegNet(nn.Module):
    def __init__(self, op_names: tuple[str, ...], ops: tuple[int, ...], widths: tuple[float, ...],
                 branch_downs: tuple[tuple[int, ...], ...], layers: int, stem_head: float, num_classes: int) -> None:
        super().__init__()
        self.layers = layers
        self.paths = [branch_path(d, layers) for d in branch_downs]
        self.stem = make_stem(stem_head)
        cells, self.feat_ch = plan_cells(op_names, ops, widths, self.paths, layers, stem_head)
        self.cells = nn.ModuleDict({k: make_op(*cell) for k, cell in cells.items()})
        self._build_head(stem_head, num_classes)

    def _build_head(self, sh: float, num_classes: int) -> None:
        f8, f16, f32 = filters(8, sh), filters(16, sh), filters(32, sh)
        self.refines = nn.ModuleList()
        for path, chans in zip(self.paths, self.feat_ch):
            steps = [RefineStep(f32, chans[1], f16)] if path[-1] == 2 else []
            steps += [RefineStep(f16, chans[0], f8)] if path[-1] >= 1 else []
            self.refines.append(nn.ModuleList(steps))
        c = f8 * len(self.paths)
        self.ffm = FeatureFusion(c, c)
        self.head = SegHead(c, num_classes, mid=head_mid(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        stem = self.stem(x)
        feats = [{0: stem} for _ in self.paths]
        cur = [stem for _ in self.paths]
        for layer in range(self.layers):
            done: dict[str, torch.Tensor] = {}
            for b, path in enumerate(self.paths):
                key = cell_key(path, layer)
                if key not in done:
                    done[key] = self.cells[key](cur[b])
                cur[b] = feats[b][path[layer + 1]] = done[key]
        outs = []
        for b, path in enumerate(self.paths):
            y = cur[b]
            for step, scale in zip(self.refines[b], range(path[-1] - 1, -1, -1)):
                y = step(y, feats[b][scale])
            outs.append(y)
        return self.head(self.ffm(torch.cat(outs, dim=1)))


def build_fasterseg(op_names: tuple[str, ...], ops: tuple[int, ...], widths: tuple[float, ...],
                    branch_downs: tuple[tuple[int, ...], ...], layers: int, stem_head: float,
                    num_classes: int) -> nn.Module:
    return Segmenter(FasterSegNet(op_names, ops, widths, branch_downs, layers, stem_head, num_classes))
