"""Auto-DeepLab's hierarchical space (Liu et al. CVPR 2019, §4.1): a network-level path + one cell.

Path: L=12 levels in {0,1,2,3} (strides 4, 8, 16, 32) after the stride-4 stem; each step keeps,
halves or doubles the resolution, so the first level is 0 or 1. Cell: B=5 blocks, each summing two
ops on two distinct earlier states (0 = H^{l-2}, 1 = H^{l-1}, 2+j = block j), inputs in increasing
order so each cell has one canonical text. Ops: the paper's set without "none" (discrete cells
never pick it): 3×3/5×5 separable, 3×3/5×5 atrous (rate 2), 3×3 avg/max pool, skip.
F (filter multiplier) is a constructor option; F=20 is Auto-DeepLab-S.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from zeroseg.latency.spec import BlockSpec
from zeroseg.spaces.base import InvalidGenotype, SearchSpace, register_space
from zeroseg.spaces.catalog.autodeeplab_blocks import autodeeplab_blocks, autodeeplab_make_block
from zeroseg.spaces.catalog.autodeeplab_net import OPS, build_autodeeplab
from zeroseg.spaces.genotype import (check_ints, digits, format_fields, parse_digits, parse_fields,
                                     resample_one, uniform_mix, until_valid)

LAYERS, BLOCKS = 12, 5


@dataclass(frozen=True)
class AutoDeepLabGenotype:
    path: tuple[int, ...]    # level per layer, stride = 4 · 2^level
    inputs: tuple[int, ...]  # 2 per block
    ops: tuple[int, ...]     # index into OPS, 2 per block


def _published_s() -> AutoDeepLabGenotype:
    """Auto-DeepLab-S as released in TF DeepLab ``nas_network.hnasnet`` (paper Fig. 3).

    TF's hidden-state 0 is H^{l-1} and 1 is H^{l-2}; here they are swapped (0 = H^{l-2}).
    """
    o = {n: i for i, n in enumerate(OPS)}
    pairs = [((0, "atr_5x5"), (1, "sep_3x3")), ((0, "sep_3x3"), (1, "atr_3x3")), ((0, "sep_3x3"), (3, "sep_3x3")),
             ((2, "sep_5x5"), (4, "sep_5x5")), ((3, "sep_5x5"), (5, "atr_5x5"))]
    return AutoDeepLabGenotype(path=(0, 0, 0, 1, 2, 1, 2, 2, 3, 3, 2, 1),
                               inputs=tuple(i for blk in pairs for i, _ in blk),
                               ops=tuple(o[n] for blk in pairs for _, n in blk))


@register_space
class AutoDeepLabSpace(SearchSpace):
    name = "autodeeplab"
    description = "Auto-DeepLab: 12-layer stride path (4–32, keep/halve/double) + 5-block cell + ASPP/decoder"
    paper = "Liu et al., Auto-DeepLab, CVPR 2019 (papers/auto_deeplab.md)"

    def __init__(self, filter_multiplier: int = 20, layers: int = LAYERS) -> None:
        if filter_multiplier < 1 or layers < 1:
            raise ValueError("filter_multiplier and layers must be ≥ 1")
        self.filter_multiplier, self.layers = filter_multiplier, layers

    # -- rules ------------------------------------------------------------------------------
    def validate(self, g: AutoDeepLabGenotype) -> None:
        if not isinstance(g, AutoDeepLabGenotype):
            raise InvalidGenotype(f"autodeeplab: expected AutoDeepLabGenotype, got {type(g).__name__}")
        check_ints(g.path, "autodeeplab path", self.layers, 0, 3)
        check_ints(g.inputs, "autodeeplab inputs", 2 * BLOCKS, 0, BLOCKS)
        check_ints(g.ops, "autodeeplab ops", 2 * BLOCKS, 0, len(OPS) - 1)
        if g.path[0] > 1:
            raise InvalidGenotype(f"autodeeplab path[0] = {g.path[0]}: the first cell can only keep stride 4 or halve to 8")
        for i in range(1, len(g.path)):
            if abs(g.path[i] - g.path[i - 1]) > 1:
                raise InvalidGenotype(f"autodeeplab path[{i - 1}:{i + 1}] = {g.path[i - 1]}→{g.path[i]}: "
                                      "each step keeps, halves or doubles the resolution")
        for b in range(BLOCKS):
            a, c = g.inputs[2 * b], g.inputs[2 * b + 1]
            if c > b + 1:
                raise InvalidGenotype(f"autodeeplab block {b} input {c}: only states 0..{b + 1} exist before it")
            if a >= c:
                raise InvalidGenotype(f"autodeeplab block {b} inputs ({a}, {c}): must be distinct and increasing")

    # -- text -------------------------------------------------------------------------------
    def encode(self, g: AutoDeepLabGenotype) -> str:
        self.validate(g)
        return format_fields([("p", digits(g.path)), ("i", digits(g.inputs)), ("o", digits(g.ops))])

    def decode(self, text: str) -> AutoDeepLabGenotype:
        f = parse_fields(text, ("p", "i", "o"), self.name)
        g = AutoDeepLabGenotype(parse_digits(f["p"], "autodeeplab p"), parse_digits(f["i"], "autodeeplab i"),
                                parse_digits(f["o"], "autodeeplab o"))
        self.validate(g)
        return g

    # -- variation --------------------------------------------------------------------------
    def _random_path(self, rng: np.random.Generator) -> tuple[int, ...]:
        path = [int(rng.integers(2))]
        for _ in range(self.layers - 1):
            path.append(int(np.clip(path[-1] + rng.integers(-1, 2), 0, 3)))
        return tuple(path)

    def _random_inputs(self, rng: np.random.Generator) -> tuple[int, ...]:
        return tuple(v for b in range(BLOCKS) for v in sorted(rng.choice(b + 2, 2, replace=False).tolist()))

    def sample(self, rng: np.random.Generator) -> AutoDeepLabGenotype:
        return AutoDeepLabGenotype(self._random_path(rng), self._random_inputs(rng),
                                   tuple(int(v) for v in rng.integers(len(OPS), size=2 * BLOCKS)))

    def mutate(self, g: AutoDeepLabGenotype, rng: np.random.Generator) -> AutoDeepLabGenotype:
        """One of: a path step moved by ±1, one block's inputs redrawn, one op changed."""

        def make() -> AutoDeepLabGenotype:
            kind = int(rng.integers(3))
            if kind == 0:
                i = int(rng.integers(self.layers))
                path = list(g.path)
                path[i] += int(rng.choice([-1, 1]))
                return AutoDeepLabGenotype(tuple(path), g.inputs, g.ops)
            if kind == 1:
                b = int(rng.integers(BLOCKS))
                pair = tuple(sorted(rng.choice(b + 2, 2, replace=False).tolist()))
                return AutoDeepLabGenotype(g.path, g.inputs[:2 * b] + pair + g.inputs[2 * b + 2:], g.ops)
            return AutoDeepLabGenotype(g.path, g.inputs, resample_one(g.ops, len(OPS), rng))

        return until_valid(make, self.validate, "autodeeplab mutate", differs_from=g)

    def crossover(self, a: AutoDeepLabGenotype, b: AutoDeepLabGenotype, rng: np.random.Generator) -> AutoDeepLabGenotype:
        """Path from one parent up to a cut where levels are compatible, then the other; blocks mixed whole."""

        def make() -> AutoDeepLabGenotype:
            cut = int(rng.integers(1, self.layers))
            path = a.path[:cut] + b.path[cut:]
            take = rng.random(BLOCKS) < 0.5
            src = [a if t else b for t in take]
            inputs = tuple(v for k, s in enumerate(src) for v in s.inputs[2 * k:2 * k + 2])
            ops = tuple(v for k, s in enumerate(src) for v in s.ops[2 * k:2 * k + 2])
            return AutoDeepLabGenotype(path, inputs, ops)

        try:
            return until_valid(make, self.validate, "autodeeplab crossover", tries=50)
        except RuntimeError:  # paths never compatible at any cut: keep a's path, mix the cell
            return AutoDeepLabGenotype(a.path, a.inputs, uniform_mix(a.ops, b.ops, rng))

    # -- network ----------------------------------------------------------------------------
    def build(self, g: AutoDeepLabGenotype, num_classes: int) -> nn.Module:
        self.validate(g)
        return build_autodeeplab(g.path, g.inputs, g.ops, num_classes, self.filter_multiplier)

    # -- latency block protocol (zeroseg.latency.spec) -------------------------------------
    def blocks(self, g: AutoDeepLabGenotype, input_size: tuple[int, int], num_classes: int = 19) -> list[BlockSpec]:
        """Stem parts, per-cell preprocessings and computing ops, ASPP, decoder — in forward order."""
        self.validate(g)
        return autodeeplab_blocks(g.path, g.inputs, g.ops, self.filter_multiplier, input_size, num_classes)

    def make_block(self, spec: BlockSpec) -> nn.Module:
        return autodeeplab_make_block(spec)

    def published(self) -> dict[str, AutoDeepLabGenotype]:
        return {"auto-deeplab-s": _published_s()} if self.layers == LAYERS else {}

    def describe(self) -> str:
        return (super().describe() + f"\nF={self.filter_multiplier}, L={self.layers}, B={BLOCKS}; ops: {', '.join(OPS)}"
                "\ntext: p=<level per layer>;i=<2 inputs per block>;o=<2 op indices per block>")
