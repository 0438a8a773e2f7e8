"""The loss backward of a scoring pass, optionally keeping the gradients differentiable.

GraSP (Wang et al., ICLR 2020; NASLib ``measures/grasp.py``) needs H·g, the Hessian of the loss
times its gradient, i.e. the gradient w.r.t. the weights of Σ g.detach()·g(W). NASLib runs a
forward and a ``create_graph`` backward of its own for that. Keeping the shared pass's gradients
differentiable instead lets GraSP reuse the pass's forward and first backward.

``torch.autograd.grad`` (not ``backward(create_graph=True)``) so that no parameter holds a
gradient that refers back to it through the graph (PyTorch warns of that reference cycle): the
leaves get the detached gradients in ``.grad``, as ``backward`` would give them, and only the
caller holds the differentiable ones (dropped with it).
"""

from __future__ import annotations

import torch
from torch import nn


def loss_backward(loss: torch.Tensor, model: nn.Module, x: torch.Tensor, *, keep_graph: bool,
                  retain_graph: bool) -> dict[nn.Parameter, torch.Tensor]:
    """``loss.backward()`` into the ``.grad`` of the model's parameters and of ``x`` (when it requires
    grad); with ``keep_graph`` the differentiable gradients come back by parameter (else ``{}``)."""
    if not keep_graph:
        loss.backward(retain_graph=retain_graph)
        return {}
    params = [p for p in model.parameters() if p.requires_grad]
    leaves = params + ([x] if x.requires_grad else [])
    grads = torch.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
    for leaf, g in zip(leaves, grads):
        if g is not None:
            leaf.grad = g.detach() if leaf.grad is None else leaf.grad + g.detach()
    return {p: g for p, g in zip(params, grads) if g is not None}
