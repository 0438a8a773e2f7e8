"""The block protocol that latency models need from a space.

A space that wants latency models exposes two methods (see ``BlockSpace``):
``blocks(g, input_size, num_classes) -> list[BlockSpec]`` lists every compute block of the network built from
``g`` at ``input_size`` (stem, searched blocks, fixed head, final resize), and
``make_block(spec) -> nn.Module`` builds one block alone. The whole network's latency is then
modelled as the sum over its blocks, the way GAS (§3.3) and FasterSeg (§3.4) sum lookup-table
entries and RTSeg (Eq. 9) sums its MLP's per-block predictions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Protocol, runtime_checkable

import torch
from torch import nn


@dataclass(frozen=True)
class BlockSpec:
    """One block at one input shape: everything that fixes its latency (hashable table key).

    ``op`` is the space's operator name (``"ir"``, ``"att7"``, ``"mhsa"`` …); ``h``/``w`` are the
    block's input size; ``extra`` lists shapes (C, H, W) of further inputs (e.g. BGA's second
    branch); ``space`` keeps ops of different spaces apart in one table; ``out_h``/``out_w`` give the output
    size of blocks that resize (0 when the output size follows from the stride).
    """

    space: str
    op: str
    c_in: int
    c_out: int
    h: int
    w: int
    stride: int = 1
    kernel: int = 1
    expand: float = 1.0
    dilation: int = 1
    extra: tuple[tuple[int, int, int], ...] = ()
    out_h: int = 0
    out_w: int = 0

    def key(self) -> str:
        """Stable text key (for JSON storage and resuming)."""
        ex = ";".join("x".join(map(str, s)) for s in self.extra)
        return (f"{self.space}:{self.op}:{self.c_in}>{self.c_out}@{self.h}x{self.w}"
                f":s{self.stride}k{self.kernel}e{self.expand:g}d{self.dilation}:{ex}"
                f":o{self.out_h}x{self.out_w}")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["extra"] = [list(s) for s in self.extra]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "BlockSpec":
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"BlockSpec JSON has unknown fields {sorted(unknown)}")
        d = dict(d)
        d["extra"] = tuple(tuple(int(v) for v in s) for s in d.get("extra", ()))
        return cls(**d)

    def inputs(self, device: torch.device | str = "cpu", batch: int = 1) -> list[torch.Tensor]:
        """Random inputs of the block's shapes (seeded, so measurements are repeatable)."""
        gen = torch.Generator().manual_seed(0)
        shapes = [(self.c_in, self.h, self.w), *self.extra]
        return [torch.randn(batch, *s, generator=gen).to(device) for s in shapes]

    def numeric(self) -> list[float]:
        """Shape features for the MLP predictor (log-scaled sizes; RTSeg Eq. 9's {o, i, s, s', k})."""
        extra_px = sum(c * h * w for c, h, w in self.extra)
        out_px = self.out_h * self.out_w
        return [math.log2(1 + out_px), math.log2(self.c_in), math.log2(self.c_out), math.log2(self.h * self.w),
                float(self.stride), float(self.kernel), float(self.expand), float(self.dilation),
                math.log2(1 + extra_px)]


@runtime_checkable
class BlockSpace(Protocol):
    """What a space implements to get latency models (optional part of the space protocol)."""

    name: str

    def blocks(self, g: Any, input_size: tuple[int, int], num_classes: int = 19) -> list[BlockSpec]: ...

    def make_block(self, spec: BlockSpec) -> nn.Module: ...


class Resized(nn.Module):
    """A block (one or more inputs) then a bilinear resize to a fixed size: a network's final head as one block."""

    def __init__(self, block: nn.Module, size: tuple[int, int]) -> None:
        super().__init__()
        self.block, self.size = block, size

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return nn.functional.interpolate(self.block(*xs), size=self.size, mode="bilinear", align_corners=False)
