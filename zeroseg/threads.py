"""How many torch CPU threads to use when the user does not say (train, eval, search).

torch defaults to one thread per core, which is fastest only on an idle machine. When the cores are
shared, every OpenMP parallel region waits for its slowest thread, and a thread that lost its core
stalls the region for a scheduler slice: on a busy 2-core box a GAS training step took 22 s with 2
threads and 1 s with 1. So the default is measured, not assumed: start from the cores this process
may run on (``sched_getaffinity``), take off what the load average says others are using, and keep
more than one thread only if a short convolution probe (≈0.2 s) runs clearly faster with them.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from dataclasses import dataclass

import torch

SPEEDUP = 1.25  # several threads must beat one by this factor in the probe to be kept


@dataclass(frozen=True)
class ThreadChoice:
    threads: int
    reason: str

    def line(self, command: str) -> str:
        return f"[{command}] torch threads: {self.threads} ({self.reason}; --threads N to override)"


def usable_cores() -> int:
    """Cores this process may run on (respects taskset / cgroup CPU affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_average() -> float:
    """1-minute load average (0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def idle_cores(cores: int, load: float) -> int:
    """Cores the load average leaves free, at least one."""
    return max(1, min(cores, math.floor(cores - load + 0.5)))


def probe_seconds(threads: int, reps: int = 5) -> float:
    """Median time of a small conv + batch-norm forward/backward with ``threads`` threads."""
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    conv, bn = torch.nn.Conv2d(16, 16, 3, padding=1), torch.nn.BatchNorm2d(16)
    x = torch.randn(4, 16, 48, 64, generator=gen)
    times = []
    try:
        for _ in range(reps + 1):
            t = time.perf_counter()
            torch.relu(bn(conv(x))).sum().backward()
            times.append(time.perf_counter() - t)
    finally:
        torch.set_num_threads(old)
    return statistics.median(times[1:])


def choose_threads(requested: int | None = None, share: int = 1) -> ThreadChoice:
    """Set and return torch's thread count: ``requested``, else what is fast here for ``share`` workers."""
    if requested:
        if requested < 1:
            raise ValueError(f"--threads must be ≥ 1, got {requested}")
        torch.set_num_threads(requested)
        return ThreadChoice(requested, "as requested")
    cores = usable_cores()
    per_worker = max(1, cores // max(1, share))
    load = load_average()
    n = max(1, min(per_worker, idle_cores(cores, load) // max(1, share)))
    why = f"{cores} usable cores, load {load:.1f}" + (f", {share} workers" if share > 1 else "")
    if n > 1:
        one, many = probe_seconds(1), probe_seconds(n)
        if one < SPEEDUP * many:
            why += f"; probe: {n} threads only {one / many:.2f}x faster than 1"
            n = 1
    torch.set_num_threads(n)
    return ThreadChoice(n, why)
