"""Building one generation's candidates (SasWOT, Alg. 1 lines 6–13) from the engine's rng only.

Mutations and crossovers of parents drawn uniformly from the top-k, then random samples until the
pool holds ``size`` new individuals. A candidate whose key was already evaluated in this run, or
already proposed in this generation, is a duplicate: counted, never evaluated twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from zeroseg.evolution.problem import Problem


@dataclass
class Pool:
    """New, unique candidates in proposal order, plus how many duplicates were thrown away."""

    keys: list[str] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    duplicates: int = 0

    def offer(self, problem: Problem, x: Any, seen: Callable[[str], bool]) -> None:
        key = problem.key(x)
        if seen(key) or key in self.keys:
            self.duplicates += 1
        else:
            self.keys.append(key)
            self.items.append(x)


def propose(
    problem: Problem,
    rng: np.random.Generator,
    parents: Sequence[Any],
    size: int,
    seen: Callable[[str], bool],
    mutation_share: float,
    crossover_share: float,
    max_attempts: int,
) -> Pool:
    """Up to ``size`` new candidates: offspring of ``parents`` (if any), then random fill.

    Every draw comes from ``rng`` in a fixed order, so the pool depends only on the rng state,
    the parents and the memo. ``max_attempts`` bounds the total number of draws (a small or
    nearly exhausted space yields a short pool instead of looping forever).
    """
    pool, attempts = Pool(), 0
    if parents:
        n_mut = int(round(size * mutation_share))
        n_cx = int(round(size * crossover_share)) if len(parents) > 1 else 0
        for _ in range(n_mut):
            if len(pool.keys) >= size:
                break
            parent = parents[int(rng.integers(len(parents)))]
            pool.offer(problem, problem.mutate(parent, rng), seen)
            attempts += 1
        for _ in range(n_cx):
            if len(pool.keys) >= size:
                break
            i, j = rng.choice(len(parents), size=2, replace=False)
            pool.offer(problem, problem.crossover(parents[int(i)], parents[int(j)], rng), seen)
            attempts += 1
    while len(pool.keys) < size and attempts < max_attempts:
        pool.offer(problem, problem.sample(rng), seen)
        attempts += 1
    return pool
