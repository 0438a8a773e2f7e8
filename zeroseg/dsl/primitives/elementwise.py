"""Unary elementwise primitives (SasWOT §Primitive operations): f applied to every element, any type."""

from __future__ import annotations

import torch

from ..types import ALL, unary
from . import primitive

EVERY = unary(ALL)
ABSLOG_EPS = 1e-12  # keeps exact zeros (dead ReLUs, zero gradients) finite


@primitive("pow", EVERY)
def square(x: torch.Tensor) -> torch.Tensor:
    """Elementwise pow: x²."""
    return x * x


@primitive("exp", EVERY)
def exp(x: torch.Tensor) -> torch.Tensor:
    """Elementwise eˣ (overflow → invalid)."""
    return torch.exp(x)


@primitive("relu", EVERY, safe=True, idempotent=True)
def relu(x: torch.Tensor) -> torch.Tensor:
    """Elementwise max(x, 0)."""
    return torch.relu(x)


@primitive("sign", EVERY, safe=True, idempotent=True)
def sign(x: torch.Tensor) -> torch.Tensor:
    """Elementwise sign(x) ∈ {−1, 0, 1}."""
    return torch.sign(x)


@primitive("invert", EVERY)
def invert(x: torch.Tensor) -> torch.Tensor:
    """Elementwise 1/x (x = 0 → invalid)."""
    return torch.reciprocal(x)


@primitive("sigmoid", EVERY, safe=True, positional=True, tail_only=True, elementwise=True)
def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Elementwise 1/(1 + e⁻ˣ)."""
    return torch.sigmoid(x)


@primitive("log", EVERY)
def log(x: torch.Tensor) -> torch.Tensor:
    """Elementwise ln x (x ≤ 0 → invalid)."""
    return torch.log(x)


@primitive("abslog", EVERY)
def abslog(x: torch.Tensor) -> torch.Tensor:
    """Elementwise ln(|x| + 1e-12)."""
    return torch.log(torch.abs(x) + ABSLOG_EPS)


@primitive("abs", EVERY, safe=True, idempotent=True)
def absolute(x: torch.Tensor) -> torch.Tensor:
    """Elementwise |x|."""
    return torch.abs(x)


@primitive("noop", EVERY, safe=True, idempotent=True)
def noop(x: torch.Tensor) -> torch.Tensor:
    """Identity: x (removed by the canonical form)."""
    return x
