"""Latency measurement protocol shared by the lookup table, the MLP's training data and the bench.

Protocol (FasterSeg ``latency/`` and GAS §3.3 measure the same way): eval mode, no autograd,
a fixed thread count, ``warmup`` untimed runs, then the median of ``repeats`` timed runs, with a
device synchronisation around every timed run on CUDA. Batch 1, fp32.

Clock: wall time (``perf_counter``) on CUDA or with several CPU threads; with one CPU thread the
default ``clock="auto"`` uses the CPU time of the calling thread (which runs all compute when
torch has one intra-op thread). It equals wall time on an idle core but stays stable when other
processes share the CPU (on this 2-core machine shared by 8 jobs, wall time of a 250 ms network
read 1.5–1.8 s while its CPU time read 242–264 ms). Process CPU time is not used: idle OpenMP
workers left spinning by earlier multi-threaded work would be counted.
"""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from zeroseg.latency.spec import BlockSpace, BlockSpec


@dataclass(frozen=True)
class Protocol:
    """How to time one module: warm-up runs, timed repeats (median kept), CPU threads."""

    warmup: int = 2
    repeats: int = 5
    threads: int = 1
    clock: str = "auto"  # "wall", "cpu" (thread CPU time) or "auto" (cpu for 1 CPU thread, else wall)

    def __post_init__(self) -> None:
        if self.warmup < 0 or self.repeats < 1 or self.threads < 1 or self.clock not in ("auto", "wall", "cpu"):
            raise ValueError(f"latency protocol needs warmup ≥ 0, repeats ≥ 1, threads ≥ 1, "
                             f"clock in auto/wall/cpu, got {self}")

    def timer(self, device: torch.device) -> Callable[[], float]:
        """The clock to read (seconds) for ``device``."""
        cpu = self.clock == "cpu" or (self.clock == "auto" and device.type == "cpu" and self.threads == 1)
        if cpu and device.type != "cpu":
            raise ValueError(f"clock='cpu' cannot time device {device}; use wall")
        return time.thread_time if cpu else time.perf_counter


@contextmanager
def fixed_threads(n: int) -> Iterator[None]:
    """Pin torch's intra-op thread count for the duration (restored afterwards)."""
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_ms(module: nn.Module, inputs: list[torch.Tensor], device: torch.device | str,
               protocol: Protocol = Protocol()) -> float:
    """Median wall time in milliseconds of ``module(*inputs)`` on ``device`` under ``protocol``."""
    device = torch.device(device)
    module = module.to(device).eval()
    inputs = [t.to(device) for t in inputs]
    times, clock = [], protocol.timer(device)
    with fixed_threads(protocol.threads), torch.inference_mode():
        for i in range(protocol.warmup + protocol.repeats):
            _sync(device)
            t0 = clock()
            module(*inputs)
            _sync(device)
            if i >= protocol.warmup:
                times.append((clock() - t0) * 1e3)
    return float(statistics.median(times))


def measure_block(space: BlockSpace, spec: BlockSpec, device: torch.device | str,
                  protocol: Protocol = Protocol()) -> float:
    """Latency (ms) of one block built alone at its spec's input shape(s)."""
    torch.manual_seed(0)
    return measure_ms(space.make_block(spec), spec.inputs(), device, protocol)


def measure_network(net: nn.Module, input_size: tuple[int, int], device: torch.device | str,
                    protocol: Protocol = Protocol()) -> float:
    """Latency (ms) of a whole network on one image of ``input_size`` (the ground truth)."""
    x = torch.randn(1, 3, *input_size, generator=torch.Generator().manual_seed(0))
    return measure_ms(net, [x], device, protocol)


def block_macs(space: BlockSpace, spec: BlockSpec) -> int:
    """Multiply-adds of one block (torch flop counter on the meta device, so nothing is computed)."""
    with torch.device("meta"):
        block = space.make_block(spec).eval()
    inputs = [t.to("meta") for t in spec.inputs()]
    with FlopCounterMode(display=False) as counter, torch.no_grad(), fixed_threads(1):
        block(*inputs)
    return int(counter.get_total_flops() // 2)
