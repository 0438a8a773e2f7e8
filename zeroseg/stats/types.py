"""The statistics a proxy is computed from: the contract between ``zeroseg.stats`` and ``zeroseg.dsl``.

SasWOT (papers/saswot.md, §Method) takes the activations A, gradients G and weights W of every
convolution and linear layer of a freshly initialised encoder-decoder after one forward and one
backward pass of the pixel-wise cross-entropy, plus NWOT's binary-code kernel K_H (Mellor et al.
2021). To keep thousands of candidate evaluations cheap, per-layer tensors may be *sketched*: a
fixed, seeded random subset of weight rows (output channels) and of activation units is kept, and
``weight_shape``/``act_units`` remember the full sizes so that sum-type reductions can rescale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class LayerStats:
    """Statistics of one conv/linear layer, in execution order.

    W, G: ``(r, k)`` — the weight and its gradient reshaped to ``out × in·kh·kw`` (linear: out × in),
    keeping the rows ``rows`` (all rows when not sketched). A: ``(N, u)`` — the layer's output
    activation per input, flattened over ``C·H·W`` and restricted to the unit indices ``units``.
    """

    name: str
    kind: str  # "conv" | "linear"
    weight_shape: tuple[int, ...]
    rows: torch.Tensor  # int64 indices of the kept output channels
    W: torch.Tensor
    G: torch.Tensor
    A: torch.Tensor
    units: torch.Tensor  # int64 indices of the kept activation units (per input)
    act_units: int  # C·H·W of the full activation

    @property
    def row_fraction(self) -> float:
        """Kept rows / all rows: 1.0 when not sketched."""
        return self.W.shape[0] / self.weight_shape[0]

    @property
    def unit_fraction(self) -> float:
        return self.A.shape[1] / self.act_units


@dataclass
class NetStats:
    """Everything collected from one network on one batch."""

    layers: list[LayerStats]
    KH: torch.Tensor  # (N, N) float64: Σ over ReLUs of c·cᵀ + (1−c)·(1−c)ᵀ, c = binary code
    input_grad: torch.Tensor  # (N, 3·H·W): ∂L/∂x of the cross-entropy
    loss: float
    meta: dict = field(default_factory=dict)  # space, net_code, resolution, batch, seed, dtype, sketch
    input_jacobian: torch.Tensor | None = None  # (N, 3·H·W): ∂(Σ logits)/∂x, jacov's input (optional)

    @property
    def batch_size(self) -> int:
        return int(self.KH.shape[0])
