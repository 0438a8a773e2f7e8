"""The TNB101 micro-space cell (``lib/models/net_infer/cell_micro.py``, ``MicroCell``).

A 4-node DAG: node 0 is the cell input; node j sums one op applied to each earlier node
(edges ordered by destination, then source); the cell outputs node 3. Only edges leaving
node 0 change stride and width. Unused edges still exist (they count in ``params_m``).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from zeroseg.transnas.ops import make_op


class Edge(NamedTuple):
    """One cell edge: op ``digit`` from node ``src`` into node ``dst``, with its widths/stride."""

    dst: int
    src: int
    digit: str
    c_in: int
    c_out: int
    stride: int


def edge_plan(cell: tuple[str, str, str], c_in: int, c_out: int, stride: int) -> list[Edge]:
    """The cell's edges in the reference's order (by destination, then source)."""
    return [
        Edge(dst, src, digit, c_in if src == 0 else c_out, c_out, stride if src == 0 else 1)
        for dst, group in enumerate(cell, start=1)
        for src, digit in enumerate(group)
    ]


class MicroCell(nn.Module):
    """One cell; ``cell`` is the parsed op groups, e.g. ``("1", "00", "210")``."""

    def __init__(self, cell: tuple[str, str, str], c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        plan = edge_plan(cell, c_in, c_out, stride)
        self.edges = nn.ModuleList(make_op(e.digit, e.c_in, e.c_out, e.stride) for e in plan)
        # edge indices feeding node j = 1, 2, 3 (source i of node j is edge index list[i])
        self.sources = [[i for i, e in enumerate(plan) if e.dst == dst] for dst in (1, 2, 3)]
        self.cell = cell

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for idx in self.sources:
            # stack+sum as in the reference, so the summation order (and rounding) is the same
            nodes.append(torch.stack([self.edges[e](nodes[s]) for s, e in enumerate(idx)]).sum(0))
        return nodes[-1]

    def extra_repr(self) -> str:
        return "cell=" + "_".join(self.cell)
