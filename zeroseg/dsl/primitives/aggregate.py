"""Aggregators over layers (SasWOT Eq. 2: Σ over the N_cl conv and linear layers).

They are the only bridge from the layer level to the net level: everything beneath one is
evaluated per layer (batched over layers of equal shapes); the aggregator receives those batches
and returns a net value with a batch axis of one.
"""

from __future__ import annotations

import torch

from ..types import NB, NS, S, SqB
from . import primitive

LIFT = (((S,), NS), ((SqB,), NB))


@primitive("sum_layers", LIFT, kind="aggregate")
def sum_layers(values: list[torch.Tensor], dim: int = 0) -> torch.Tensor:
    """Σ_layers v_l (scalars, or N × N matrices); layers along ``dim`` (1: a batch of nets, ``dsl.pool``)."""
    return _joined(values, dim).sum(dim=dim, keepdim=True)


@primitive("mean_layers", LIFT, kind="aggregate")
def mean_layers(values: list[torch.Tensor], dim: int = 0) -> torch.Tensor:
    """(1/L)·Σ_layers v_l (scalars, or N × N matrices); layers along ``dim``."""
    return _joined(values, dim).mean(dim=dim, keepdim=True)


def _joined(values: list[torch.Tensor], dim: int) -> torch.Tensor:
    """``values`` concatenated along ``dim`` (one contiguous value as it is: the same numbers, no copy)."""
    if len(values) == 1 and values[0].is_contiguous():
        return values[0]
    return torch.cat(values, dim=dim)
