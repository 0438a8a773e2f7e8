"""Per-layer statistics of a freshly initialised network (see ``types`` for the contract)."""

from zeroseg.stats.types import LayerStats, NetStats

__all__ = ["LayerStats", "NetStats"]
