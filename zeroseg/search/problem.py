"""Segmenter search as an evolution ``Problem`` (SasWOT's search, papers/saswot.md §Evolution; the
engine is ``zeroseg.evolution``, shared with proxy discovery).

Individuals are genotypes of a registered space: ``sample``/``mutate``/``crossover``/``encode``
come from the space, ``key`` is the canonical encoding. ``evaluate`` checks hard constraints first
(FLOPs/params from the meta-device cost, then latency) and only then builds and scores the network.
Objectives (all maximised by the engine): ``score`` (minus ``β·log latency_ms`` with a latency penalty,
GAS §3.3), then optional ``latency``/``flops``/``params`` as negated magnitudes for NSGA-II.
The problem is JSON-described (``spec``), so Dask/joblib workers rebuild it once per process.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Sequence

import numpy as np
import torch

from zeroseg.evolution.executors import ProblemSpec
from zeroseg.evolution.problem import Fitness
from zeroseg.scorers import ScoringSetup, create_scorer
from zeroseg.scorers.constraints import Constraints
from zeroseg.search.latency import LatencySource
from zeroseg.spaces import create_space
from zeroseg.spaces.cost_cache import CostCache

OBJECTIVES = {"score": "score", "latency": "latency_ms", "flops": "flops", "params": "params"}
_SCALE = {"latency": 1.0, "flops": 1e-9, "params": 1e-6}  # objective units: ms, GFLOPs, M params


class SegmenterProblem:
    """Genotypes of ``setup["space"]`` scored by ``scorer`` under ``constraints``."""

    def __init__(self, setup: dict[str, Any], scorer: str = "proxy", scorer_options: dict[str, Any] | None = None,
                 constraints: dict[str, Any] | None = None, objectives: Sequence[str] = ("score",),
                 latency_penalty: float = 0.0, latency_model: str | None = None, measure_latency: bool = False,
                 threads: int | None = None):
        self.setup = ScoringSetup(**{**setup, "input_size": tuple(setup["input_size"])})
        self.constraints = Constraints(**(constraints or {}))
        objectives = tuple(objectives)
        if not objectives or objectives[0] != "score" or any(o not in OBJECTIVES for o in objectives):
            raise ValueError(f"objectives must start with 'score' and use {sorted(OBJECTIVES)}, got {objectives}")
        if latency_penalty < 0:
            raise ValueError(f"latency_penalty must be >= 0, got {latency_penalty}")
        self.objectives, self.latency_penalty, self.threads = objectives, float(latency_penalty), threads
        self.scorer = create_scorer(scorer, self.setup, **(scorer_options or {}))
        self.scorer_name = scorer
        self.needs_latency = self.constraints.needs_latency or "latency" in objectives or latency_penalty > 0
        self.latency = (LatencySource(self.setup.space, self.setup.input_size, self.setup.num_classes,
                                      latency_model, measure_latency, self.setup.device, self.setup.seed)
                        if self.needs_latency or latency_model or measure_latency else None)
        self.needs_cost = self.constraints.needs_cost or bool({"flops", "params"} & set(objectives))
        self._config = dict(setup=self.setup.to_dict(), scorer=scorer, constraints=self.constraints.to_dict(),
                            objectives=list(objectives), latency_penalty=self.latency_penalty,
                            latency_model=latency_model, measure_latency=measure_latency, threads=threads)

    def spec(self) -> ProblemSpec:
        """Rebuild recipe for workers (scorer options include the calibration, e.g. AVT bounds)."""
        return ProblemSpec("zeroseg.search.problem:SegmenterProblem",
                           {**self._config, "scorer_options": self.scorer.options()})

    @cached_property
    def space(self):
        return create_space(self.setup.space)

    # --- variation and identity: the space's own operators -----------------------------------
    def sample(self, rng: np.random.Generator) -> Any:
        return self.space.sample(rng)

    def mutate(self, x: Any, rng: np.random.Generator) -> Any:
        return self.space.mutate(x, rng)

    def crossover(self, a: Any, b: Any, rng: np.random.Generator) -> Any:
        return self.space.crossover(a, b, rng)

    def key(self, x: Any) -> str:
        return self.space.encode(self.space.canonical(x))

    def encode(self, x: Any) -> str:
        return self.space.encode(x)

    def decode(self, text: str) -> Any:
        return self.space.decode(text)

    # --- fitness ---------------------------------------------------------------------------------
    @cached_property
    def costs(self) -> CostCache:
        """Costs computed by earlier searches of this setup (the user's cache; the report saves new ones)."""
        return CostCache(self.setup.space, self.setup.input_size, self.setup.num_classes)

    def cost_info(self, g: Any) -> dict[str, Any]:
        """Params, FLOPs (2×MACs) and activation MiB at batch 1 and the search's input size (cached)."""
        return self.costs.get(self.encode(g), lambda: self._measure_cost(g))

    def _measure_cost(self, g: Any) -> dict[str, Any]:
        c = self.space.cost(g, self.setup.input_size, self.setup.num_classes)
        return {"params": c.params, "flops": c.flops, "act_mb": round(c.act_mb, 3)}

    def evaluate_one(self, g: Any) -> Fitness:
        """Constraints (cheapest first), then the scorer; every measured number goes to ``info``."""
        info: dict[str, Any] = {}
        if self.needs_cost:
            info.update(self.cost_info(g))
            reason = self.constraints.cost_violation(info["flops"], info["params"])
            if reason:
                return Fitness(invalid=reason, info=info)
        if self.latency is not None:
            info["latency_ms"] = self.latency(self.space, g)
            reason = self.constraints.latency_violation(info["latency_ms"])
            if reason:
                return Fitness(invalid=reason, info=info)
        result = self.scorer.score(g)
        info.update(result.info)
        if not result.ok:
            return Fitness(invalid=result.invalid, info=info)
        info["score"] = result.value
        return Fitness(self.values(result.value, info), info=info)

    def values(self, score: float, info: dict[str, Any]) -> tuple[float, ...]:
        """Objective vector: penalised score first, then negated latency/FLOPs/params."""
        first = score - self.latency_penalty * math.log(info["latency_ms"]) if self.latency_penalty else score
        return (first,) + tuple(-info[OBJECTIVES[o]] * _SCALE[o] for o in self.objectives[1:])

    def evaluate(self, batch: Sequence[Any]) -> list[Fitness]:
        if self.threads:
            torch.set_num_threads(self.threads)
        return [self.evaluate_one(g) for g in batch]
