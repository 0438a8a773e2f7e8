"""Inference speed at a fixed resolution: warm-up runs, device sync, median and spread of latency.

As in the real-time segmentation papers (GAS, FasterSeg): batch 1, forward pass only, timed after
warm-up; CUDA is synchronised before reading the clock so queued kernels are counted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class SpeedResult:
    height: int
    width: int
    batch: int
    device: str
    threads: int
    runs: int
    warmup: int
    latency_ms_median: float
    latency_ms_p10: float
    latency_ms_p90: float
    latency_ms_iqr: float
    fps_median: float


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.inference_mode()
def measure_speed(model: nn.Module, size: tuple[int, int], device: str = "cpu", batch: int = 1,
                  warmup: int = 10, runs: int = 50) -> SpeedResult:
    """Latency of ``runs`` timed forward passes after ``warmup`` untimed ones."""
    if runs < 1 or warmup < 0:
        raise ValueError(f"runs must be >= 1 and warmup >= 0, got {runs}, {warmup}")
    dev = torch.device(device)
    model = model.to(dev).eval()
    x = torch.randn(batch, 3, *size, device=dev)
    for _ in range(warmup):
        model(x)
    sync(dev)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        model(x)
        sync(dev)
        times.append((time.perf_counter() - t0) * 1000.0)
    ms = np.asarray(times)
    p10, p25, med, p75, p90 = np.percentile(ms, [10, 25, 50, 75, 90])
    return SpeedResult(size[0], size[1], batch, str(dev), torch.get_num_threads(), runs, warmup, float(med), float(p10), float(p90),
                       float(p75 - p25), float(1000.0 * batch / med))
