"""Shape conventions and input checks shared by collection: out-first weight rows, logits."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def weight_shape(module: nn.Module) -> tuple[int, ...]:
    """The weight's shape in out-first order (out, in/groups, k…), also for transposed convs."""
    w = module.weight.shape
    if getattr(module, "transposed", False):
        return (w[1] * module.groups, w[0] // module.groups, *w[2:])
    return tuple(w)


def rows_view(module: nn.Module, t: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
    """Rows ``rows`` (all when None) of a weight-shaped tensor as (r, in/groups·k…).

    Transposed convs store (in, out/groups, k…): output channel o = grp·(out/groups) + j reads
    ``t[grp·in/groups : (grp+1)·in/groups, j]``. Only the selected rows are copied."""
    if getattr(module, "transposed", False):
        per_out = t.shape[1]
        idx = torch.arange(per_out * module.groups, device=t.device) if rows is None else rows.to(t.device)
        t = t.unflatten(0, (module.groups, t.shape[0] // module.groups))[idx // per_out, :, idx % per_out]
    elif rows is not None:
        t = t.index_select(0, rows.to(t.device))
    return t.reshape(t.shape[0], -1)


def gather_units(t: torch.Tensor, units: torch.Tensor | None) -> torch.Tensor:
    """Copy of ``t.flatten(1)[:, units]`` (all units when None) that, for a non-contiguous ``t``
    (e.g. channels_last), gathers only the kept elements instead of copying ``t`` first."""
    if units is None:
        return t.reshape(t.shape[0], -1).clone()
    units = units.to(t.device)
    if t.is_contiguous():
        return t.reshape(t.shape[0], -1).index_select(1, units)
    return t[(slice(None), *torch.unravel_index(units, t.shape[1:]))]


def flat_in_memory_order(t: torch.Tensor) -> torch.Tensor:
    """(N, units) with units in the tensor's memory order: a view for any dense layout whose batch
    dimension is outermost (NCHW or channels_last). For order-free reductions such as K_H."""
    dims = sorted(range(1, t.dim()), key=lambda d: t.stride(d), reverse=True)
    return t.permute(0, *dims).reshape(t.shape[0], -1)


def logits_of(output: object, labels: torch.Tensor) -> tuple[torch.Tensor, tuple[int, ...]]:
    """The (N, C, H, W) logits (a tensor, or the first element of a tuple/list: auxiliary heads),
    resized bilinearly to the label size when predicted at another resolution; and that native size."""
    if isinstance(output, (tuple, list)) and output:
        output = output[0]
    if not isinstance(output, torch.Tensor) or output.dim() != 4:
        raise TypeError(f"model must return (N, C, H, W) logits (or a tuple starting with them), got {type(output).__name__}"
                        + (f" of shape {tuple(output.shape)}" if isinstance(output, torch.Tensor) else ""))
    native = tuple(output.shape[-2:])
    if native != tuple(labels.shape[-2:]):
        output = F.interpolate(output, size=labels.shape[-2:], mode="bilinear", align_corners=False)
    return output, native


def check_inputs(images: torch.Tensor, labels: torch.Tensor) -> None:
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or not images.is_floating_point():
        raise ValueError(f"images must be a float (N, C, H, W) tensor, got {getattr(images, 'shape', type(images))}")
    if not isinstance(labels, torch.Tensor) or labels.dtype != torch.int64 or labels.shape != images.shape[:1] + images.shape[2:]:
        raise ValueError(f"labels must be int64 (N, H, W) matching images {tuple(images.shape)}, "
                         f"got {getattr(labels, 'dtype', type(labels))} {tuple(getattr(labels, 'shape', ()))}")


def check_labels(labels: torch.Tensor, num_classes: int, ignore_index: int) -> None:
    """Every label is a class of the model or ``ignore_index`` (masked min/max: no boolean indexing)."""
    kept = labels.masked_fill(labels == ignore_index, 0)
    lo, hi = int(kept.min()), int(kept.max())
    if lo < 0 or hi >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1} or be {ignore_index} (ignored), got values in {lo}..{hi}")
