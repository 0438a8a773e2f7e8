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
def sum_layers(values: list[torch.Tensor]) -> torch.Tensor:
    """Σ_layers v_l (scalars, or N × N matrices)."""
    return torch.cat(values).sum(dim=0, keepdim=True)


@primitive("mean_layers", LIFT, kind="aggregate")
def mean_layers(values: list[torch.Tensor]) -> torch.Tensor:
    """(1/L)·Σ_layers v_l (scalars, or N × N matrices)."""
    return torch.cat(values).mean(dim=0, keepdim=True)
