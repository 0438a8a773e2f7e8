"""Fixed parts of the RTSeg dual-branch network: semantic stem, context embedding, BGA, body.

RTSeg (Li et al., "Towards Real-Time Segmentation on the Edge", §Supernet Design) keeps
BiSeNetV2's stem block, context embedding and bilateral guided aggregation (Yu et al. 2021 §4)
around its searched branches; these are those blocks, sized by the genotype's widths.
"""

from __future__ import annotations

import torch
from torch import nn

from zeroseg.spaces.ops.conv import ConvBNReLU
from zeroseg.spaces.ops.resize import resize_like


class StemBlock(nn.Module):
    """BiSeNetV2 stem: conv s2, then (1×1 → 3×3 s2) ‖ max-pool s2, concat, 3×3 fuse → H/4."""

    def __init__(self, c_out: int = 16) -> None:
        super().__init__()
        self.conv = ConvBNReLU(3, c_out, 3, 2)
        self.left = nn.Sequential(ConvBNReLU(c_out, c_out // 2, 1), ConvBNReLU(c_out // 2, c_out, 3, 2))
        self.right = nn.MaxPool2d(3, 2, 1)
        self.fuse = ConvBNReLU(2 * c_out, c_out, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        return self.fuse(torch.cat([self.left(x), self.right(x)], dim=1))


class ContextEmbedding(nn.Module):
    """BiSeNetV2 CE: global pool → BN → 1×1 conv, broadcast-added, then a 3×3 conv."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.gap = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.BatchNorm2d(c), ConvBNReLU(c, c, 1))
        self.last = ConvBNReLU(c, c, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.last(x + self.gap(x))


class BGA(nn.Module):
    """Bilateral guided aggregation: each branch gates the other through a sigmoid, at both strides.

    Takes the detail feature (stride 8, ``c_detail``) and the semantic one (stride 32, ``c_sem``);
    returns ``c`` channels at the detail resolution. Resizes follow the actual tensor sizes.
    """

    def __init__(self, c_detail: int, c_sem: int, c: int = 128) -> None:
        super().__init__()
        self.d_keep = nn.Sequential(ConvBNReLU(c_detail, c_detail, 3, groups=c_detail, relu=False),
                                    nn.Conv2d(c_detail, c, 1, bias=False))
        self.d_down = nn.Sequential(ConvBNReLU(c_detail, c, 3, 2, relu=False), nn.AvgPool2d(3, 2, 1))
        self.s_up = ConvBNReLU(c_sem, c, 3, relu=False)
        self.s_keep = nn.Sequential(ConvBNReLU(c_sem, c_sem, 3, groups=c_sem, relu=False),
                                    nn.Conv2d(c_sem, c, 1, bias=False))
        self.fuse = ConvBNReLU(c, c, 3)

    def forward(self, detail: torch.Tensor, sem: torch.Tensor) -> torch.Tensor:
        left = self.d_keep(detail) * torch.sigmoid(resize_like(self.s_up(sem), detail))
        down = self.d_down(detail)
        right = resize_like(resize_like(down, sem) * torch.sigmoid(self.s_keep(sem)), detail)
        return self.fuse(left + right)


class RTSegBody(nn.Module):
    """Detail branch ‖ (stem → searched semantic stages → CE), fused by BGA, then the light head.

    Returns logits at stride 8; ``Segmenter`` resizes them to the input.
    """

    def __init__(self, detail: nn.Module, stem: nn.Module, semantic: nn.Module, ce: nn.Module,
                 bga: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.detail, self.stem, self.semantic, self.ce = detail, stem, semantic, ce
        self.bga, self.head = bga, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sem = self.ce(self.semantic(self.stem(x)))
        return self.head(self.bga(self.detail(x), sem))

