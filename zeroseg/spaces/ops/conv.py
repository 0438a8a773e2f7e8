"""Plain convolution blocks: conv-BN-ReLU (post-activation) and ReLU-conv-BN (DARTS pre-activation)."""

from __future__ import annotations

from torch import nn


def same_padding(kernel: int, dilation: int = 1) -> int:
    """Padding that keeps the size at stride 1 and gives ceil(n/2) at stride 2."""
    return dilation * (kernel - 1) // 2


class ConvBNReLU(nn.Sequential):
    """conv → BN → ReLU (FasterSeg ``ConvNorm``/``BasicResidual1x``, GAS stem, DeepLab heads)."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 3, stride: int = 1, dilation: int = 1,
                 groups: int = 1, relu: bool = True) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(c_in, c_out, kernel, stride, same_padding(kernel, dilation), dilation, groups, bias=False),
            nn.BatchNorm2d(c_out),
        ]
        if relu:
            layers.append(nn.ReLU(inplace=False))
        super().__init__(*layers)


class ReLUConvBN(nn.Sequential):
    """ReLU → conv → BN: the pre-activation block of DARTS-style cells (GAS, Auto-DeepLab)."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 1, stride: int = 1, dilation: int = 1) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride, same_padding(kernel, dilation), dilation, bias=False),
            nn.BatchNorm2d(c_out),
        )


class ConvStack(nn.Sequential):
    """``n`` conv-BN-ReLU layers, the first one strided (FasterSeg ``conv`` = 1, ``conv_2x`` = 2)."""

    def __init__(self, c_in: int, c_out: int, n: int, stride: int = 1) -> None:
        super().__init__(*[ConvBNReLU(c_in if i == 0 else c_out, c_out, 3, stride if i == 0 else 1) for i in range(n)])

