"""Proxy discovery as an evolution ``Problem`` (SasWOT, papers/saswot.md, Algorithm 1 and §Evolution).

Individuals are typed DSL ``ProxyGraph``s. ``sample`` draws a random well-typed graph (DEAP-style
half-and-half, from the engine's rng) from a mix: with probability ``layer_share`` it is an aggregate
``sum_layers``/``mean_layers`` of a random *layer-scalar* tree (uniform NS trees rarely read W/G/A,
while SasWOT's found proxy is such an aggregate), otherwise a uniform NS tree (which is where K_H
trees live); with probability ``seed_share`` it is one of ``seeds`` (the library's DSL baselines),
so the search starts from the known proxies (a seed already evaluated is a duplicate, never re-run).
``mutate`` applies DEAP's ``mutUniform`` (replace a subtree)
or ``mutNodeReplacement`` (change one primitive, same signature), with Python's ``random`` (DEAP's
source) seeded from the engine's rng for the call and restored afterwards; ``crossover`` is DEAP's
typed one-point crossover made process-independent (``one_point``). So one seed fixes the run.
``key`` is the DSL's canonical hash, so equivalent spellings are evaluated once. Fitness: mean
Kendall-τ over the run's fixed train samples (``archs.plan_archs``), scored arch-major on in-memory
statistics (``fitness``); with ``partner`` (a baseline, ``partners``) the τ of AVT(candidate) +
AVT(partner), SasWOT's Eq. 3 made the search target (with ``partner_weights``, the best of
w·AVT(candidate) + AVT(partner) over those w). ``extra_terminals`` names opt-in primitives (e.g. ``M``,
a layer's compute) that the generators and DEAP's operators may draw besides SasWOT's vocabulary.

The problem is described by a JSON-able config (``spec``), so Dask/joblib workers rebuild it once
and load the statistics from the shared cache once per process.
"""

from __future__ import annotations

import random
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict
from functools import cached_property, lru_cache, partial
from typing import Any, Iterator, Sequence

import numpy as np
from deap import gp

from zeroseg.discovery.archs import ArchPlan, Pool, plan_archs
from zeroseg.discovery.fitness import score_matrix, tau_fitnesses
from zeroseg.discovery.partners import partner_vector
from zeroseg.discovery.statstore import StatsSettings, memory_stats
from zeroseg.dsl import NS, ProxyGraph, S, from_deap, graph_key, make_pset, parse, random_graph, to_deap
from zeroseg.dsl.primitives import outside_vocabulary, vocabulary
from zeroseg.evolution.executors import ProblemSpec
from zeroseg.evolution.problem import Fitness


@lru_cache(maxsize=4)
def _pset(extra: tuple[str, ...] = ()):
    return make_pset(extra=extra)


@contextmanager
def deap_random(rng: np.random.Generator) -> Iterator[None]:
    """Seed Python's ``random`` (DEAP's source) from ``rng``; restore the caller's state afterwards."""
    saved = random.getstate()
    random.seed(int(rng.integers(2**63)))
    try:
        yield
    finally:
        random.setstate(saved)


def one_point(t1, t2, rng: np.random.Generator):
    """DEAP's typed ``cxOnePoint`` (first child: ``t1`` with a subtree replaced by one of ``t2`` of the
    same type, roots excluded), drawing from ``rng``. DEAP itself picks the type from a ``set`` of
    classes, whose order follows their ids and so changes from process to process; here the common
    types are sorted by name, so a seed gives the same child in every worker and after a resume."""
    if len(t1) < 2 or len(t2) < 2:
        return t1
    where1: dict[type, list[int]] = defaultdict(list)
    where2: dict[type, list[int]] = defaultdict(list)
    for i in range(1, len(t1)):
        where1[t1[i].ret].append(i)
    for i in range(1, len(t2)):
        where2[t2[i].ret].append(i)
    common = sorted(set(where1) & set(where2), key=lambda t: t.__name__)
    if not common:
        return t1
    kind = common[int(rng.integers(len(common)))]
    i1 = where1[kind][int(rng.integers(len(where1[kind])))]
    i2 = where2[kind][int(rng.integers(len(where2[kind])))]
    t1[t1.searchSubtree(i1)] = t2[t2.searchSubtree(i2)]
    return t1


def vocabulary_extra(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` sorted, after checking each is an opt-in primitive (else ValueError listing them)."""
    extra = tuple(sorted(names))
    vocabulary(extra)
    return extra


class ProxyDiscovery:
    """Search typed proxies whose scores rank ``space``'s train archs like their ``val_acc``."""

    def __init__(self, space: str, stats: dict[str, Any], samples: int = 50, repeats: int = 5,
                 archs: int | None = None, seed: int = 0, min_depth: int = 1, max_depth: int = 4,
                 max_height: int = 7, max_len: int = 32, device: str | None = None,
                 layer_share: float = 0.0, seed_share: float = 0.0, seeds: Sequence[str] = (),
                 partner: str | None = None, scores_csv: str | None = None,
                 partner_weights: Sequence[float] = (1.0,), extra_terminals: Sequence[str] = ()):
        if not (0 <= layer_share <= 1 and 0 <= seed_share <= 1):
            raise ValueError(f"layer_share and seed_share must lie in [0, 1], got {layer_share}, {seed_share}")
        self.settings = StatsSettings(**stats)
        self.seeds = [parse(t) for t in seeds]  # parse errors name the bad seed text
        self.config = dict(space=space, stats=asdict(self.settings), samples=samples, repeats=repeats,
                           archs=archs, seed=seed, min_depth=min_depth, max_depth=max_depth,
                           max_height=max_height, max_len=max_len, device=device,
                           layer_share=layer_share, seed_share=seed_share, seeds=list(seeds),
                           partner=partner, scores_csv=scores_csv, partner_weights=list(partner_weights),
                           extra_terminals=sorted(extra_terminals))
        if not partner_weights or not all(w > 0 for w in partner_weights):
            raise ValueError(f"partner_weights must be positive numbers, got {list(partner_weights)}")
        self.extra = vocabulary_extra(extra_terminals)  # an unknown name fails here, listing the opt-in ones
        for g in self.seeds:  # mutation maps every node onto the search's DEAP primitives
            if missing := outside_vocabulary([n.op for n in g.nodes], self.extra):
                raise ValueError(f"seed {g.text} uses {', '.join(missing)}, which this search does not draw; "
                                 f"name it in extra_terminals (--extra-terminals)")
        if partner is not None:
            self.partner_scores  # a bad partner name fails here, before any search

    def spec(self) -> ProblemSpec:
        return ProblemSpec("zeroseg.discovery.problem:ProxyDiscovery", self.config)

    @cached_property
    def plan(self) -> ArchPlan:
        c = self.config
        return plan_archs(c["space"], c["samples"], c["repeats"], c["archs"], c["seed"])

    @property
    def fitness_codes(self) -> tuple[str, ...]:
        """The train archs fitness reads (union of the samples), in a fixed order."""
        return tuple(self.plan.train.codes[i] for i in self.plan.used)

    @property
    def fitness_samples(self) -> list[list[int]]:
        """The train samples as positions into ``fitness_codes``."""
        position = {i: p for p, i in enumerate(self.plan.used)}
        return [[position[i] for i in s] for s in self.plan.samples]

    @cached_property
    def partner_scores(self) -> np.ndarray | None:
        """The ``partner`` baseline's scores of ``fitness_codes`` (None: candidates are scored alone)."""
        c = self.config
        return None if c["partner"] is None else partner_vector(c["space"], c["partner"], self.fitness_codes,
                                                                  c["scores_csv"], self.settings)

    @property
    def fitness_pool(self) -> Pool:
        """The train archs fitness reads, with their accuracy (what a report fits its found proxy on)."""
        return Pool(self.fitness_codes, tuple(self.plan.train.accuracy[i] for i in self.plan.used))

    @property
    def fitness_acc(self) -> np.ndarray:
        return self.plan.train.acc[list(self.plan.used)]

    # --- variation (engine rng only) ---------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> ProxyGraph:
        c = self.config
        if self.seeds and rng.random() < c["seed_share"]:
            return self.seeds[int(rng.integers(len(self.seeds)))]
        if rng.random() < c["layer_share"]:
            layer = random_graph(rng, c["min_depth"], max(c["min_depth"], c["max_depth"] - 1), type_=S,
                                 extra=self.extra)
            return ProxyGraph.apply("sum_layers" if rng.random() < 0.5 else "mean_layers", layer)
        return random_graph(rng, c["min_depth"], c["max_depth"], type_=NS, extra=self.extra)

    def _bounded(self, child: ProxyGraph, parent: ProxyGraph) -> ProxyGraph:
        """Bloat control: an oversized child falls back to its parent (then counted as a duplicate)."""
        ok = child.height() <= self.config["max_height"] and len(child) <= self.config["max_len"]
        return child if ok else parent

    def mutate(self, x: ProxyGraph, rng: np.random.Generator) -> ProxyGraph:
        pset, subtree = _pset(self.extra), rng.random() < 0.5
        with deap_random(rng):
            tree = to_deap(x, pset)
            if subtree:
                (tree,) = gp.mutUniform(tree, partial(gp.genGrow, min_=0, max_=2), pset)
            else:
                (tree,) = gp.mutNodeReplacement(tree, pset)
        return self._bounded(from_deap(tree), x)

    def crossover(self, a: ProxyGraph, b: ProxyGraph, rng: np.random.Generator) -> ProxyGraph:
        pset = _pset(self.extra)
        return self._bounded(from_deap(one_point(to_deap(a, pset), to_deap(b, pset), rng)), a)

    # --- identity and text ---------------------------------------------------------------------
    def key(self, x: ProxyGraph) -> str:
        return graph_key(x)

    def encode(self, x: ProxyGraph) -> str:
        return x.text

    def decode(self, text: str) -> ProxyGraph:
        return parse(text)

    # --- fitness -------------------------------------------------------------------------------
    def evaluate(self, batch: Sequence[ProxyGraph]) -> list[Fitness]:
        """Mean train τ of each candidate, arch-major over the sampled archs' in-memory statistics."""
        if not batch:
            return []
        codes = self.fitness_codes
        scores, failed = score_matrix(batch, codes, memory_stats(self.settings, codes), self.config["device"])
        return tau_fitnesses(scores, failed, self.fitness_acc, self.fitness_samples, self.partner_scores,
                             self.config["partner_weights"])
