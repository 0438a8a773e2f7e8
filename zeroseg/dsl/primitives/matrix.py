"""Matrix products (SasWOT §Primitive operations): gram, matmul, pairwise distance.

Every product is row by row, X·Yᵀ, so it works for every matrix type: Wt → SqW (r × r over
in·kh·kw), At → SqB (N × N over units), square → same square. Sketch-aware: inner products over
kept columns are scaled by sc₁ (full/kept columns; only A's units are sketched along columns).
"""

from __future__ import annotations

import torch

from ..types import MATRICES, binary, square_of, unary
from . import Scales, per_entry, primitive


@primitive("gram", unary(MATRICES, square_of), sketch=True)
def gram(x: torch.Tensor, sc: Scales) -> torch.Tensor:
    """Gram matrix sc₁·X·Xᵀ (W: r × r of out × in·kh·kw; A: N × N)."""
    return (x @ x.mT) * per_entry(sc[1], x)


@primitive("matmul", binary(MATRICES, square_of), sketch=True)
def matmul(x: torch.Tensor, y: torch.Tensor, sc: Scales) -> torch.Tensor:
    """Matrix multiplication sc₁·X·Yᵀ (rows of X against rows of Y)."""
    return (x @ y.mT) * per_entry(sc[1], x)


@primitive("pairwise_dist", binary(MATRICES, square_of), sketch=True)
def pairwise_dist(x: torch.Tensor, y: torch.Tensor, sc: Scales) -> torch.Tensor:
    """D_ij = √sc₁·‖X_i − Y_j‖₂ between rows of X and rows of Y."""
    return torch.cdist(x, y) * per_entry(torch.sqrt(sc[1]), x)
