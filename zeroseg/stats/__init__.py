"""Per-layer statistics of a freshly initialised network (see ``types`` for the contract).

``collect`` runs one forward + backward on ``load_batch``'s real CamVid batch; ``StatsCache``
keeps the results on disk under ``cache_key``. Sketch sizes: ``sketch``. For a TNB101 net,
``zeroseg.stats.arch.arch_stats(net_code, …, cache=…)`` does build + batch + collect + cache (not
imported here: the TNB101 tables pull in pandas).
"""

from zeroseg.stats.batch import batch_id, load_batch
from zeroseg.stats.cache import StatsCache, cache_key
from zeroseg.stats.collect import collect
from zeroseg.stats.sketch import DEFAULT_MAX_ROWS, DEFAULT_MAX_UNITS
from zeroseg.stats.types import LayerStats, NetStats

__all__ = [
    "DEFAULT_MAX_ROWS",
    "DEFAULT_MAX_UNITS",
    "LayerStats",
    "NetStats",
    "StatsCache",
    "batch_id",
    "cache_key",
    "collect",
    "load_batch",
]
