"""Latency models of the search spaces: operator lookup table (GAS, FasterSeg) and RTSeg's MLP.

A space opts in by implementing ``blocks(g, input_size, num_classes)`` and ``make_block(spec)``
(``zeroseg.latency.spec.BlockSpace``); ``zeroseg latency build/predict`` then work for it.
"""

from zeroseg.latency.build import LatencyModels, build_models
from zeroseg.latency.measure import Protocol, measure_ms, measure_network
from zeroseg.latency.spec import BlockSpace, BlockSpec

__all__ = ["BlockSpace", "BlockSpec", "LatencyModels", "Protocol", "build_models", "measure_ms", "measure_network"]
