"""Resolution helpers: every space uses these so odd input sizes (e.g. 360×480, 72×100) just work."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize to ``size`` (a no-op when already there)."""
    if tuple(x.shape[2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def resize_like(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Resize ``x`` to the spatial size of ``ref`` (to concatenate or add branches)."""
    return resize(x, (int(ref.shape[2]), int(ref.shape[3])))


def half_size(x: torch.Tensor) -> tuple[int, int]:
    """The size a stride-2 layer with "same" padding produces: ceil(n/2)."""
    return -(-int(x.shape[2]) // 2), -(-int(x.shape[3]) // 2)
