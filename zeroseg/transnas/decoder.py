"""The TNB101 segmentsemantic decoder (``lib/models/task_models/decoder.py``, ``SegmentationDecoder``).

Conv3×3 (C_enc→1024), then ``6 - u`` width-halving Conv3×3 layers, ``u - 1`` width-halving
stride-2 Deconv3×3 layers and one width-keeping Deconv3×3, each followed by BN and
LeakyReLU(0.2); last a Conv3×3 to the classes without norm or activation. All convs have a bias.
``u`` (number of upsamplings) equals the encoder's log2(output stride), so logits come back at
input resolution. The reference derives ``u`` as int(log2(256 / w)) with w the feature width
the encoder would have at 224×224; that equals 2 + (#stride-2 layers) for 0..4 such layers.
The decoder keeps PyTorch's default init: the bench re-initialises only the encoder.
"""

from __future__ import annotations

import torch
from torch import nn

START_WIDTH = 1024
LEAK = 0.2


class ConvLayer(nn.Module):
    """Conv (with bias) → optional BN → optional LeakyReLU(0.2)."""

    def __init__(self, c_in: int, c_out: int, transposed: bool, last: bool = False) -> None:
        super().__init__()
        if transposed:
            self.conv: nn.Module = nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=1)
        else:
            self.conv = nn.Conv2d(c_in, c_out, 3, stride=1, padding=1)
        self.activation = None if last else nn.LeakyReLU(LEAK, inplace=False)
        self.norm = None if last else nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        if self.activation is not None:
            x = self.activation(x)
        return x


class SegmentationDecoder(nn.Module):
    """Maps the encoder's (C, H/2^u, W/2^u) feature map to (num_classes, H, W) logits."""

    def __init__(self, c_in: int, num_upsample: int, num_classes: int) -> None:
        super().__init__()
        if not 2 <= num_upsample <= 6:
            raise ValueError(f"the TNB101 segmentation decoder supports 2..6 upsamplings, got {num_upsample}")
        layers = [ConvLayer(c_in, START_WIDTH, transposed=False)]
        c = START_WIDTH
        for _ in range(6 - num_upsample):
            layers.append(ConvLayer(c, c // 2, transposed=False))
            c //= 2
        for _ in range(num_upsample - 1):
            layers.append(ConvLayer(c, c // 2, transposed=True))
            c //= 2
        layers.append(ConvLayer(c, c, transposed=True))
        layers.append(ConvLayer(c, num_classes, transposed=False, last=True))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
