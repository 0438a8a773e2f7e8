"""Binary elementwise primitives (SasWOT §Primitive operations): operands of one type, same shape.

Comparisons return 1.0 where true and 0.0 elsewhere (float32), so they compose with arithmetic; the
boolean mask is read as bytes (``as_float``: torch's uint8 → float32 loop is vectorised, its bool one
is ~3× slower; the values are the same 0.0 and 1.0).
"""

from __future__ import annotations

import torch

from ..types import ALL, binary
from . import primitive, same

SAME = binary(ALL)


def as_float(mask: torch.Tensor) -> torch.Tensor:
    """A boolean mask as 1.0 / 0.0 (float32)."""
    return mask.view(torch.uint8).float()


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
    return as_float(x == y)


@primitive("lt", SAME, safe=True)
def lt(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Elementwise [x < y] (SasWOT−, Eq. 2: softmax(W) < relu(G)); [x < x] is 0 everywhere, NaN included."""
    return torch.zeros_like(x) if same(x, y) else as_float(x < y)


@primitive("gt", SAME, safe=True)
def gt(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Elementwise [x > y] (canonical form rewrites gt(x, y) as lt(y, x))."""
    return torch.zeros_like(x) if same(x, y) else as_float(x > y)
