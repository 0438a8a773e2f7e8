"""Prediction heads and the wrapper that returns logits at the input resolution."""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.spaces.ops.conv import ConvBNReLU
from zeroseg.spaces.ops.resize import resize


class SegHead(nn.Sequential):
    """3×3 conv-BN-ReLU then a 1×1 classifier (BiSeNet/FasterSeg head; ``mid=0`` → classifier only)."""

    def __init__(self, c_in: int, num_classes: int, mid: int = 0) -> None:
        layers: list[nn.Module] = [ConvBNReLU(c_in, mid, 3)] if mid else []
        layers.append(nn.Conv2d(mid or c_in, num_classes, 1))
        super().__init__(*layers)


class Segmenter(nn.Module):
    """Backbone/decoder module producing low-resolution logits, upsampled to the input size.

    ``body(x)`` returns logits at any stride; this wrapper is what every space's ``build`` returns,
    so "logits at input resolution for any input ≥ 64×64" holds by construction.
    """

    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return resize(self.body(x), (int(x.shape[2]), int(x.shape[3])))
