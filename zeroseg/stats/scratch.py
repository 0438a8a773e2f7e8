"""Temporary, fully restored changes of a network, instead of deep copies of it.

A deep copy of a TNB101 network costs ~0.15 s on CPU (a third of one forward+backward at 64²,
batch 8) and most of it is Python walking the module tree. The proxies that need a changed network
(Zen-score's train-mode forwards update BN running statistics; SynFlow wants |W| in float64 with
BatchNorm off) get stand-ins instead: the changed tensors or modules are put in place of the
originals for the duration of a ``with`` block and the originals, never written, are put back.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from typing import Callable, Iterator

import torch
from torch import nn

Convert = Callable[[torch.Tensor], torch.Tensor]


@contextmanager
def stand_in_buffers(model: nn.Module, train: bool = True, convert: Convert | None = None) -> Iterator[None]:
    """Train (or eval) mode on stand-in copies of the buffers (``convert(b)``, default a clone);
    afterwards the training flags and the original buffers are put back. Not copied back in place:
    a pass's graph may have saved the stand-ins (BN running statistics), and a differentiable
    backward of it (GraSP) must find them unchanged."""
    flags = [(m, m.training) for m in model.modules()]
    saved = [(m, key, b) for m in model.modules() for key, b in m._buffers.items() if b is not None]
    for m, key, b in saved:
        m._buffers[key] = convert(b.detach()) if convert is not None else b.detach().clone()
    model.train(train)
    try:
        yield
    finally:
        for m, was in flags:
            m.training = was
        for m, key, b in saved:
            m._buffers[key] = b


@contextmanager
def stand_in_params(model: nn.Module, convert: Convert) -> Iterator[None]:
    """Every parameter replaced by a new leaf ``convert(p)`` that requires grad (tied parameters
    stay tied); the originals and their ``.grad`` are put back afterwards."""
    saved = [(m, key, p) for m in model.modules() for key, p in m._parameters.items() if p is not None]
    new: dict[int, nn.Parameter] = {}
    for m, key, p in saved:
        if id(p) not in new:
            new[id(p)] = nn.Parameter(convert(p.detach()), requires_grad=p.requires_grad)
        m._parameters[key] = new[id(p)]
    try:
        yield
    finally:
        for m, key, p in saved:
            m._parameters[key] = p


@contextmanager
def without(model: nn.Module, types: tuple[type, ...]) -> Iterator[None]:
    """Children of ``types`` replaced by ``nn.Identity`` (SynFlow's ``bn=False``), put back afterwards."""
    swapped = [(parent, key, child) for parent in list(model.modules())
               for key, child in parent.named_children() if isinstance(child, types)]
    for parent, key, _ in swapped:
        setattr(parent, key, nn.Identity())
    try:
        yield
    finally:
        for parent, key, child in swapped:
            setattr(parent, key, child)


def _float64_copy(b: torch.Tensor) -> torch.Tensor:
    return b.to(torch.float64, copy=True) if b.is_floating_point() else b.clone()


@contextmanager
def synflow_view(model: nn.Module) -> Iterator[nn.Module]:
    """``model`` with BatchNorm off, |W| in float64 and floating buffers in float64, train mode
    (NASLib's ``get_prunable_copy(bn=False)`` + ``.double()`` + ``abs_``, without the copy)."""
    with ExitStack() as stack:
        stack.enter_context(without(model, (nn.modules.batchnorm._BatchNorm,)))
        stack.enter_context(stand_in_buffers(model, True, _float64_copy))
        stack.enter_context(stand_in_params(model, lambda p: p.to(torch.float64, copy=True).abs_()))  # one new tensor
        yield model
