"""Reductions of each matrix to its level's scalar (SasWOT §Primitive operations).

Sum-type reductions (to_sum, frobenius, l1_norm) are sketch-aware: the sum over the kept entries
is scaled by sc₀·sc₁ (full/kept rows × full/kept columns) so it estimates the full-tensor value;
to_mean and slogdet are not rescaled (a mean of kept entries already estimates the full mean).
"""

from __future__ import annotations

import torch

from ..types import MATRICES, SQUARES, scalar_of, unary
from . import MAT, Invalid, Scales, primitive

TO_SCALAR = unary(MATRICES, scalar_of)


@primitive("to_sum", TO_SCALAR, sketch=True)
def to_sum(x: torch.Tensor, sc: Scales) -> torch.Tensor:
    """Σ_ij x_ij over all elements, × sc₀·sc₁."""
    return x.sum(dim=MAT) * (sc[0] * sc[1])


@primitive("to_mean", TO_SCALAR)
def to_mean(x: torch.Tensor) -> torch.Tensor:
    """Mean of all elements."""
    return x.mean(dim=MAT)


@primitive("frobenius", TO_SCALAR, sketch=True)
def frobenius(x: torch.Tensor, sc: Scales) -> torch.Tensor:
    """Frobenius norm √(sc₀·sc₁·Σ_ij x_ij²)."""
    return torch.sqrt((x * x).sum(dim=MAT) * (sc[0] * sc[1]))


@primitive("l1_norm", TO_SCALAR, sketch=True)
def l1_norm(x: torch.Tensor, sc: Scales) -> torch.Tensor:
    """Entrywise L1 norm sc₀·sc₁·Σ_ij |x_ij|."""
    return x.abs().sum(dim=MAT) * (sc[0] * sc[1])


@primitive("slogdet", unary(SQUARES, scalar_of))
def slogdet(x: torch.Tensor) -> torch.Tensor:
    """log|det X| of each square matrix, computed in float64 (singular, sign = 0 → invalid)."""
    sign, logabs = torch.linalg.slogdet(x.double())
    singular = (sign == 0).nonzero()
    if len(singular):
        raise Invalid("singular matrix", int(singular[0, 0]))
    return logabs.float()
