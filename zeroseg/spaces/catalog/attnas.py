"""AttNAS (Jiang et al.): MobileNetV2 backbone search + two-layer attention search.

Backbone (§3.2): MobileNetV2's 17 inverted residuals, each picking one of six ops numbered as in
Table 2: 1 k3e1, 2 k3e3, 3 k3e6, 4 k5e1, 5 k5e3, 6 k5e6. Features at output stride 16 (DeepLab).
Attention (§3.2, §3.3.3): 13 candidates (Table 1) in each of two layers; the top-4 (layer, att)
pairs are kept, so a genotype holds exactly 4 distinct pairs. Within a layer the kept attentions
run in parallel and are summed (Eq. 2); layer 2 runs on layer 1's output (sequential); an empty
layer passes its input through. A 1×1 classifier and a bilinear resize to the input follow.
Text encoding, as Table 2 prints it: ``33232323263653251|12,13|3,7`` (ops | layer 1 | layer 2).
Cost convention: the paper's "FLOPs" are multiply-adds — Table 1's AtrousConv6 at 1024×2048 is
7552M = 9·320·320·(64·128) MACs — so published numbers compare with ``Cost.macs``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from zeroseg.latency.spec import BlockSpec, Resized
from zeroseg.spaces.base import InvalidGenotype, SearchSpace, register_space
from zeroseg.spaces.ops.aspp import ASPP
from zeroseg.spaces.ops.attention import attnas_candidate
from zeroseg.spaces.ops.head import Segmenter
from zeroseg.spaces.ops.mobilenet import MV2_STEM, InvertedResidual, conv_bn, mv2_plan

N_BLOCKS = 17
OPS: tuple[tuple[int, int], ...] = tuple(product((3, 5), (1, 3, 6)))  # index i+1 → (kernel, expand)
N_ATT = 13
TOP_K = 4
FEAT_C = 320
MV2_OPS = (1,) + (3,) * 16  # plain MobileNetV2: k3, t=1 in block 1 and t=6 after
_TEXT = re.compile(r"^([1-6]{17})\|([0-9,]*)\|([0-9,]*)$")


@dataclass(frozen=True)
class AttNASGenotype:
    """ops: 17 op indices (1..6); att1/att2: sorted attention indices (1..13) kept in each layer."""

    ops: tuple[int, ...]
    att1: tuple[int, ...]
    att2: tuple[int, ...]


class AttentionStack(nn.Module):
    """Two attention layers: parallel sum within a layer, sequential across layers (AttNAS Eq. 2)."""

    def __init__(self, layers: list[list[nn.Module]]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.ModuleList(m) for m in layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            if len(layer):
                x = torch.stack([m(x) for m in layer]).sum(0)
        return x


def attnas_body(blocks: list[nn.Module], context: nn.Module, c_context: int, num_classes: int) -> nn.Sequential:
    """Stem → 17 inverted residuals → context module (attention stack or ASPP) → 1×1 classifier."""
    return nn.Sequential(conv_bn(3, MV2_STEM, 3, 2), *blocks, context, nn.Conv2d(c_context, num_classes, 1))


def _down(n: int, stride: int) -> int:
    return -(-n // stride)


@register_space
class AttNASSpace(SearchSpace):
    """MobileNetV2 (17 × {k3,k5}×{e1,e3,e6}) + two-layer 13-candidate attention, top-4 kept."""

    name: ClassVar[str] = "attnas"
    description: ClassVar[str] = "MobileNetV2 17 IR blocks × 6 ops + 2-layer × 13 attention, top-4 (AttNAS)"
    paper: ClassVar[str] = "AttNAS: Searching Attentions for Lightweight Semantic Segmentation"

    # -- genotypes -------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> AttNASGenotype:
        ops = tuple(int(v) for v in rng.integers(1, len(OPS) + 1, N_BLOCKS))
        picks = rng.choice(2 * N_ATT, size=TOP_K, replace=False)
        return self._from_pairs(ops, {(int(p) // N_ATT + 1, int(p) % N_ATT + 1) for p in picks})

    def mutate(self, g: AttNASGenotype, rng: np.random.Generator) -> AttNASGenotype:
        """Change one backbone op, or swap one kept attention for an unkept (layer, att) pair."""
        if rng.random() < 0.5:
            ops = list(g.ops)
            i = int(rng.integers(N_BLOCKS))
            ops[i] = int(rng.choice([o for o in range(1, len(OPS) + 1) if o != ops[i]]))
            return AttNASGenotype(tuple(ops), g.att1, g.att2)
        pairs = self._pairs(g)
        free = [p for p in product((1, 2), range(1, N_ATT + 1)) if p not in pairs]
        pairs.remove(sorted(pairs)[int(rng.integers(TOP_K))])
        pairs.add(free[int(rng.integers(len(free)))])
        return self._from_pairs(g.ops, pairs)

    def crossover(self, a: AttNASGenotype, b: AttNASGenotype, rng: np.random.Generator) -> AttNASGenotype:
        """Uniform crossover of the ops; 4 attention pairs drawn from the parents' union."""
        mask = rng.random(N_BLOCKS) < 0.5
        ops = tuple(x if m else y for x, y, m in zip(a.ops, b.ops, mask))
        union = sorted(self._pairs(a) | self._pairs(b))
        keep = rng.choice(len(union), size=TOP_K, replace=False)
        return self._from_pairs(ops, {union[int(i)] for i in keep})

    def validate(self, g: AttNASGenotype) -> None:
        if not isinstance(g, AttNASGenotype):
            raise InvalidGenotype(f"attnas: expected AttNASGenotype, got {type(g).__name__}")
        if len(g.ops) != N_BLOCKS:
            raise InvalidGenotype(f"attnas: backbone needs {N_BLOCKS} ops, got {len(g.ops)}")
        for i, o in enumerate(g.ops):
            if not (isinstance(o, int) and 1 <= o <= len(OPS)):
                raise InvalidGenotype(f"attnas: op of block {i + 1} must be 1..6, got {o!r}")
        for name, layer in (("att1", g.att1), ("att2", g.att2)):
            if any(not (isinstance(a, int) and 1 <= a <= N_ATT) for a in layer):
                raise InvalidGenotype(f"attnas: {name} indices must be 1..{N_ATT}, got {layer}")
            if list(layer) != sorted(set(layer)):
                raise InvalidGenotype(f"attnas: {name} must be sorted without repeats, got {layer}")
        if len(g.att1) + len(g.att2) != TOP_K:
            raise InvalidGenotype(
                f"attnas: top-{TOP_K} rule: exactly {TOP_K} attentions across both layers, "
                f"got {len(g.att1)}+{len(g.att2)}")

    def encode(self, g: AttNASGenotype) -> str:
        self.validate(g)
        return "".join(map(str, g.ops)) + "|" + ",".join(map(str, g.att1)) + "|" + ",".join(map(str, g.att2))

    def decode(self, text: str) -> AttNASGenotype:
        m = _TEXT.match(text.strip())
        if not m:
            raise InvalidGenotype(
                f"attnas: cannot parse {text!r}; expected 17 digits 1-6, '|', layer-1 list, '|', "
                "layer-2 list, e.g. '33232323263653251|12,13|3,7'")
        try:
            att = [tuple(int(v) for v in s.split(",")) if s else () for s in m.group(2, 3)]
        except ValueError:
            raise InvalidGenotype(f"attnas: attention lists in {text!r} must be comma-separated integers") from None
        g = AttNASGenotype(tuple(int(c) for c in m.group(1)), att[0], att[1])
        self.validate(g)
        return g

    @staticmethod
    def _pairs(g: AttNASGenotype) -> set[tuple[int, int]]:
        return {(1, a) for a in g.att1} | {(2, a) for a in g.att2}

    @staticmethod
    def _from_pairs(ops: tuple[int, ...], pairs: set[tuple[int, int]]) -> AttNASGenotype:
        return AttNASGenotype(ops, tuple(sorted(a for l, a in pairs if l == 1)),
                              tuple(sorted(a for l, a in pairs if l == 2)))

    # -- networks --------------------------------------------------------------------------
    def backbone(self, ops: tuple[int, ...]) -> list[nn.Module]:
        """The 17 inverted residuals of ``ops`` at output stride 16."""
        return [InvertedResidual(ci, co, *OPS[o - 1], stride=s, dilation=d)
                for o, (ci, co, s, d) in zip(ops, mv2_plan(16))]

    def build(self, g: AttNASGenotype, num_classes: int) -> nn.Module:
        self.validate(g)
        att = AttentionStack([[attnas_candidate(a, FEAT_C) for a in layer] for layer in (g.att1, g.att2)])
        return Segmenter(attnas_body(self.backbone(g.ops), att, FEAT_C, num_classes))

    def build_baseline(self, num_classes: int, ops: tuple[int, ...] = MV2_OPS) -> nn.Module:
        """Table 2's baseline: MobileNetV2 (ops 1,3,3,…: t=1 then t=6, all k3) + DeepLabV3 ASPP(256)."""
        return Segmenter(attnas_body(self.backbone(ops), ASPP(FEAT_C, 256), 256, num_classes))

    # -- latency block protocol (zeroseg.latency.spec) -------------------------------------
    def blocks(self, g: AttNASGenotype, input_size: tuple[int, int], num_classes: int = 19) -> list[BlockSpec]:
        """Stem, 17 IRs, each kept attention, and the head — in network order."""
        self.validate(g)
        h, w = _down(input_size[0], 2), _down(input_size[1], 2)
        specs = [BlockSpec(self.name, "stem", 3, MV2_STEM, *input_size, stride=2, kernel=3)]
        for o, (ci, co, s, d) in zip(g.ops, mv2_plan(16)):
            k, e = OPS[o - 1]
            specs.append(BlockSpec(self.name, "ir", ci, co, h, w, stride=s, kernel=k, expand=e, dilation=d))
            h, w = _down(h, s), _down(w, s)
        specs += [BlockSpec(self.name, f"att{a}", FEAT_C, FEAT_C, h, w) for a in (*g.att1, *g.att2)]
        specs.append(BlockSpec(self.name, "head", FEAT_C, num_classes, h, w, out_h=input_size[0], out_w=input_size[1]))
        return specs

    def make_block(self, spec: BlockSpec) -> nn.Module:
        if spec.op == "stem":
            return conv_bn(spec.c_in, spec.c_out, spec.kernel, spec.stride)
        if spec.op == "ir":
            return InvertedResidual(spec.c_in, spec.c_out, spec.kernel, spec.expand, spec.stride, spec.dilation)
        if spec.op.startswith("att"):
            return attnas_candidate(int(spec.op[3:]), spec.c_in)
        if spec.op == "head":
            return Resized(nn.Conv2d(spec.c_in, spec.c_out, 1), (spec.out_h, spec.out_w))
        raise ValueError(f"attnas: unknown block op {spec.op!r}")


# AttNAS Table 2 genotypes (backbone op indices, AttSet1, AttSet2) and their published size at
# 1024×2048: (encoding, params in M, paper "GFLOPs" — multiply-adds, see the space docstring).
PUBLISHED: dict[str, tuple[str, float, float]] = {
    "attnas-s": ("33232323263653251|12,13|3,7", 2.3, 28.2),
    "attnas-l": ("22233331323113322|7,8,13|7", 4.2, 40.6),
}
BASELINE_PUBLISHED: tuple[float, float] = (4.5, 41.4)  # mv2+ASPP: params M, GMACs
