"""The problem protocol the evolution engine drives (DESIGN.md: one engine, two problems).

The engine owns population, greedy top-k selection, restarts, dedup, checkpointing and the
executor; a problem knows only its individuals. Proxy discovery (individuals = DSL graphs) and
segmenter search (individuals = genotypes of a space) both implement this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Protocol, Sequence, TypeVar

import numpy as np

X = TypeVar("X")


@dataclass(frozen=True)
class Fitness:
    """The outcome of evaluating one individual: values (higher is better) or a reason it is invalid."""

    values: tuple[float, ...] = ()
    invalid: str | None = None  # e.g. "nan: slogdet of a singular matrix", "violates max_flops"
    info: dict[str, Any] | None = None  # extra columns for the result table (costs, latency …)

    @property
    def ok(self) -> bool:
        return self.invalid is None

    @staticmethod
    def reject(reason: str) -> "Fitness":
        return Fitness(invalid=reason)


class Problem(Protocol, Generic[X]):
    """What the engine needs from a problem. ``rng`` is a ``numpy.random.Generator``.

    Variation (``sample``/``mutate``/``crossover``) must draw only from ``rng``; ``evaluate`` must
    draw from it never (it may run in other processes), and must depend only on its individuals.
    Optional: ``spec() -> executors.ProblemSpec`` (factory + JSON-able config) lets parallel
    executors rebuild the problem once per worker instead of pickling it with every chunk.
    """

    def sample(self, rng: np.random.Generator) -> X: ...

    def mutate(self, x: X, rng: np.random.Generator) -> X: ...

    def crossover(self, a: X, b: X, rng: np.random.Generator) -> X: ...

    def key(self, x: X) -> str:
        """Canonical hash: equal keys mean the same individual (dedup and caching)."""
        ...

    def encode(self, x: X) -> str:
        """Text form for checkpoints and reports (JSON-safe, no pickle)."""
        ...

    def decode(self, text: str) -> X: ...

    def evaluate(self, batch: Sequence[X]) -> list[Fitness]:
        """Evaluate many individuals at once (lets a problem share work across them)."""
        ...
