"""Normalisations of a whole matrix or of each row (SasWOT §Primitive operations), matrix types only.

Rows are the flattened per-output-channel rows of W/G (over in·kh·kw), the per-sample rows of A
(over kept units), or the rows of a square matrix. Sketch-aware: a row sum over kept columns is
scaled by ``sc[1]`` (full/kept columns) so the normaliser estimates the full one.
"""

from __future__ import annotations

import torch

from ..types import MATRICES, unary
from . import MAT, Scales, per_entry, primitive

SAME = unary(MATRICES)


@primitive("softmax", SAME, sketch=True, safe=True)
def softmax(x: torch.Tensor, sc: Scales) -> torch.Tensor:
    """Row-wise e^{x_ij} / (sc₁·Σ_j e^{x_ij}) over each row (last axis)."""
    return torch.softmax(x, dim=-1) / per_entry(sc[1], x)


@primitive("logsoftmax", SAME, sketch=True)
def logsoftmax(x: torch.Tensor, sc: Scales) -> torch.Tensor:
    """Row-wise x_ij − log(sc₁·Σ_j e^{x_ij}) over each row (last axis)."""
    return torch.log_softmax(x, dim=-1) - per_entry(torch.log(sc[1]), x)


def normalize_alone(x: torch.Tensor) -> torch.Tensor:
    """``normalize`` of each matrix as torch computes a batch of that matrix alone: its std of one matrix
    is a whole-tensor reduction (the float mean, then Σ (x − mean)² left to right in float64, one chunk up
    to ``LONE_MAX`` elements), not the Welford pass of a batch; here that sum is a float64 cumsum."""
    mean = x.mean(dim=MAT, keepdim=True)
    d = (x.double() - mean.double()).flatten(-2)
    var = torch.cumsum(d * d, dim=-1)[..., -1:] / max(0, d.shape[-1] - 1)
    return (x - mean) / torch.sqrt(var).float().unsqueeze(-1)


@primitive("normalize", SAME, positional=True, alone=normalize_alone)
def normalize(x: torch.Tensor) -> torch.Tensor:
    """(x − mean(x)) / std(x) over all elements of each matrix (constant x → invalid)."""
    return (x - x.mean(dim=MAT, keepdim=True)) / x.std(dim=MAT, keepdim=True)


@primitive("normalized_sum", SAME, sketch=True)
def normalized_sum(x: torch.Tensor, sc: Scales) -> torch.Tensor:
    """Elementwise x / Σx over all elements of each matrix, Σ rescaled by sc₀·sc₁ (Σx = 0 → invalid)."""
    return x / (x.sum(dim=MAT, keepdim=True) * per_entry(sc[0] * sc[1], x))
