"""DataLoader settings per device: what keeps a GPU fed without changing anything on CPU.

On CUDA the network waits on PIL decoding and augmentation unless samples are prepared by worker
processes and copied from pinned (page-locked) memory, which also lets ``non_blocking`` host→device
copies overlap compute. On CPU the workers would compete with the model for the same cores, so the
default stays 0 workers and unpinned memory. Batches do not depend on the worker count (samples are
seeded by key, ``data.base.SegDataset``), so the choice changes speed only.
"""

from __future__ import annotations

import os
from typing import Any

import torch

MAX_AUTO_WORKERS = 8  # decoding a 360×480 CamVid pair takes a few ms; 8 workers outpace one GPU step


def auto_workers(device: str | torch.device, workers: int | None) -> int:
    """``workers`` when given; else up to 8 (the CPU count minus one) on CUDA and 0 on CPU."""
    if workers is not None:
        if workers < 0:
            raise ValueError(f"workers must be >= 0, got {workers}")
        return workers
    if torch.device(device).type != "cuda":
        return 0
    return max(1, min(MAX_AUTO_WORKERS, (os.cpu_count() or 2) - 1))


def loader_options(device: str | torch.device, workers: int | None = None) -> dict[str, Any]:
    """``DataLoader`` keywords for ``device``: worker count and pinned memory (on CUDA only)."""
    return {"num_workers": auto_workers(device, workers), "pin_memory": torch.device(device).type == "cuda"}
