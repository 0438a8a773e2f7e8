"""Operator latency lookup table (GAS §3.3, FasterSeg §3.4 / ``latency_lookup_table.py``).

Each (op, C_in, C_out, resolution, stride, …) block is measured once; a network's latency is the
sum of its blocks' entries. A genotype with a block the table never measured is an explicit
error naming the block, not a silent guess.
"""

from __future__ import annotations

from typing import Any

from zeroseg.latency.spec import BlockSpace
from zeroseg.latency.store import LatencyData


class TableMiss(KeyError):
    """The lookup table has no entry for a block; rebuild it with more sampled genotypes."""

    def __str__(self) -> str:
        return str(self.args[0])


class LookupTable:
    """Sum-of-blocks latency from measured block entries."""

    def __init__(self, data: LatencyData) -> None:
        self.data = data

    def predict_blocks(self, space: BlockSpace, g: Any, input_size: tuple[int, int]) -> list[float]:
        """Per-block latency entries (ms) of ``g``'s network, in block order."""
        out = []
        for spec in space.blocks(g, input_size, self.data.meta["num_classes"]):
            rec = self.data.blocks.get(spec.key())
            if rec is None:
                raise TableMiss(f"latency table has no entry for block {spec.key()} "
                                f"(table built at {self.data.meta['input_size']}; rebuild with more genotypes)")
            out.append(rec.ms)
        return out

    def predict(self, space: BlockSpace, g: Any, input_size: tuple[int, int]) -> float:
        """Whole-network latency estimate (ms): the sum of the block entries."""
        return float(sum(self.predict_blocks(space, g, input_size)))
