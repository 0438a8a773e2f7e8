"""Top-k selection: greedy on the first objective (SasWOT, Alg. 1 GetTopk) or NSGA-II (Deb 2002).

Entries are ``(key, Fitness)`` pairs of valid individuals. Ties are broken by key so that the
selection never depends on arrival order (the same seed gives the same run on any executor).
"""

from __future__ import annotations

from typing import Sequence

from deap import base, tools

from zeroseg.evolution.problem import Fitness

Entry = tuple[str, Fitness]


def _greedy(entries: Sequence[Entry], k: int) -> list[Entry]:
    return sorted(entries, key=lambda e: (-e[1].values[0], e[0]))[:k]


class _Wrapped:
    """The shape DEAP's NSGA-II expects: an object with a ``fitness`` (maximised, all weights +1)."""

    def __init__(self, entry: Entry, fitness_cls: type):
        self.entry = entry
        self.fitness = fitness_cls(entry[1].values)


def _wrap(entries: Sequence[Entry]) -> list[_Wrapped]:
    n_obj = len(entries[0][1].values)
    fitness_cls = type("MaxFitness", (base.Fitness,), {"weights": (1.0,) * n_obj})
    return [_Wrapped(e, fitness_cls) for e in sorted(entries, key=lambda e: e[0])]


def _nsga2(entries: Sequence[Entry], k: int) -> list[Entry]:
    return [w.entry for w in tools.selNSGA2(_wrap(entries), k)]


def select_top(entries: Sequence[Entry], k: int, multiobjective: bool = False) -> list[Entry]:
    """The ``k`` best entries: by first objective, or by NSGA-II rank and crowding distance."""
    if not entries or k <= 0:
        return []
    return _nsga2(entries, k) if multiobjective else _greedy(entries, k)


def pareto_front(entries: Sequence[Entry]) -> list[Entry]:
    """The non-dominated entries (all objectives maximised), sorted by key."""
    if not entries:
        return []
    front = tools.sortNondominated(_wrap(entries), len(entries), first_front_only=True)[0]
    return sorted((w.entry for w in front), key=lambda e: e[0])


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """``a`` is at least as good everywhere and strictly better somewhere (maximisation)."""
    return all(x >= y for x, y in zip(a, b)) and any(x > y for x, y in zip(a, b))
