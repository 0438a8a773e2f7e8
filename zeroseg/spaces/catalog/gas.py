"""GAS's cell-independent space (Lin et al., Graph-guided Architecture Search, CVPR 2020 §3.1).

Stem of 3 convs + 14 independent cells, each with 2 inputs, 2 intermediate nodes and one op per
edge (5 edges) from 8 ops: 3×3 max pool, 3×3 conv, 3×3 sep conv, 3×3 dil sep conv d=2/4/8, skip,
zero; then ASPP or PPM (App. B compares both) — the head is a gene, or fixed via ``heads=``.
Reduction cells: the paper's Fig. 3 draws them but the text gives no indices; we put them at the
DARTS positions L//3 and 2L//3 (cells 4 and 9 of 0..13), so cells run at strides 8/16/32
(constructor option ``reductions``). Width: GAS searches with 8 initial channels and does not print
the retrain width; the defaults (C=24, 256-channel head) make random networks average ≈2.0 M
params, the size of searched networks in GAS Fig. 5 (2.18 M).
Rule: every cell's output must depend on one of its inputs (no all-zero cell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from zeroseg.latency.spec import BlockSpec
from zeroseg.spaces.base import InvalidGenotype, SearchSpace, register_space
from zeroseg.spaces.catalog.gas_blocks import gas_blocks, gas_make_block
from zeroseg.spaces.catalog.gas_net import EDGES, HEADS, OPS, build_gas
from zeroseg.spaces.genotype import check_ints, format_fields, parse_fields, parse_rows, resample_one, rows, until_valid

ZERO = OPS.index("zero")


@dataclass(frozen=True)
class GASGenotype:
    cells: tuple[tuple[int, ...], ...]  # per cell, the op of each edge in gas_net.EDGES order
    head: str                           # "aspp" or "ppm"


def cell_is_live(ops: tuple[int, ...]) -> bool:
    """True when a non-zero path leads from an input to the cell output."""
    live = {0: True, 1: True, 2: False, 3: False}
    for o, (src, dst) in zip(ops, EDGES):
        live[dst] = live[dst] or (o != ZERO and live[src])
    return live[2] or live[3]


def check_cell(ops: tuple[int, ...], where: str = "gas cell") -> None:
    if not cell_is_live(ops):
        raise InvalidGenotype(f"{where}: every path from the inputs to the output is 'zero'")


@register_space
class GASSpace(SearchSpace):
    name = "gas"
    description = "GAS: 3-conv stem + 14 independent 2-node cells over 8 ops + ASPP or PPM head"
    paper = "Lin et al., Graph-guided Architecture Search for Real-time Semantic Segmentation, CVPR 2020"

    def __init__(self, cells: int = 14, reductions: tuple[int, ...] | None = None, channels: int = 24,
                 head_channels: int = 256, heads: tuple[str, ...] = HEADS) -> None:
        bad = [h for h in heads if h not in HEADS]
        if bad or not heads:
            raise ValueError(f"gas heads {heads!r}: choose from {', '.join(HEADS)}")
        self.n_cells, self.channels, self.head_channels, self.heads = cells, channels, head_channels, tuple(heads)
        self.reductions = tuple(reductions) if reductions is not None else (cells // 3, 2 * cells // 3)
        if any(not 0 <= r < cells for r in self.reductions):
            raise ValueError(f"gas reductions {self.reductions} must lie in 0..{cells - 1}")

    def validate(self, g: GASGenotype) -> None:
        if not isinstance(g, GASGenotype):
            raise InvalidGenotype(f"gas: expected GASGenotype, got {type(g).__name__}")
        if not isinstance(g.cells, tuple) or len(g.cells) != self.n_cells:
            got = len(g.cells) if isinstance(g.cells, tuple) else type(g.cells).__name__
            raise InvalidGenotype(f"gas: expected a tuple of {self.n_cells} cells, got {got}")
        for k, ops in enumerate(g.cells):
            check_ints(ops, f"gas cell {k}", len(EDGES), 0, len(OPS) - 1)
            check_cell(ops, f"gas cell {k}")
        if g.head not in self.heads:
            raise InvalidGenotype(f"gas head {g.head!r}: expected one of {', '.join(self.heads)}")

    def encode(self, g: GASGenotype) -> str:
        self.validate(g)
        return format_fields([("c", rows(g.cells)), ("h", g.head)])

    def decode(self, text: str) -> GASGenotype:
        f = parse_fields(text, ("c", "h"), self.name)
        g = GASGenotype(parse_rows(f["c"], "gas c"), f["h"])
        self.validate(g)
        return g

    def _cell(self, rng: np.random.Generator) -> tuple[int, ...]:
        return until_valid(lambda: tuple(int(v) for v in rng.integers(len(OPS), size=len(EDGES))),
                           check_cell, "gas cell")

    def sample(self, rng: np.random.Generator) -> GASGenotype:
        return GASGenotype(tuple(self._cell(rng) for _ in range(self.n_cells)), self.heads[int(rng.integers(len(self.heads)))])

    def mutate(self, g: GASGenotype, rng: np.random.Generator) -> GASGenotype:
        """One edge's op changes, or (when both heads are allowed, 1 time in 15) the head flips."""

        def make() -> GASGenotype:
            if len(self.heads) > 1 and rng.random() < 1 / 15:
                return GASGenotype(g.cells, self.heads[1 - self.heads.index(g.head)])
            k = int(rng.integers(self.n_cells))
            return GASGenotype(g.cells[:k] + (resample_one(g.cells[k], len(OPS), rng),) + g.cells[k + 1:], g.head)

        return until_valid(make, self.validate, "gas mutate", differs_from=g)

    def crossover(self, a: GASGenotype, b: GASGenotype, rng: np.random.Generator) -> GASGenotype:
        """Whole cells from either parent (cells are independent in GAS), head from either."""
        take = rng.random(self.n_cells) < 0.5
        return GASGenotype(tuple(x if t else y for x, y, t in zip(a.cells, b.cells, take)),
                           a.head if rng.random() < 0.5 else b.head)

    def build(self, g: GASGenotype, num_classes: int) -> nn.Module:
        self.validate(g)
        return build_gas(g.cells, g.head, self.reductions, self.channels, self.head_channels, num_classes)

    # -- latency block protocol (zeroseg.latency.spec) -------------------------------------
    def blocks(self, g: GASGenotype, input_size: tuple[int, int], num_classes: int = 19) -> list[BlockSpec]:
        """Stem parts, per-cell preprocessings and computing edge ops, head — in forward order."""
        self.validate(g)
        return gas_blocks(g.cells, g.head, self.reductions, self.channels, self.head_channels, input_size, num_classes)

    def make_block(self, spec: BlockSpec) -> nn.Module:
        return gas_make_block(spec)

    def describe(self) -> str:
        return (super().describe() + f"\ncells={self.n_cells}, reductions at {self.reductions}, C={self.channels}, "
                f"heads: {', '.join(self.heads)}\nops: {', '.join(OPS)}\nedges (from→to, 0=i1 1=i2 2=x1 3=x2): {EDGES}"
                "\ntext: c=<5 op digits per cell, cells separated by '.'>;h=<aspp|ppm>")
