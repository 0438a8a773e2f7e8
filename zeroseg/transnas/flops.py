"""Parameter and FLOP counts of TNB101 networks.

FLOP convention (``count_flops``): ``torch.utils.flop_counter.FlopCounterMode`` on one forward
pass at batch 1 in eval mode; FLOPs = 2 × multiply-accumulates of convolutions, transposed
convolutions and matmuls. Not counted: conv biases, BatchNorm, ReLU/LeakyReLU, padding, the
additions that merge cell edges and residuals, the zero op. See experiments/transnas_flops for
how this relates to the bench's ``flops_m``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from zeroseg.transnas.build import NUM_CLASSES, build
from zeroseg.transnas.codes import NetCode, check_num_classes, parse
from zeroseg.transnas.decoder import SegmentationDecoder
from zeroseg.transnas.macro import ResNetBasicBlock, layer_plan, make_stem
from zeroseg.transnas.micro import edge_plan
from zeroseg.transnas.ops import make_op


@lru_cache(maxsize=None)
def _params_of(factory: Callable[..., nn.Module], args: tuple) -> int:
    with torch.device("meta"):
        return sum(p.numel() for p in factory(*args).parameters())


def _block_params(net: NetCode, c_in: int, c_out: int, stride: int) -> int:
    if net.cell is None:
        return _params_of(ResNetBasicBlock, (c_in, c_out, stride))
    edges = edge_plan(net.cell, c_in, c_out, stride)
    return sum(_params_of(make_op, (e.digit, e.c_in, e.c_out, e.stride)) for e in edges)


def count_params(net_code: str, num_classes: int = NUM_CLASSES) -> int:
    """Number of parameters of ``build(net_code, num_classes)`` (comparable to ``params_m`` × 1e6).

    Fast: walks the same plan as the builder (``layer_plan``, ``edge_plan``) and builds each
    distinct stem/op/block/decoder once on the meta device (cached), instead of the whole net.
    ``tests/test_transnas.py`` checks it against full builds.
    """
    net = parse(net_code)
    check_num_classes(num_classes)
    plan = layer_plan(net)
    total = _params_of(make_stem, (net.base,))
    total += sum(_block_params(net, *spec) for layer in plan for spec in layer)
    return total + _params_of(SegmentationDecoder, (plan[-1][-1][1], net.num_halvings, num_classes))


def resolve_model(model_or_net_code: nn.Module | str) -> nn.Module:
    """A module as given, or a ``net_code`` built with 17 classes on the meta device."""
    if isinstance(model_or_net_code, str):
        return build(model_or_net_code, device="meta")
    if isinstance(model_or_net_code, nn.Module):
        return model_or_net_code
    raise TypeError(f"expected an nn.Module or a net_code str, got {type(model_or_net_code).__name__}")


def probe_forward(model: nn.Module, input_size: tuple[int, int]) -> None:
    """One batch-1 forward of zeros in eval mode under ``no_grad`` on the model's device;
    restores train/eval mode, so BN running statistics are untouched."""
    h, w = input_size
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, h, w, device=device))
    finally:
        model.train(was_training)


def count_flops(model_or_net_code: nn.Module | str, input_size: tuple[int, int] = (256, 256)) -> int:
    """FLOPs (2 × MACs, FlopCounterMode convention in the module docstring) of one forward
    pass at batch 1 and ``input_size`` (H, W). A ``net_code`` is counted on a meta build
    (shapes only, fast); a module is run on the device of its parameters."""
    model = resolve_model(model_or_net_code)
    with FlopCounterMode(display=False) as counter:
        probe_forward(model, input_size)
    return int(counter.get_total_flops())
