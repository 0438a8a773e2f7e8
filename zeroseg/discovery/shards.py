"""Discovery on a cluster, split by arch: statistics sharded and resident, candidates broadcast (issue 15).

Split by candidate (the executors' default), every worker loads the statistics of every arch, which
cannot scale. Here the fitness archs are cut into ``shards`` contiguous shards; shard k is scored by
a ``ShardScorer`` that a worker builds once per run (from its JSON spec, cached per process) and keeps
with its statistics in RAM; ``executor.evaluate_each`` pins shard k to worker k mod W (Dask). Each
generation the driver sends every shard the candidates' texts, gathers the per-arch scores and failure
reasons, and computes the τ fitness itself (``fitness.first_failures`` + ``tau_fitnesses``), so the
result equals the serial one bit for bit (a pooled score does not depend on the pool it is in).

    sharded = ShardedDiscovery(ProxyDiscovery(...), DaskExecutor("tcp://host:8786"), shards=64)
    evolve(sharded, config, executor=SerialExecutor())   # the engine evaluates on the driver
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any, Sequence

import numpy as np

from zeroseg.discovery.fitness import arch_scores, first_failures, tau_fitnesses
from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.statstore import StatsSettings, memory_stats
from zeroseg.dsl import ProxyGraph, parse
from zeroseg.evolution.executors import Executor, ProblemSpec, split
from zeroseg.evolution.problem import Fitness

_BUILT: list[tuple[str, ...]] = []  # the shards this process has built (a residency check for tests/benches)


class ShardScorer:
    """Worker side: the scores of candidates on one shard of archs; one "Fitness" per candidate carries
    the shard's scores (``values``, NaN where it failed) and its failures (``info["fails"]``: {arch position: reason})."""

    def __init__(self, stats: dict[str, Any], codes: Sequence[str], device: str | None = None):
        self.settings, self.codes, self.device = StatsSettings(**stats), tuple(codes), device
        self.stats = memory_stats(self.settings, self.codes)  # loaded once per process and run
        _BUILT.append(self.codes)

    def decode(self, text: str) -> ProxyGraph:
        return parse(text)

    def evaluate(self, batch: Sequence[ProxyGraph]) -> list[Fitness]:
        t0 = time.perf_counter()
        scores, fails = arch_scores(batch, self.codes, self.stats, self.device)
        out = [Fitness(tuple(row.tolist()), info={"fails": {j: w for j, w in enumerate(f) if w is not None}})
               for row, f in zip(scores, fails)]
        if out:  # the shard's compute time, for the cost model (benches/bench_shards.py)
            out[0] = Fitness(out[0].values, info={**out[0].info, "seconds": time.perf_counter() - t0})
        return out


def built_shards() -> list[tuple[str, ...]]:
    """The shards built in this process (``client.run(built_shards)`` shows where each one lives)."""
    return list(_BUILT)


class ShardedDiscovery:
    """``problem`` with its fitness evaluated shard by shard through ``executor`` (the engine's own executor
    should then be serial: the parallelism is across shards). Variation, keys and text are ``problem``'s."""

    def __init__(self, problem: ProxyDiscovery, executor: Executor, shards: int):
        if shards < 1:
            raise ValueError(f"shards must be >= 1, got {shards}")
        self.problem, self.executor = problem, executor
        codes = list(problem.fitness_codes)
        self.shard_codes = split(codes, shards)
        self.refs = [ProblemSpec("zeroseg.discovery.shards:ShardScorer",
                                 {"stats": asdict(problem.settings), "codes": c, "device": problem.config["device"]}
                                 ).to_json() for c in self.shard_codes]
        self.last: dict[str, Any] = {}  # timings of the last generation (benches)

    def __getattr__(self, name: str) -> Any:  # sample, mutate, crossover, key, encode, decode, plan, spec …
        return getattr(self.problem, name)

    def evaluate(self, batch: Sequence[ProxyGraph]) -> list[Fitness]:
        """Broadcast the candidates to every shard, gather per-arch scores, τ on the driver."""
        if not batch:
            return []
        p = self.problem
        texts = [p.encode(x) for x in batch]
        t0 = time.perf_counter()
        parts = self.executor.evaluate_each(self.refs, [texts] * len(self.refs))
        t1 = time.perf_counter()
        scores = np.concatenate([np.array([f.values for f in part]) for part in parts], axis=1)
        fails: list[list[str | None]] = [[None] * scores.shape[1] for _ in batch]
        lo = 0
        for codes, part in zip(self.shard_codes, parts):
            for i, f in enumerate(part):
                for j, w in f.info["fails"].items():
                    fails[i][lo + j] = w
            lo += len(codes)
        failed = first_failures(scores, fails, p.fitness_codes)
        out = tau_fitnesses(scores, failed, p.fitness_acc, p.fitness_samples, p.partner_scores,
                            p.config["partner_weights"])
        self.last = {"map_s": t1 - t0, "driver_s": time.perf_counter() - t1,
                     "shard_compute_s": [part[0].info["seconds"] for part in parts]}
        return out
