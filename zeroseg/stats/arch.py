"""Statistics of one TNB101 architecture on the shipped batch, through the cache when given one.

This is the unit of work of proxy discovery: build the net under ``seed`` (bench initialisation),
load the real batch, ``collect`` under the same ``seed``, store under ``cache_key``.
``through_cache`` is that last step for any network (the proxy core's ``Context`` uses it too).
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from zeroseg import transnas
from zeroseg.stats import sketch
from zeroseg.stats.batch import batch_id, load_batch
from zeroseg.stats.cache import StatsCache, cache_key
from zeroseg.stats.collect import collect
from zeroseg.stats.types import NetStats


def seeded(factory: Callable[[], torch.nn.Module], seed: int) -> torch.nn.Module:
    """``factory()`` with weights drawn under ``seed`` on CPU (global RNG left untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return factory()


def build_seeded(net_code: str, seed: int) -> torch.nn.Module:
    """``transnas.build(net_code)`` with weights drawn under ``seed`` (global RNG left untouched)."""
    return seeded(lambda: transnas.build(net_code), seed)


def through_cache(compute: Callable[[], NetStats], cache: StatsCache | None, space: str, arch: str,
                  resolution: int | tuple[int, int], batch: str, **settings: Any) -> NetStats:
    """``compute()``, or its value stored in ``cache`` under ``cache_key(space, arch, …)``."""
    if cache is None:
        return compute()
    return cache.get_or_compute(cache_key(space, arch, resolution, batch, **settings), compute)


def arch_stats(
    net_code: str,
    *,
    resolution: int | tuple[int, int] = 256,
    batch_size: int = 8,
    seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.bfloat16,
    max_rows: int | None = sketch.DEFAULT_MAX_ROWS,
    max_units: int | None = sketch.DEFAULT_MAX_UNITS,
    input_jacobian: bool = False,
    cache: StatsCache | None = None,
) -> NetStats:
    """NetStats of the TNB101 net ``net_code`` (meta gains ``space`` and ``net_code``)."""
    space = transnas.space_of(net_code)
    settings = dict(seed=seed, dtype=dtype, max_rows=max_rows, max_units=max_units, input_jacobian=input_jacobian)

    def compute() -> NetStats:
        images, labels = load_batch(resolution, batch_size, num_classes=transnas.NUM_CLASSES)
        stats = collect(build_seeded(net_code, seed), images, labels, device=device, **settings)
        stats.meta.update(space=space, net_code=net_code, batch_id=batch_id(batch_size))
        return stats

    return through_cache(compute, cache, space, net_code, resolution, batch_id(batch_size), **settings)
