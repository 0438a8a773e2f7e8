"""Depthwise-separable and dilated-separable convolutions (DARTS / NASNet style)."""

from __future__ import annotations

from torch import nn

from zeroseg.spaces.ops.conv import same_padding


class DilSepConv(nn.Sequential):
    """ReLU → depthwise k×k (dilated) → pointwise 1×1 → BN: one separable layer.

    With dilation 1 it is one layer of a plain separable conv; GAS's "dilated separable conv"
    (d=2/4/8) is a single such layer, as in DARTS's ``DilConv``.
    """

    def __init__(self, c_in: int, c_out: int, kernel: int = 3, stride: int = 1, dilation: int = 1) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_in, kernel, stride, same_padding(kernel, dilation), dilation, groups=c_in, bias=False),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )


class SepConv(nn.Sequential):
    """Two stacked separable layers, the first strided: DARTS ``sep_conv`` and TF NAS ``separable_kxk_2``."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 3, stride: int = 1) -> None:
        super().__init__(DilSepConv(c_in, c_out, kernel, stride), DilSepConv(c_out, c_out, kernel, 1))
