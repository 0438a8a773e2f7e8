"""Binary distances and losses between two matrices of one type, giving their level's scalar.

Means (l1_loss, mse_loss, kl_div) and ratios (cosine_sim) of kept entries estimate the full ones and
are not rescaled; hamming is a count and is scaled by sc₀·sc₁ (full/kept entries). With both operands
one tensor (``same``), a per-operand pass (sign, norm, log-softmax) is taken once.
"""

from __future__ import annotations

import torch

from ..types import MATRICES, binary, scalar_of
from . import MAT, Scales, primitive, same

TO_SCALAR = binary(MATRICES, scalar_of)


@primitive("hamming", TO_SCALAR, sketch=True, safe=True, commutative=True)
def hamming(x: torch.Tensor, y: torch.Tensor, sc: Scales) -> torch.Tensor:
    """Hamming distance of the sign patterns: sc₀·sc₁·#{ij : sign(x_ij) ≠ sign(y_ij)}."""
    sx = torch.sign(x)
    return (sx != (sx if same(x, y) else torch.sign(y))).sum(dim=MAT).float() * (sc[0] * sc[1])


@primitive("l1_loss", TO_SCALAR, commutative=True)
def l1_loss(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean over all elements of |x − y|."""
    return (x - y).abs().mean(dim=MAT)


@primitive("mse_loss", TO_SCALAR, commutative=True)
def mse_loss(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean over all elements of (x − y)²."""
    d = x - y
    return (d * d).mean(dim=MAT)


@primitive("cosine_sim", TO_SCALAR, commutative=True)
def cosine_sim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cosine of the flattened matrices, ⟨x, y⟩ / (‖x‖·‖y‖) (a zero matrix → invalid)."""
    nx = torch.linalg.vector_norm(x, dim=MAT)
    norms = nx * (nx if same(x, y) else torch.linalg.vector_norm(y, dim=MAT))
    return (x * y).sum(dim=MAT) / norms


@primitive("kl_div", TO_SCALAR)
def kl_div(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean over rows of KL(softmax(x_i) ‖ softmax(y_i)), softmax over each row (last axis)."""
    lp = torch.log_softmax(x, dim=-1)
    lq = lp if same(x, y) else torch.log_softmax(y, dim=-1)
    return (lp.exp() * (lp - lq)).sum(dim=-1).mean(dim=-1)
