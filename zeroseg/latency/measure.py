"""Latency measurement protocol shared by the lookup table, the MLP's training data and the bench.

Protocol (FasterSeg ``latency/`` and GAS §3.3 measure the same way): eval mode, no autograd,
a fixed thread count, ``warmup`` untimed runs, then ``repeats`` timed runs, with a device
synchronisation around every timed run on CUDA; this is done ``rounds`` times and the median of
all ``rounds × repeats`` timed runs is kept. Batch 1, fp32.

Clock: wall time (``perf_counter``) on CUDA or with several CPU threads; with one CPU thread the
default ``clock="auto"`` uses the CPU time of the calling thread (which runs all compute when
torch has one intra-op thread). It equals wall time on an idle core but stays stable when other
processes share the CPU (on this 2-core machine shared by 8 jobs, wall time of a 250 ms network
read 1.5–1.8 s while its CPU time read 242–264 ms). Process CPU time is not used: idle OpenMP
workers left spinning by earlier multi-threaded work would be counted.

Rounds and pools: even CPU time drifts with the machine's load (shared caches and memory
bandwidth): the same attnas network read 140 ms, 177 ms and 231 ms within one hour. A latency
model is a sum of blocks measured at one time, fitted to networks measured at another, so drift
between the two is model error. ``measure_rounds`` therefore times many modules round-robin, in a
shuffled order, each module's rounds spread over the whole session, so blocks and networks measured
together see the same load.
Freed activation buffers are kept in the process while timing (``keep_memory``, see
``zeroseg.heap``): re-faulting them each forward was a third of the CPU time and most of
the load-dependent noise.
"""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from zeroseg.heap import kept_memory
from zeroseg.latency.spec import BlockSpace, BlockSpec
from zeroseg.progress import progress as show_progress


@dataclass(frozen=True)
class Protocol:
    """How to time one module: warm-up runs, timed repeats (median kept), CPU threads."""

    warmup: int = 2
    repeats: int = 5
    threads: int = 1
    clock: str = "auto"  # "wall", "cpu" (thread CPU time) or "auto" (cpu for 1 CPU thread, else wall)
    rounds: int = 1  # warm-up + repeats this many times; in a pool, rounds are interleaved across modules
    keep_memory: bool = True  # steady-state allocator while timing (``zeroseg.heap``)

    def __post_init__(self) -> None:
        if (self.warmup < 0 or self.repeats < 1 or self.threads < 1 or self.rounds < 1
                or self.clock not in ("auto", "wall", "cpu")):
            raise ValueError(f"latency protocol needs warmup ≥ 0, repeats ≥ 1, threads ≥ 1, rounds ≥ 1, "
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


Item = tuple[nn.Module, list[torch.Tensor]]


def _round(item: Item, device: torch.device, protocol: Protocol, clock: Callable[[], float]) -> list[float]:
    """One round on a ready module: ``warmup`` untimed runs then ``repeats`` timed ones (ms)."""
    module, inputs = item
    times = []
    for i in range(protocol.warmup + protocol.repeats):
        _sync(device)
        t0 = clock()
        module(*inputs)
        _sync(device)
        if i >= protocol.warmup:
            times.append((clock() - t0) * 1e3)
    return times


def _ready(item: Item, device: torch.device) -> Item:
    return item[0].to(device).eval(), [t.to(device) for t in item[1]]


def measure_ms(module: nn.Module, inputs: list[torch.Tensor], device: torch.device | str,
               protocol: Protocol = Protocol()) -> float:
    """Median time in milliseconds of ``module(*inputs)`` on ``device`` over all rounds' timed runs."""
    device = torch.device(device)
    item, clock = _ready((module, inputs), device), protocol.timer(device)
    with fixed_threads(protocol.threads), kept_memory(protocol.keep_memory), torch.inference_mode():
        times = [t for _ in range(protocol.rounds) for t in _round(item, device, protocol, clock)]
    return float(statistics.median(times))


def pool_times(items: dict[str, Item], device: torch.device | str, protocol: Protocol = Protocol(),
               seed: int = 0) -> dict[str, list[float]]:
    """Timed runs (ms) of every item, its rounds interleaved with the other items' (shuffled per round).

    Items measured in one pool share the machine's load, so their ratios are free of load drift.
    """
    device = torch.device(device)
    ready, clock = {k: _ready(v, device) for k, v in items.items()}, protocol.timer(device)
    keys, rng = list(ready), np.random.default_rng(seed)
    times: dict[str, list[float]] = {k: [] for k in keys}
    with fixed_threads(protocol.threads), kept_memory(protocol.keep_memory), torch.inference_mode():
        for _ in range(protocol.rounds):
            for i in rng.permutation(len(keys)):
                times[keys[i]] += _round(ready[keys[i]], device, protocol, clock)
    return times


def measure_rounds(keys: list[str], make: Callable[[str], Item], device: torch.device | str, protocol: Protocol,
                   pending: dict[str, list[float]], on_chunk: Callable[[dict[str, float]], None], chunk: int = 32,
                   seed: int = 0, desc: str = "", progress: bool = True) -> None:
    """Median time (ms) of each key's module (built by ``make``), measured round-major.

    Each of ``protocol.rounds`` rounds visits every shuffled chunk of ``keys`` once (one interleaved
    ``pool_times`` round), so every item's runs spread over the whole session and see the same mix of
    machine load. ``pending`` holds timings of unfinished items (save it to resume: items keep the runs
    they have); ``on_chunk`` gets the items each chunk finished, with their medians.
    """
    order = [keys[int(i)] for i in np.random.default_rng(seed).permutation(len(keys))]
    chunks, need = [order[i:i + chunk] for i in range(0, len(order), chunk)], protocol.rounds * protocol.repeats
    one = Protocol(protocol.warmup, protocol.repeats, protocol.threads, protocol.clock, 1, protocol.keep_memory)
    left = sum(protocol.rounds - len(pending.get(k, ())) // protocol.repeats for k in keys)
    with show_progress(total=left, desc=desc, enabled=progress) as bar:
        for r in range(protocol.rounds):
            for c, part in enumerate(chunks):
                # finished items have left ``pending``; the rest get their (r+1)-th round unless resumed past it
                part = [k for k in part
                        if (k in pending or r == 0) and len(pending.get(k, ())) < (r + 1) * protocol.repeats]
                if not part:
                    continue
                for k, v in pool_times({k: make(k) for k in part}, device, one, seed + r * len(chunks) + c).items():
                    pending.setdefault(k, []).extend(v)
                on_chunk({k: float(statistics.median(pending.pop(k))) for k in part if len(pending[k]) >= need})
                bar.update(len(part))


def network_input(input_size: tuple[int, int]) -> torch.Tensor:
    """The seeded image (batch 1, RGB) every whole-network measurement uses."""
    return torch.randn(1, 3, *input_size, generator=torch.Generator().manual_seed(0))


def measure_network(net: nn.Module, input_size: tuple[int, int], device: torch.device | str,
                    protocol: Protocol = Protocol()) -> float:
    """Latency (ms) of a whole network on one image of ``input_size`` (the ground truth)."""
    return measure_ms(net, [network_input(input_size)], device, protocol)


def block_macs(space: BlockSpace, spec: BlockSpec) -> int:
    """Multiply-adds of one block (torch flop counter on the meta device, so nothing is computed)."""
    with torch.device("meta"):
        block = space.make_block(spec).eval()
    inputs = [t.to("meta") for t in spec.inputs()]
    with FlopCounterMode(display=False) as counter, torch.no_grad(), fixed_threads(1):
        block(*inputs)
    return int(counter.get_total_flops() // 2)
