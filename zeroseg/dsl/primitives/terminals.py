"""Terminals: the statistics a proxy reads (SasWOT §Search space: A, G, W; Eq. 3: K_H of NWOT).

Layer terminals take a ``LayerStats``, net terminals a ``NetStats``. ``P``, ``KA``, ``IW`` and ``loss``
give every DSL type a terminal, which DEAP's generators need to close a branch of that type. ``M``
(a layer's compute) and ``U`` (a layer's activation count) extend SasWOT's vocabulary and are opt-in.
"""

from __future__ import annotations

import math

import torch

from zeroseg.stats.types import LayerStats, NetStats

from ..types import NB, NS, S, At, SqB, SqW, Wt
from . import primitive


@primitive("W", (((), Wt),), kind="terminal")
def weight(layer: LayerStats) -> torch.Tensor:
    """W: the layer's weight reshaped to out × in·kh·kw (kept rows)."""
    return layer.W


@primitive("G", (((), Wt),), kind="terminal")
def grad(layer: LayerStats) -> torch.Tensor:
    """G = ∂L/∂W, same reshape and rows as W."""
    return layer.G


@primitive("A", (((), At),), kind="terminal")
def act(layer: LayerStats) -> torch.Tensor:
    """A: the layer's output per input, N × kept units of C·H·W."""
    return layer.A


@primitive("P", (((), S),), kind="terminal")
def params(layer: LayerStats) -> torch.Tensor:
    """P: the layer's parameter count (full weight, not the sketch), so Σ_layers P = params."""
    return torch.tensor(float(math.prod(layer.weight_shape)), device=layer.W.device)


@primitive("M", (((), S),), kind="terminal", opt_in=True)
def macs(layer: LayerStats) -> torch.Tensor:
    """M: output units × fan-in (act_units · in·kh·kw), the layer's multiply-accumulates per input for a
    conv or linear layer, so Σ_layers M is the FLOPs proxy's count; for a transposed conv it counts
    every output position's full fan-in (stride² × its MACs). Opt-in (``--extra-terminals M``)."""
    return torch.tensor(float(layer.act_units * math.prod(layer.weight_shape[1:])), device=layer.W.device)


@primitive("U", (((), S),), kind="terminal", opt_in=True)
def units(layer: LayerStats) -> torch.Tensor:
    """U: the layer's output units C·H·W per input (the full count, not the kept sketch), so Σ_layers U is
    the net's activation count, a complexity measure that tracks capacity and runtime where FLOPs do not
    (Dollár, Singh & Girshick 2021, "Fast and accurate model scaling"). Opt-in (``--extra-terminals U``)."""
    return torch.tensor(float(layer.act_units), device=layer.W.device)


@primitive("KA", (((), SqB),), kind="terminal")
def binary_kernel(layer: LayerStats) -> torch.Tensor:
    """KA = c·cᵀ + (1−c)·(1−c)ᵀ with c = [A > 0] (NWOT's kernel of this layer), × act_units/u."""
    c = (layer.A > 0).float()
    return (c @ c.T + (1 - c) @ (1 - c).T) / layer.unit_fraction


@primitive("IW", (((), SqW),), kind="terminal")
def identity_rows(layer: LayerStats) -> torch.Tensor:
    """IW: the r × r identity over the kept weight rows (the neutral SqW value)."""
    return torch.eye(layer.W.shape[0], device=layer.W.device)


@primitive("KH", (((), NB),), kind="terminal")
def nwot_kernel(stats: NetStats) -> torch.Tensor:
    """KH: NWOT's N × N binary-code kernel summed over the net's ReLUs (Mellor et al. 2021)."""
    return stats.KH


@primitive("loss", (((), NS),), kind="terminal")
def loss(stats: NetStats) -> torch.Tensor:
    """loss: the cross-entropy of the freshly initialised net on the batch."""
    return torch.tensor(float(stats.loss), device=stats.KH.device)
