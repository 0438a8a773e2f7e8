"""Binary elementwise primitives (SasWOT §Primitive operations): operands of one type, same shape.

Comparisons return 1.0 where true and 0.0 elsewhere (float32), so they compose with arithmetic.
"""

from __future__ import annotations

import torch

from ..types import ALL, binary
from . import primitive

SAME = binary(ALL)


@primitive("add", SAME, commutative=True)
def add(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Elementwise sum x + y."""
    return x + y


@primitive("sub", SAME)
def sub(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Elementwise difference x − y."""
    return x - y


@primitive("mul", SAME, commutative=True)
def mul(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Elementwise (Hadamard) product x·y."""
    return x * y


@primitive("eq", SAME, safe=True, commutative=True)
def eq(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Elementwise [x = y]."""
    return (x == y).float()


@primitive("lt", SAME, safe=True)
def lt(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Elementwise [x < y] (SasWOT−, Eq. 2: softmax(W) < relu(G))."""
    return (x < y).float()


@primitive("gt", SAME, safe=True)
def gt(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Elementwise [x > y] (canonical form rewrites gt(x, y) as lt(y, x))."""
    return (x > y).float()
