"""Whole TNB101 segmentsemantic networks: encoder + segmentation decoder.

Mirrors the bench's ``Segmentation(encoder, decoder)`` (``lib/models/task_models/segmentation.py``
and ``configs/train_from_scratch/segmentsemantic/config.py``): 17 classes, 256×256 inputs.
Modules are created in the reference's order with its attribute names: the parameter count and
the ``state_dict`` keys match it, and under one seed on CPU the random-number draws happen in the
same order (so initial weights should match too; not checked against the reference code itself).
"""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.transnas.codes import NetCode, check_num_classes, parse
from zeroseg.transnas.decoder import SegmentationDecoder
from zeroseg.transnas.macro import Encoder

NUM_CLASSES = 17  # Taskonomy semantic segmentation in TNB101


class Segmentation(nn.Module):
    """``decoder(encoder(x))``: logits (N, num_classes, H, W) for inputs whose H and W are
    multiples of ``output_stride`` (32 for the bench's micro skeleton 41414, 8..64 for macro archs)."""

    def __init__(self, net: NetCode, num_classes: int) -> None:
        super().__init__()
        self.net_code = net.text
        self.space = net.space
        self.output_stride = net.output_stride
        self.encoder = Encoder(net)
        self.decoder = SegmentationDecoder(self.encoder.out_channels, net.num_halvings, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if h % self.output_stride or w % self.output_stride:
            raise ValueError(
                f"{self.net_code}: input {h}×{w} is not a multiple of the output stride {self.output_stride}; "
                "the bench's decoder would return logits of another size"
            )
        return self.decoder(self.encoder(x))


def build(net_code: str, num_classes: int = NUM_CLASSES, device: str | torch.device = "cpu") -> Segmentation:
    """The TNB101 segmentsemantic network for ``net_code`` with the bench's initialisation.

    Weights are drawn on CPU (so one seed gives the same net on every device) and then moved to
    ``device``; on ``"meta"`` the net is created without storage (for counting only).
    Raises ``ValueError`` for an invalid ``net_code`` or ``num_classes``.
    """
    net = parse(net_code)
    check_num_classes(num_classes)
    device = torch.device(device)
    if device.type == "meta":
        with torch.device("meta"):
            return Segmentation(net, num_classes)
    return Segmentation(net, num_classes).to(device)
