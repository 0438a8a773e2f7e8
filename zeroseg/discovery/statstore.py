"""Statistics of the archs a discovery run uses: collected once into the cache, held in memory per process.

``precompute`` fills the on-disk ``zeroseg.stats`` cache for every arch, in parallel over archs
through an evolution executor (the collection of one arch is the unit of work). ``StatsSettings``
is the JSON-able description of how statistics are made (resolution, batch, seed, sketch); a worker
builds its in-memory ``{net_code: NetStats}`` once from the cache (``memory_stats``, cached per
process), so a generation loads each arch's statistics from RAM, never from disk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Sequence

import torch

from zeroseg import transnas
from zeroseg.evolution.executors import Executor, ProblemSpec, SerialExecutor
from zeroseg.evolution.problem import Fitness
from zeroseg.stats import DEFAULT_MAX_ROWS, DEFAULT_MAX_UNITS, NetStats, StatsCache
from zeroseg.stats.arch import arch_stats
from zeroseg.stats.batch import batch_id
from zeroseg.stats.cache import cache_key


@dataclass(frozen=True)
class StatsSettings:
    """How the statistics are collected; ``cache_dir`` is where they are kept."""

    cache_dir: str
    resolution: int = 64
    batch_size: int = 8
    seed: int = 0
    dtype: str = "bfloat16"
    max_rows: int | None = DEFAULT_MAX_ROWS
    max_units: int | None = DEFAULT_MAX_UNITS
    input_jacobian: bool = False

    def load(self, net_code: str) -> NetStats:
        """From the cache, collecting (and caching) on a miss."""
        torch.set_num_threads(1)  # parallelism is across archs (executor), not inside one
        return arch_stats(net_code, resolution=self.resolution, batch_size=self.batch_size, seed=self.seed,
                          dtype=getattr(torch, self.dtype), max_rows=self.max_rows, max_units=self.max_units,
                          input_jacobian=self.input_jacobian, cache=StatsCache(self.cache_dir))

    def cached(self, net_code: str) -> bool:
        """Is the entry of ``net_code`` on disk? (a cheap check: no read, no decompression)"""
        key = cache_key(transnas.space_of(net_code), net_code, self.resolution, batch_id(self.batch_size), self.seed,
                        self.dtype, max_rows=self.max_rows, max_units=self.max_units,
                        input_jacobian=self.input_jacobian)
        return StatsCache(self.cache_dir).path(key).exists()


class CollectStats:
    """A tiny evolution ``Problem``-shaped job: 'evaluating' a net_code collects its statistics.

    Reusing the executors (serial / joblib / Dask, with Dask retries) for precomputation keeps one
    parallel path in the code base; the fitness carries the entry's size. Small chunks
    (``chunk_hint``) keep workers busy when archs take uneven times.
    """

    chunk_hint = 2

    def __init__(self, **settings):
        self.settings = StatsSettings(**settings)

    def spec(self) -> ProblemSpec:
        return ProblemSpec("zeroseg.discovery.statstore:CollectStats", asdict(self.settings))

    def encode(self, code: str) -> str:
        return code

    def decode(self, text: str) -> str:
        return text

    def evaluate(self, batch: Sequence[str]) -> list[Fitness]:
        out = []
        for code in batch:
            try:
                stats = self.settings.load(code)
            except (RuntimeError, ValueError) as e:  # an arch that cannot be built or run
                out.append(Fitness.reject(f"stats of {code}: {e}"))
                continue
            out.append(Fitness((float(stats.nbytes),)))
        return out


def precompute(settings: StatsSettings, codes: Sequence[str], executor: Executor | None = None) -> dict[str, str]:
    """Collect missing statistics of ``codes`` into the cache (entries already there are not read);
    returns ``{net_code: error}`` for failures."""
    missing = [code for code in dict.fromkeys(codes) if not settings.cached(code)]
    fits = (executor or SerialExecutor()).evaluate(CollectStats(**asdict(settings)), missing) if missing else []
    return {code: f.invalid for code, f in zip(missing, fits) if not f.ok}


@lru_cache(maxsize=2)
def memory_stats(settings: StatsSettings, codes: tuple[str, ...]) -> dict[str, NetStats]:
    """``{net_code: NetStats}`` held in RAM, built once per process and settings."""
    return {code: settings.load(code) for code in codes}
