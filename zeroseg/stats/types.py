"""The statistics a proxy is computed from: the contract between ``zeroseg.stats`` and ``zeroseg.dsl``.

SasWOT (papers/saswot.md, §Method) takes the activations A, gradients G and weights W of every
convolution and linear layer of a freshly initialised encoder-decoder after one forward and one
backward pass of the pixel-wise cross-entropy, plus NWOT's binary-code kernel K_H (Mellor et al.
2021). To keep thousands of candidate evaluations cheap, per-layer tensors may be *sketched*: a
fixed, seeded random subset of weight rows (output channels) and of activation units is kept, and
``weight_shape``/``act_units`` remember the full sizes so that sum-type reductions can rescale.
The input gradient (and Jacobian) may likewise keep only the input units ``input_units``.
Collection: ``zeroseg.stats.collect``; storage: ``zeroseg.stats.cache``.
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
    module_type: str = ""  # "Conv2d", "ConvTranspose2d", "Linear" … (weight_shape is out-first for all)

    @property
    def row_fraction(self) -> float:
        """Kept rows / all rows: 1.0 when not sketched."""
        return self.W.shape[0] / self.weight_shape[0]

    @property
    def unit_fraction(self) -> float:
        return self.A.shape[1] / self.act_units

    @property
    def nbytes(self) -> int:
        """Bytes held by the tensors (what a sketch budget is about)."""
        return sum(t.numel() * t.element_size() for t in (self.rows, self.W, self.G, self.A, self.units))


@dataclass
class NetStats:
    """Everything collected from one network on one batch."""

    layers: list[LayerStats]
    KH: torch.Tensor  # (N, N) float64: Σ over ReLUs of c·cᵀ + (1−c)·(1−c)ᵀ, c = binary code
    input_grad: torch.Tensor  # (N, 3·H·W) or (N, u) at ``input_units``: ∂L/∂x of the cross-entropy
    loss: float
    meta: dict = field(default_factory=dict)  # space, net_code, resolution, batch, seed, dtype, sketch
    input_jacobian: torch.Tensor | None = None  # (N, 3·H·W): ∂(Σ logits)/∂x, jacov's input (optional)
    # Kept input units (int64) when input_grad/input_jacobian are sketched to (N, u) columns of
    # the flattened 3·H·W input; None when they hold all 3·H·W columns.
    input_units: torch.Tensor | None = None

    @property
    def batch_size(self) -> int:
        return int(self.KH.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by all tensors: the memory one architecture's statistics cost."""
        extra = (self.KH, self.input_grad, self.input_jacobian, self.input_units)
        return sum(L.nbytes for L in self.layers) + sum(t.numel() * t.element_size() for t in extra if t is not None)
