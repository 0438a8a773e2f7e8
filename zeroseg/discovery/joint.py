"""One proxy for several TNB101 spaces at once: fitness is the lowest of its per-space train τ.

SasWOT (papers/saswot.md, Table 3) reports one searched proxy for both the micro and the macro
space; a proxy exists to be carried where there are no labels, so a search may ask for one that
ranks every space's train archs. ``JointDiscovery`` is an evolution ``Problem`` made of one
``ProxyDiscovery`` per space: variation, keys and text are the spaces' common DSL (delegated to the
first space), and a candidate's fitness is min over spaces of its mean train τ; a candidate that
fails on any space is rejected with that space's reason. Its config is the per-space configs, so
joblib/Dask workers rebuild it like any problem.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.dsl import ProxyGraph
from zeroseg.evolution.executors import ProblemSpec
from zeroseg.evolution.problem import Fitness


def lowest(per_space: Mapping[str, Fitness]) -> Fitness:
    """The joint fitness of one candidate: the lowest per-space value, or the first space's rejection."""
    for space, fit in per_space.items():
        if not fit.ok:
            return Fitness.reject(f"{space}: {fit.invalid}")
    return Fitness((float(np.min([f.values[0] for f in per_space.values()])),))


class JointDiscovery:
    """Search one DSL proxy whose worst per-space train τ is highest (``spaces``: space → the kwargs
    of its ``ProxyDiscovery``, e.g. ``ProxyDiscovery.config``)."""

    def __init__(self, spaces: Mapping[str, Mapping[str, Any]]):
        if len(spaces) < 2:
            raise ValueError(f"a joint search needs at least two spaces, got {sorted(spaces)}")
        self.parts = {name: ProxyDiscovery(**dict(cfg)) for name, cfg in sorted(spaces.items())}
        self.config = {"spaces": {name: p.config for name, p in self.parts.items()}}
        self._lead = next(iter(self.parts.values()))

    def spec(self) -> ProblemSpec:
        return ProblemSpec("zeroseg.discovery.joint:JointDiscovery", self.config)

    # --- variation, identity and text: the spaces share one DSL --------------------------------
    def sample(self, rng: np.random.Generator) -> ProxyGraph:
        return self._lead.sample(rng)

    def mutate(self, x: ProxyGraph, rng: np.random.Generator) -> ProxyGraph:
        return self._lead.mutate(x, rng)

    def crossover(self, a: ProxyGraph, b: ProxyGraph, rng: np.random.Generator) -> ProxyGraph:
        return self._lead.crossover(a, b, rng)

    def key(self, x: ProxyGraph) -> str:
        return self._lead.key(x)

    def encode(self, x: ProxyGraph) -> str:
        return self._lead.encode(x)

    def decode(self, text: str) -> ProxyGraph:
        return self._lead.decode(text)

    # --- fitness -------------------------------------------------------------------------------
    def evaluate(self, batch: Sequence[ProxyGraph]) -> list[Fitness]:
        """Each candidate's lowest per-space mean train τ (every space scores the whole batch)."""
        if not batch:
            return []
        per_space = {name: part.evaluate(batch) for name, part in self.parts.items()}
        return [lowest({name: fits[i] for name, fits in per_space.items()}) for i in range(len(batch))]
