"""A candidate's latency for constraints and objectives: predicted by a latency model, or measured.

Predicted: ``zeroseg.latency`` (``zeroseg latency build``), the MLP's calibrated sum over blocks
(RTSeg Eq. 9; it generalises to blocks the lookup table never measured). Measured: the median of
timed batch-1 forwards under ``zeroseg.latency.measure.Protocol`` (noisy: a resumed run re-measures
the interrupted generation).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import torch

from zeroseg.latency.build import LatencyModels
from zeroseg.latency.measure import measure_network


class LatencySource:
    """``model`` (a latency file) or ``measure``; exactly one of them."""

    def __init__(self, space: str, input_size: tuple[int, int], num_classes: int, model: str | None = None,
                 measure: bool = False, device: str = "cpu", seed: int = 0):
        if (model is None) == (not measure):
            raise ValueError("latency needs either a latency model file (--latency-model) or --measure-latency")
        self.space_name, self.input_size, self.num_classes = space, tuple(input_size), num_classes
        self.model_path, self.measure, self.device, self.seed = model, measure, device, seed

    @cached_property
    def models(self) -> Any:
        m = LatencyModels(self.model_path)
        if m.data.meta["space"] != self.space_name:
            raise ValueError(f"latency model {self.model_path} is for space {m.data.meta['space']!r}, "
                             f"not {self.space_name!r}")
        return m

    @property
    def kind(self) -> str:
        return "measured" if self.measure else "mlp"

    def __call__(self, space: Any, g: Any) -> float:
        """Latency (ms) of ``g``'s network at batch 1 and the search's input size."""
        if not self.measure:
            return float(self.models.predict(g, self.input_size)["mlp_ms"])
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            net = space.build(g, self.num_classes)
        return measure_network(net, self.input_size, self.device)
