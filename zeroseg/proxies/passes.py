"""The one forward+backward pass that the gradient-based built-ins share.

NASLib / zero-cost-nas (``naslib/predictors/pruners/p_utils.py``) score the weights of every
``nn.Conv2d`` and ``nn.Linear`` (transposed convolutions are not instances of either, so the TNB101
decoder's deconvolutions are excluded) after one backward of the loss on one batch, with the
network in train mode. We do the same with the context's loss (default: the pixel-wise
cross-entropy, void pixels ignored) on its batch. Optional extras recorded in the same pass: per-layer Fisher terms
(``activations``), the input Jacobian of the summed logits (``input_jacobian``, jacov/epe_nas) and
differentiable weight gradients (``hessian``: GraSP's Hessian-gradient product reuses this pass).
Every pass also counts the FLOPs of its forward from the shapes it sees (``zeroseg.flop_count``).

The Jacobian is the gradient of the *scalar* Σ logits: passing ``grad_outputs`` instead would make
``torch.autograd`` import sympy (~1 s) on a cold start; the values are the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import torch
from torch import nn

from zeroseg.flop_count import FlopTally, attach as attach_flops
from zeroseg.stats.backward import loss_backward
from zeroseg.stats.shapes import logits_of

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

EXTRAS = frozenset({"activations", "input_jacobian", "hessian"})


def prunable_layers(model: nn.Module) -> list[nn.Module]:
    """Conv2d and Linear modules in definition order (NASLib's ``get_layer_metric_array`` rule)."""
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def prepare(model: nn.Module, bn: str) -> nn.Module:
    """Set the BatchNorm mode: ``train`` (batch statistics), ``eval`` (running statistics) or
    ``off`` (every BatchNorm replaced by identity, as synflow's ``get_prunable_copy(bn=False)``)."""
    if bn == "off":
        for parent in list(model.modules()):
            for key, child in parent.named_children():
                if isinstance(child, nn.modules.batchnorm._BatchNorm):
                    setattr(parent, key, nn.Identity())
    model.train(bn != "eval")
    return model


class _Scratch:
    """Reused buffers, one per (dtype, device), grown to the largest request. A network's weights
    are ~10⁷ numbers: a fresh product and a fresh float64 copy of them per proxy cost page faults
    (TNB101 at 64², batch 8: snip took ~85 ms CPU that way, ~55 ms with these buffers), writing into
    the same pages again costs none."""

    def __init__(self) -> None:
        self.buffers: dict[tuple[torch.dtype, torch.device], torch.Tensor] = {}

    def take(self, dtype: torch.dtype, device: torch.device, shape: torch.Size) -> torch.Tensor:
        n, key = shape.numel(), (dtype, device)
        buf = self.buffers.get(key)
        if buf is None or buf.numel() < n:
            buf = self.buffers[key] = torch.empty(n, dtype=dtype, device=device)
        return buf[:n].view(shape)


def _sum64(t: torch.Tensor, scratch: _Scratch) -> torch.Tensor:
    """``t.double().sum()``: the same float64 values summed in the same (contiguous) order, widened
    into a reused buffer instead of a fresh copy."""
    if t.dtype == torch.float64 or t.numel() < 4096 or not t.is_contiguous():
        return t.double().sum()
    return scratch.take(torch.float64, t.device, t.shape).copy_(t).sum()


def layer_sum(model: nn.Module, metric: Callable[[nn.Module], torch.Tensor]) -> float:
    """Σ over prunable layers of Σ metric(layer), accumulated in float64 (NASLib ``sum_arr``)."""
    total, scratch = torch.zeros((), dtype=torch.float64), _Scratch()
    for layer in prunable_layers(model):
        total += _sum64(metric(layer).detach(), scratch).cpu()
    return float(total)


def product_sum(pairs: Iterable[tuple[torch.Tensor, torch.Tensor]], absolute: bool = False) -> float:
    """Σ over pairs (a, b) of Σ a ⊙ b (|a ⊙ b| when ``absolute``), accumulated in float64: the value of
    ``Σ (a * b).abs().double().sum()`` (the product in the pair's dtype, then widened), with the
    products written into one reused buffer (``_Scratch``) rather than a fresh tensor per layer."""
    total, scratch = torch.zeros((), dtype=torch.float64), _Scratch()
    for a, b in pairs:
        a, b = a.detach(), b.detach()  # a weight and its gradient (or Hessian product): one shape
        prod = torch.mul(a, b, out=scratch.take(torch.result_type(a, b), a.device, a.shape))
        if absolute:
            prod.abs_()
        total += _sum64(prod, scratch).cpu()
    return float(total)


def weight_grad_sum(model: nn.Module, absolute: bool = False) -> float:
    """Σ over prunable layers of Σ W ⊙ ∂L/∂W (|·| when ``absolute``: SNIP, SynFlow; plain), in float64."""
    return product_sum(((m.weight, m.weight.grad) for m in prunable_layers(model)), absolute)


def fill_missing_grads(model: nn.Module) -> None:
    """Give layers that the backward did not reach (a dead cell) a zero gradient, as NASLib's
    measures do (``torch.zeros_like(layer.weight)`` when ``grad is None``)."""
    for layer in prunable_layers(model):
        if layer.weight.grad is None:
            layer.weight.grad = torch.zeros_like(layer.weight)


def _fisher_term(act: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """Σ_k ½·mean_n(Σ_hw a·∂L/∂a)² of one layer's output (Theis et al. 2018, as in NASLib)."""
    prod = act * grad
    g_nk = prod.sum(dim=(2, 3)) if prod.dim() == 4 else prod
    return 0.5 * g_nk.double().pow(2).mean(0).sum()


@dataclass
class GradPass:
    """A model after one backward of the cross-entropy: weights carry ``.grad``."""

    model: nn.Module
    loss: float
    extras: frozenset[str]
    fisher: list[torch.Tensor] = field(default_factory=list)
    input_jacobian: torch.Tensor | None = None  # (N, 3·H·W) ∂(Σ logits)/∂x
    flops: int = 0  # FLOPs of the forward over the whole batch (flop_count convention)
    graph_grads: dict = field(default_factory=dict)  # weight → differentiable ∂L/∂W (``hessian``)


class GradRecorder:
    """Records a ``GradPass`` in a pass someone runs (``zeroseg.stats.collect``'s ``observer``, or
    ``run_grad_pass``): Fisher terms by hooks when ``activations`` is asked, the input Jacobian."""

    def __init__(self, extras: frozenset[str]) -> None:
        self.extras = frozenset(extras) & EXTRAS
        self.wants_jacobian = "input_jacobian" in self.extras
        self.wants_graph = "hessian" in self.extras
        self.fisher: list[torch.Tensor] = []
        self.tally = FlopTally()
        self.handles: list = []  # forward hooks, then the tensor hooks they add (all removed together)
        self.result: GradPass | None = None

    def attach(self, model: nn.Module) -> list:
        self.handles += attach_flops(model, self.tally)
        if "activations" in self.extras:
            self.handles += [layer.register_forward_hook(self._on_forward) for layer in prunable_layers(model)]
        return self.handles

    def _on_forward(self, _m: nn.Module, _inp: tuple, out: torch.Tensor) -> None:
        if out.requires_grad:
            act = out.detach()
            self.handles.append(out.register_hook(lambda g, a=act: self.fisher.append(_fisher_term(a, g.detach()))))

    def done(self, model: nn.Module, loss: torch.Tensor, jacobian: torch.Tensor | None,
             graph_grads: dict[nn.Parameter, torch.Tensor]) -> None:
        fill_missing_grads(model)
        jac = None if jacobian is None else jacobian.reshape(jacobian.shape[0], -1).detach()
        self.result = GradPass(model, float(loss.detach()), self.extras, self.fisher, jac, self.tally.flops,
                               graph_grads)


def run_grad_pass(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, loss_fn: Loss,
                  extras: frozenset[str]) -> GradPass:
    """Forward of ``model`` (already in its BN mode) on the batch → backward of ``loss_fn`` (+ extras)."""
    rec = GradRecorder(extras)
    model.zero_grad(set_to_none=True)
    x = images.clone().requires_grad_(rec.wants_jacobian)
    handles = rec.attach(model)
    try:
        out, _ = logits_of(model(x), labels)
        loss = loss_fn(out, labels)
        graph_grads = {}
        if loss.requires_grad:
            graph_grads = loss_backward(loss, model, x, keep_graph=rec.wants_graph, retain_graph=rec.wants_jacobian)
    finally:
        for h in handles:
            h.remove()
    jac = None
    if rec.wants_jacobian:
        jac = (torch.autograd.grad(out.sum(), x, allow_unused=True, retain_graph=bool(graph_grads))[0]
               if out.requires_grad else None)
        jac = torch.zeros_like(x) if jac is None else jac  # logits independent of the input
    rec.done(model, loss, jac, graph_grads)
    return rec.result
