"""One forward + one backward of the pixel-wise cross-entropy, observed by forward hooks.

What is collected (SasWOT, papers/saswot.md §Method; NWOT, Mellor et al. 2021; jacov):
* every ``nn.Conv*d`` / ``nn.ConvTranspose*d`` / ``nn.Linear`` in execution order (order of first
  call; a module called again is recorded at its first call only, its weight gradient is the
  total over all calls; such layers are listed in ``meta["reused_layers"]``): W, G, A (sketched,
  see ``sketch``);
* K_H of NWOT from every call of every ``nn.ReLU``/``ReLU6``/``LeakyReLU``/``RReLU`` module (what
  NASLib's ``nwot`` hooks: modules whose type name contains "ReLU"), code c = (output > 0);
* ∂L/∂x, and ∂(Σ logits)/∂x when ``input_jacobian=True`` (jacov's input, NASLib ``jacov``).

BN mode: the model runs in train mode (batch statistics), as NASLib/zero-cost-nas compute their
proxies; at initialisation the running statistics are (0, 1), so eval mode would skip the
normalisation the network is built around. The model's training flags and buffers (BN running
statistics) are restored afterwards; parameter ``.grad`` holds this backward's gradients.
Hooks only read (detach + copy the sketched part), so outputs and gradients are unchanged.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Iterator, Protocol

import torch
import torch.nn.functional as F
from torch import nn

from zeroseg.stats import sketch
from zeroseg.stats.backward import loss_backward
from zeroseg.stats.scratch import stand_in_buffers
from zeroseg.stats.batch import IGNORE_INDEX
from zeroseg.stats.shapes import (
    check_inputs, check_labels, flat_in_memory_order, gather_units, logits_of, rows_view, weight_shape,
)
from zeroseg.stats.types import LayerStats, NetStats

LAYER_TYPES = (nn.modules.conv._ConvNd, nn.Linear)
RELU_TYPES = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.RReLU)
BN_MODE = "train (batch statistics; running statistics restored afterwards)"
_EXACT_COLS = 1 << 24  # 0/1 dot products are exact in float32 below 2^24 terms

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def pixel_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, ignore_index: int = IGNORE_INDEX) -> torch.Tensor:
    """The default loss: cross-entropy averaged over the pixels whose label is not ``ignore_index``."""
    return F.cross_entropy(logits, labels, ignore_index=ignore_index)


class Observer(Protocol):
    """Something else to record in the same pass (the proxy core's gradient pass): its hooks are
    on during the forward and the loss backward; ``done`` gets the model with its gradients."""

    wants_jacobian: bool
    wants_graph: bool  # keep the weight gradients differentiable (``backward.loss_backward``)

    def attach(self, model: nn.Module) -> list: ...

    def done(self, model: nn.Module, loss: torch.Tensor, jacobian: torch.Tensor | None,
             graph_grads: dict[nn.Parameter, torch.Tensor]) -> None: ...


def _input_grad(t: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
    """A gradient w.r.t. the input, zeros where autograd found none (the output ignores the input)."""
    return torch.zeros_like(like) if t is None else t


@dataclass
class _Seen:
    """A conv/linear layer at its first call: its sketched output."""

    name: str
    module: nn.Module
    A: torch.Tensor
    units: torch.Tensor | None
    act_units: int


@dataclass
class _Recorder:
    """State shared by the hooks of one collection."""

    seed: int
    dtype: torch.dtype
    max_units: int | None
    layers: dict[nn.Module, _Seen] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    relu_calls: int = 0
    K: torch.Tensor | None = None
    no_grad: list[str] = field(default_factory=list)  # layers the loss does not depend on (G = 0)
    logits_size: tuple[int, ...] = ()
    code_buffer: torch.Tensor | None = None

    def layer_hook(self, name: str):
        def hook(module: nn.Module, _inp: object, out: torch.Tensor) -> None:
            self.calls[name] = self.calls.get(name, 0) + 1
            if module in self.layers:
                return
            n = out[0].numel()
            units = sketch.pick(n, self.max_units, self.seed, "units", len(self.layers), tuple(out.shape[1:]))
            self.layers[module] = _Seen(name, module, gather_units(out.detach(), units).to(self.dtype), units, n)

        return hook

    def relu_hook(self, module: nn.Module, _inp: object, out: torch.Tensor) -> None:
        """K += c·cᵀ + (1−c)·(1−c)ᵀ = 2·c·cᵀ + n − s_i − s_j, s = row sums of c = diag(c·cᵀ).

        One comparison written into a reused float32 buffer (fresh buffers cost page faults) and
        one matmul; sums of 0/1 terms
        below 2^24 are exact in float32 (longer rows are split)."""
        self.relu_calls += 1
        n = out.numel()
        if self.code_buffer is None or self.code_buffer.numel() < n or self.code_buffer.device != out.device:
            self.code_buffer = torch.empty(n, dtype=torch.float32, device=out.device)
        flat = flat_in_memory_order(out.detach())  # unit order does not matter for K
        code = torch.gt(flat, 0, out=self.code_buffer[:n].view(flat.shape))
        for c in code.split(_EXACT_COLS, dim=1):
            cc = (c @ c.T).double()
            s = cc.diagonal()
            k = 2.0 * cc + c.shape[1] - s[:, None] - s[None, :]
            self.K = k if self.K is None else self.K + k


@contextmanager
def _hooked(model: nn.Module, rec: _Recorder) -> Iterator[None]:
    """Forward hooks on every conv/linear and ReLU-family module, removed even on errors."""
    handles = []
    try:
        for name, m in model.named_modules():
            if isinstance(m, LAYER_TYPES):
                handles.append(m.register_forward_hook(rec.layer_hook(name)))
            elif isinstance(m, RELU_TYPES):
                handles.append(m.register_forward_hook(rec.relu_hook))
        yield
    finally:
        for h in handles:
            h.remove()


@contextmanager
def _removed_after(handles: list) -> Iterator[None]:
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _layer_stats(rec: _Recorder, index: int, seen: _Seen, max_rows: int | None) -> LayerStats:
    m, shape = seen.module, weight_shape(seen.module)
    rows = sketch.pick(shape[0], max_rows, rec.seed, "rows", index, shape)
    W = rows_view(m, m.weight.detach(), rows)
    if m.weight.grad is None:
        rec.no_grad.append(seen.name)
    G = torch.zeros_like(W) if m.weight.grad is None else rows_view(m, m.weight.grad.detach(), rows)
    cpu = dict(device="cpu", dtype=rec.dtype, copy=True)
    return LayerStats(
        name=seen.name, kind="linear" if isinstance(m, nn.Linear) else "conv", weight_shape=shape,
        rows=torch.arange(shape[0]) if rows is None else rows.clone(), W=W.to(**cpu), G=G.to(**cpu),
        A=seen.A.to("cpu"), units=torch.arange(seen.act_units) if seen.units is None else seen.units.clone(),
        act_units=seen.act_units, module_type=type(m).__name__,
    )


def _rng(dev: torch.device):
    """Fork the RNGs this collection touches so the caller's random state is left as it was."""
    if dev.type == "cpu":
        return torch.random.fork_rng(devices=[])
    index = dev.index if dev.index is not None else getattr(torch, dev.type).current_device()
    return torch.random.fork_rng(devices=[index], device_type=dev.type)


def collect(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.bfloat16,
    max_rows: int | None = sketch.DEFAULT_MAX_ROWS,
    max_units: int | None = sketch.DEFAULT_MAX_UNITS,
    input_jacobian: bool = False,
    ignore_index: int = IGNORE_INDEX,
    loss: Loss | None = None,
    observer: Observer | None = None,
) -> NetStats:
    """Statistics of ``model`` on (images (N, 3, H, W) float, labels (N, H, W) int64).

    One forward and one backward of the cross-entropy (mean over pixels ≠ ``ignore_index``) in
    train mode; ``torch.manual_seed(seed)`` first (dropout, RReLU), inside a forked RNG. ``model`` is
    moved to ``device``; tensors come back on CPU in ``dtype`` (KH float64). ``max_rows`` /
    ``max_units`` bound the sketch per layer (``None``: keep all). Default dtype is bfloat16, not
    float16: at init most |G| of deep layers lie below float16's normal range (6e-5), where float16
    loses precision or flushes to zero; bfloat16 keeps float32's range.
    """
    check_inputs(images, labels)
    dev = torch.device(device)
    model.to(dev)
    x = images.detach().to(dev, copy=True).requires_grad_(True)
    y = labels.to(dev)
    rec = _Recorder(seed, dtype, max_units)
    want_jac = input_jacobian or (observer is not None and observer.wants_jacobian)
    with ExitStack() as stack:
        stack.enter_context(_rng(dev))
        stack.enter_context(stand_in_buffers(model))  # BN statistics restored
        stack.enter_context(_hooked(model, rec))
        torch.manual_seed(seed)
        model.zero_grad(set_to_none=True)
        with _removed_after(observer.attach(model) if observer is not None else []):
            logits, rec.logits_size = logits_of(model(x), y)
            check_labels(y, logits.shape[1], ignore_index)
            value = (loss or partial(pixel_cross_entropy, ignore_index=ignore_index))(logits, y)
            graph_grads = {}
            if value.requires_grad:
                graph_grads = loss_backward(value, model, x, keep_graph=observer is not None and observer.wants_graph,
                                            retain_graph=want_jac)
        jac = None
        if want_jac:  # ∂(Σ logits)/∂x, after the observer's hooks are off
            keep = bool(graph_grads)  # the differentiable gradients still need the graph
            jac = _input_grad(torch.autograd.grad(logits.sum(), x, allow_unused=True, retain_graph=keep)[0]
                              if logits.requires_grad else None, x)  # a scalar's gradient: no sympy import
    layers = [_layer_stats(rec, i, seen, max_rows) for i, seen in enumerate(rec.layers.values())]
    if observer is not None:
        observer.done(model, value, jac, graph_grads)
    n_in = x[0].numel()
    units = sketch.pick(n_in, sketch.input_limit(max_units), seed, "input", 0, tuple(x.shape[1:]))

    def inputs(t: torch.Tensor) -> torch.Tensor:
        return gather_units(t.detach(), units).to(device="cpu", dtype=dtype)

    K = rec.K if rec.K is not None else torch.zeros(x.shape[0], x.shape[0], dtype=torch.float64)
    meta = _meta(model, rec, x, logits, layers, seed, dtype, max_rows, max_units, ignore_index, dev)
    if loss is not None:
        meta["loss"] = f"custom: {getattr(loss, '__name__', type(loss).__name__)}"
    meta["input_independent"] = x.grad is None or not bool(x.grad.ne(0).any())
    return NetStats(
        layers=layers, KH=K.to("cpu"), input_grad=inputs(_input_grad(x.grad, x)), loss=float(value.detach()),
        meta=meta,
        input_jacobian=None if not input_jacobian else inputs(jac), input_units=None if units is None else units.clone(),
    )


def _meta(model, rec, x, logits, layers, seed, dtype, max_rows, max_units, ignore_index, dev) -> dict:
    """JSON-able description of how the statistics were made (the cache stores it verbatim)."""
    names = {L.name for L in layers}
    notes = []
    if rec.logits_size != tuple(x.shape[2:]):
        notes.append(f"logits of size {list(rec.logits_size)} resized bilinearly to the labels")
    if rec.relu_calls == 0:
        notes.append("no ReLU-family module ran (functional activations are invisible to hooks): KH is zero")
    return {
        "seed": seed, "dtype": str(dtype).removeprefix("torch."), "device": str(dev), "torch": torch.__version__,
        "resolution": list(x.shape[2:]), "batch": int(x.shape[0]), "num_classes": int(logits.shape[1]),
        "sketch": {"max_rows": max_rows, "max_units": max_units, "max_input_units": sketch.input_limit(max_units)},
        "bn_mode": BN_MODE, "loss": "cross_entropy, mean over non-ignored pixels", "ignore_index": ignore_index,
        "relu_calls": rec.relu_calls,
        "reused_layers": {n: c for n, c in rec.calls.items() if c > 1},
        "unused_layers": [n for n, m in model.named_modules() if isinstance(m, LAYER_TYPES) and n not in names],
        "no_grad_layers": rec.no_grad,
        "notes": notes,
    }
