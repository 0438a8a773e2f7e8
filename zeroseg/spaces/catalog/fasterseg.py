"""FasterSeg's multi-resolution branching space (Chen et al. ICLR 2020 §3.1–3.2).

A supernet of 3 scales (strides 8/16/32) × L=16 layers; each node (scale, layer) has an op
(skip / conv / zoomed conv / conv×2 / zoomed conv×2) and a width ratio in {4,6,8,10,12}/12 of
F=12·stride. Two branches walk the grid: one ends at stride 32 (two downsampling cells), the other
at stride 8 or 16 (zero or one), as FasterSeg's final ``lasts=[2, 0|1]``. Rules from FasterSeg's
``alphas2ops_path_width``: downsampling cells lie in layers 1..L−2; each stretch after a
downsample keeps at least one non-skip cell; a branch keeps ≥ round(L/3) + 2·last real cells.

``mode="saswot"``: SasWOT's variant (AAAI 2024, "two branches share three operators" with a fixed
pruning rate): ops restricted to skip / conv / zoomed conv, every width fixed to the student's
8/12 ratio. The paper gives no more detail; this reading is ours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from zeroseg.latency.spec import BlockSpec
from zeroseg.spaces.base import InvalidGenotype, SearchSpace, register_space
from zeroseg.spaces.catalog.fasterseg_blocks import fasterseg_blocks, fasterseg_make_block
from zeroseg.spaces.catalog.fasterseg_net import OPS, branch_path, build_fasterseg
from zeroseg.spaces.genotype import (check_ints, digits, format_fields, parse_digits, parse_fields, parse_rows,
                                     resample_one, rows, uniform_mix, until_valid)

WIDTHS = (4 / 12, 6 / 12, 8 / 12, 10 / 12, 1.0)
MODES = {"fasterseg": (OPS, WIDTHS, 1.0), "saswot": (("skip", "conv", "conv_downup"), (8 / 12,), 8 / 12)}


@dataclass(frozen=True)
class FasterSegGenotype:
    ops: tuple[int, ...]      # node (scale s, layer l) at s·L + l
    widths: tuple[int, ...]   # width-ratio index per node
    down32: tuple[int, ...]   # the two layers where the stride-32 branch downsamples
    down_b: tuple[int, ...]   # () → second branch ends at stride 8, (l,) → at 16


@register_space
class FasterSegSpace(SearchSpace):
    name = "fasterseg"
    description = "FasterSeg: 16 layers × strides 8/16/32, 5 ops, widths {4..12}/12, two fused branches"
    paper = "Chen et al., FasterSeg, ICLR 2020; SasWOT mode: papers/saswot.md"

    def __init__(self, mode: str = "fasterseg", layers: int = 16, stem_head: float | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"fasterseg mode {mode!r} unknown; choose one of {', '.join(MODES)}")
        if layers < 4:
            raise ValueError("fasterseg needs at least 4 layers")
        self.mode, self.layers = mode, layers
        self.op_names, self.width_choices, default_sh = MODES[mode]
        self.stem_head = default_sh if stem_head is None else stem_head
        self.nodes = 3 * layers

    # -- rules ------------------------------------------------------------------------------
    def validate(self, g: FasterSegGenotype) -> None:
        if not isinstance(g, FasterSegGenotype):
            raise InvalidGenotype(f"fasterseg: expected FasterSegGenotype, got {type(g).__name__}")
        L = self.layers
        check_ints(g.ops, "fasterseg ops", self.nodes, 0, len(self.op_names) - 1)
        check_ints(g.widths, "fasterseg widths", self.nodes, 0, len(self.width_choices) - 1)
        check_ints(g.down32, "fasterseg down32", 2, 1, L - 2)
        if len(g.down_b) > 1:
            raise InvalidGenotype(f"fasterseg down_b {g.down_b}: the second branch downsamples at most once")
        check_ints(g.down_b, "fasterseg down_b", len(g.down_b), 1, L - 2)
        if g.down32[0] >= g.down32[1]:
            raise InvalidGenotype(f"fasterseg down32 {g.down32}: layers must be strictly increasing")
        for label, downs in (("stride-32 branch", g.down32), ("second branch", g.down_b)):
            self._check_branch(g, label, downs)

    def _check_branch(self, g: FasterSegGenotype, label: str, downs: tuple[int, ...]) -> None:
        L, path = self.layers, branch_path(downs, self.layers)
        skip = [self.op_names[g.ops[path[l] * L + l]] == "skip" and l not in downs for l in range(L)]
        bounds = list(downs) + [L]
        for a, b in zip(bounds[:-1], bounds[1:]):
            if b - a > 1 and all(skip[a + 1:b]):
                raise InvalidGenotype(f"fasterseg {label}: layers {a + 1}..{b - 1} after the downsample at "
                                      f"layer {a} are all skip")
        need = int(np.round(L / 3)) + 2 * len(downs)
        if L - sum(skip) < need:
            raise InvalidGenotype(f"fasterseg {label}: {L - sum(skip)} non-skip cells, needs ≥ {need}")

    # -- text -------------------------------------------------------------------------------
    def encode(self, g: FasterSegGenotype) -> str:
        self.validate(g)
        return format_fields([("o", self._grid(g.ops)), ("w", self._grid(g.widths)), ("a", digits(g.down32)),
                              ("b", digits(g.down_b))])

    def _grid(self, values: tuple[int, ...]) -> str:
        """One row of L digits per scale (stride 8, 16, 32)."""
        return rows(values[s * self.layers:(s + 1) * self.layers] for s in range(3))

    def decode(self, text: str) -> FasterSegGenotype:
        f = parse_fields(text, ("o", "w", "a", "b"), self.name)
        ops, widths = (tuple(v for r in parse_rows(f[k], f"fasterseg {k}") for v in r) for k in ("o", "w"))
        g = FasterSegGenotype(ops, widths, parse_digits(f["a"], "fasterseg a"), parse_digits(f["b"], "fasterseg b"))
        self.validate(g)
        return g

    # -- variation --------------------------------------------------------------------------
    def _random(self, rng: np.random.Generator) -> FasterSegGenotype:
        L = self.layers
        down32 = tuple(sorted(int(v) for v in rng.choice(np.arange(1, L - 1), 2, replace=False)))
        down_b = () if rng.random() < 0.5 else (int(rng.integers(1, L - 1)),)
        return FasterSegGenotype(tuple(int(v) for v in rng.integers(len(self.op_names), size=self.nodes)),
                                 tuple(int(v) for v in rng.integers(len(self.width_choices), size=self.nodes)),
                                 down32, down_b)

    def sample(self, rng: np.random.Generator) -> FasterSegGenotype:
        return until_valid(lambda: self._random(rng), self.validate, "fasterseg sample")

    def used_nodes(self, g: FasterSegGenotype) -> list[int]:
        """Supernet nodes (s·L + l) some branch passes through; only these change the network."""
        L = self.layers
        return sorted({branch_path(d, L)[l] * L + l for d in (g.down32, g.down_b) for l in range(L)})

    def canonical(self, g: FasterSegGenotype) -> FasterSegGenotype:
        """Genes of nodes no branch passes through set to 0: they do not change the network."""
        used = set(self.used_nodes(g))
        return FasterSegGenotype(*(tuple(v if i in used else 0 for i, v in enumerate(vals)) for vals in
                                   (g.ops, g.widths)), g.down32, g.down_b)

    def mutate(self, g: FasterSegGenotype, rng: np.random.Generator) -> FasterSegGenotype:
        """One of: a used node's op, a used node's width, the stride-32 path, the second branch's path."""

        def make() -> FasterSegGenotype:
            kind = int(rng.integers(4 if len(self.width_choices) > 1 else 3))
            used = self.used_nodes(g)
            if kind == 0:
                return FasterSegGenotype(resample_one(g.ops, len(self.op_names), rng, used), g.widths, g.down32,
                                         g.down_b)
            if kind == 1:
                return FasterSegGenotype(g.ops, g.widths, self._random(rng).down32, g.down_b)
            if kind == 2:
                return FasterSegGenotype(g.ops, g.widths, g.down32, self._random(rng).down_b)
            return FasterSegGenotype(g.ops, resample_one(g.widths, len(self.width_choices), rng, used), g.down32,
                                     g.down_b)

        return until_valid(make, self.validate, "fasterseg mutate", differs_from=g)

    def crossover(self, a: FasterSegGenotype, b: FasterSegGenotype, rng: np.random.Generator) -> FasterSegGenotype:
        """Uniform over supernet nodes (op and width travel together); each branch path from either parent."""

        def make() -> FasterSegGenotype:
            take = rng.random(self.nodes) < 0.5
            ops = tuple(u if t else v for u, v, t in zip(a.ops, b.ops, take))
            widths = tuple(u if t else v for u, v, t in zip(a.widths, b.widths, take))
            return FasterSegGenotype(ops, widths,
                                     (a if rng.random() < 0.5 else b).down32, (a if rng.random() < 0.5 else b).down_b)

        try:
            return until_valid(make, self.validate, "fasterseg crossover", tries=100)
        except RuntimeError:
            return FasterSegGenotype(a.ops, uniform_mix(a.widths, b.widths, rng), a.down32, a.down_b)

    # -- network ----------------------------------------------------------------------------
    def build(self, g: FasterSegGenotype, num_classes: int) -> nn.Module:
        self.validate(g)
        widths = tuple(self.width_choices[i] for i in g.widths)
        return build_fasterseg(self.op_names, g.ops, widths, (g.down32, g.down_b), self.layers, self.stem_head,
                               num_classes)

    # -- latency block protocol (zeroseg.latency.spec) -------------------------------------
    def blocks(self, g: FasterSegGenotype, input_size: tuple[int, int], num_classes: int = 19) -> list[BlockSpec]:
        """Stem, distinct non-identity cells, head refinements, fusion, classifier — in forward order."""
        self.validate(g)
        widths = tuple(self.width_choices[i] for i in g.widths)
        return fasterseg_blocks(self.op_names, g.ops, widths, (g.down32, g.down_b), self.layers, self.stem_head,
                                input_size, num_classes)

    def make_block(self, spec: BlockSpec) -> nn.Module:
        return fasterseg_make_block(spec)

    def describe(self) -> str:
        w = ", ".join(f"{x * 12:g}/12" for x in self.width_choices)
        return (super().describe() + f"\nmode={self.mode}, L={self.layers}, ops: {', '.join(self.op_names)}; "
                f"widths: {w}; stem/head ratio {self.stem_head:.3g}"
                "\ntext: o=<ops, 3 rows of L>;w=<widths, 3 rows>;a=<2 down layers, stride-32 branch>;b=<0–1 down layer>")
