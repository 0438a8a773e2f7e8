"""Scores of many candidate proxies on many archs, pooled, and their Kendall-τ fitness.

Pooled (DESIGN.md, "Where the time goes"; issue 15): the archs' statistics are stacked once into a
``dsl.pool.PoolEvaluator`` (kept per process while the same statistics are in use), and a whole
generation is scored on all archs at once, each primitive once per shape group of the pool and each
shared subexpression once; every arch's score equals its own ``dsl.evaluate_many`` score, bit for bit.
A candidate that fails on an arch is rejected with the reason and the first such arch (SasWOT
§Evolution: a candidate that collapses or overflows breaks verification). Fitness is SasWOT's: the
mean Kendall-τ over fixed random arch samples, all rows and samples in one vectorised τ-b.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Mapping, Sequence

import numpy as np

from zeroseg.correlation.metrics import kendall_rows
from zeroseg.discovery.combine import avt_sum, bounds
from zeroseg.dsl.evaluate import evaluate_many
from zeroseg.dsl.graph import ProxyGraph
from zeroseg.dsl.pool import PoolEvaluator
from zeroseg.dsl.types import ROOT, ProxyTypeError
from zeroseg.evolution.problem import Fitness
from zeroseg.stats import NetStats

POOL_ARCHS = 64  # archs per pool: a report's thousand test archs are scored in pools of this size
_POOLS: OrderedDict[tuple, PoolEvaluator] = OrderedDict()
# Pools kept per process, counted in archs: a run's whole train split (micro 347, macro 241 archs, so up
# to 6 pools) stays resident across generations with its stacked terminals; a report's test pools pass
# through. Fewer would evict the train pools in turn each generation and rebuild their terminals.
ARCHS_KEPT = 768


def pool_of(stats: Sequence[NetStats], device: str | None = None) -> PoolEvaluator:
    """The process's pool over exactly these ``NetStats`` objects (built once, stacked terminals kept)."""
    key = (tuple(id(s) for s in stats), str(device))
    if key not in _POOLS:
        _POOLS[key] = PoolEvaluator(stats, device)  # holds the stats, so their ids stay theirs
        while len(_POOLS) > 1 and sum(p.n for p in _POOLS.values()) > ARCHS_KEPT:
            _POOLS.popitem(last=False)
    _POOLS.move_to_end(key)
    return _POOLS[key]


def score_matrix(graphs: Sequence[ProxyGraph], codes: Sequence[str], stats: Mapping[str, NetStats],
                 device: str | None = None, keep_going: bool = False) -> tuple[np.ndarray, list[str | None]]:
    """``scores[i, j]`` of graph i on arch ``codes[j]`` and each graph's first failure (NaN where it failed).

    For fitness a graph's scores after the first arch it fails on are NaN (it is rejected anyway); with
    ``keep_going`` (reports) it keeps its score on every other arch, so one arch that breaks a proxy
    costs that arch, not the rest of the pool."""
    scores, fails = arch_scores(graphs, codes, stats, device, first_only=not keep_going)
    return scores, first_failures(scores, fails, codes, keep_going)


def arch_scores(graphs: Sequence[ProxyGraph], codes: Sequence[str], stats: Mapping[str, NetStats],
                device: str | None = None, first_only: bool = False) -> tuple[np.ndarray, list[list[str | None]]]:
    """``scores[i, j]`` (NaN where it failed) and ``fails[i][j]``, the reason graph i fails on ``codes[j]``;
    with ``first_only`` only a row's first failure is exact (``PoolEvaluator.scores``: later archs are skipped)."""
    bad = [g for g in graphs if g.type is not ROOT]
    if bad:
        raise ProxyTypeError(f"a proxy must have type {ROOT.__name__}; {bad[0].text} has {bad[0].type.__name__}")
    scores = np.full((len(graphs), len(codes)), np.nan)
    fails: list[list[str | None]] = [[] for _ in graphs]
    for lo in range(0, len(codes), POOL_ARCHS):
        part = list(codes[lo:lo + POOL_ARCHS])
        values, why = pool_of([stats[c] for c in part], device).scores(graphs, first_only) if graphs else (None, [])
        if values is not None:
            scores[:, lo:lo + len(part)] = values
        for i, w in enumerate(why):
            fails[i].extend(w)
    return scores, fails


def first_failures(scores: np.ndarray, fails: Sequence[Sequence[str | None]], codes: Sequence[str],
                   keep_going: bool = False) -> list[str | None]:
    """Each row's first failure with its arch, from per-arch reasons (``fails[i][j]``: graph i on ``codes[j]``);
    without ``keep_going`` the row's scores from that arch on become NaN (as when scored arch by arch)."""
    failed: list[str | None] = [None] * len(fails)
    for i, per_arch in enumerate(fails):
        j = next((j for j, w in enumerate(per_arch) if w is not None), None)
        if j is not None:
            failed[i] = f"{per_arch[j]} (arch {codes[j]})"
            if not keep_going:
                scores[i, j:] = np.nan
    return failed


def score_matrix_by_arch(graphs: Sequence[ProxyGraph], codes: Sequence[str], stats: Mapping[str, NetStats],
                         device: str | None = None, keep_going: bool = False) -> tuple[np.ndarray, list[str | None]]:
    """The pre-pool ``score_matrix`` (one ``evaluate_many`` per arch), kept as the reference that the pooled
    path must equal bit for bit (tests/test_fast_fitness.py) and is timed against (benches/bench_discovery.py)."""
    scores = np.full((len(graphs), len(codes)), np.nan)
    failed: list[str | None] = [None] * len(graphs)
    for j, code in enumerate(codes):
        alive = [i for i in range(len(graphs)) if keep_going or failed[i] is None]
        for i, s in zip(alive, evaluate_many([graphs[i] for i in alive], stats[code], device)):
            if s.ok:
                scores[i, j] = s.value
            elif failed[i] is None:
                failed[i] = f"{s.invalid} (arch {code})"
    return scores, failed


def reason_class(detail: str) -> str:
    """The countable part of a failure ("non-finite after log"), without layer, arch and message tail."""
    return detail.split(" at layer ")[0].split(" (arch ")[0][:80]


def sampled_taus(rows: np.ndarray, acc: np.ndarray, samples: Sequence[Sequence[int]]) -> np.ndarray:
    """τ-b of every row of ``rows`` on every sample: ``(rows, samples)``, one vectorised call per distinct
    sample (samples drawn from a pool no larger than a sample are all the whole pool)."""
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    acc = np.asarray(acc, dtype=np.float64)
    out = np.empty((len(rows), len(samples)))
    done: dict[tuple[int, ...], int] = {}
    for k, s in enumerate(samples):
        key = tuple(s)
        if key in done:
            out[:, k] = out[:, done[key]]
            continue
        done[key] = k
        out[:, k] = kendall_rows(rows[:, list(s)], acc[list(s)])
    return out


def sampled_tau(row: np.ndarray, acc: np.ndarray, samples: Sequence[Sequence[int]]) -> tuple[float, list[float]]:
    """Mean Kendall-τ over ``samples`` (index lists into ``row``/``acc``) and the per-sample values."""
    taus = sampled_taus(row, acc, samples)[0]
    return float(np.mean(taus)), [float(t) for t in taus]


def tau_fitnesses(scores: np.ndarray, failed: Sequence[str | None], acc: np.ndarray,
                  samples: Sequence[Sequence[int]], partner: np.ndarray | None = None,
                  weights: Sequence[float] = (1.0,)) -> list[Fitness]:
    """One fitness per row: mean τ, or a rejection (failed on an arch, or τ undefined: constant scores).

    With ``partner`` (a baseline's scores of the same archs) the fitness is the τ of SasWOT's
    combination AVT(row) + AVT(partner) (Eq. 3-4), min/max over these (train) archs: the search then
    looks for the proxy that best complements the partner, as SasWOT− complements NWOT. With several
    ``weights`` w the fitness is the best over w of the τ of w·AVT(row) + AVT(partner) (``info["weight"]``).
    All rows (and weights) are ranked in one vectorised τ-b call per sample."""
    partner_bounds = None if partner is None else bounds(partner)
    out: list[Fitness | None] = [None] * len(scores)
    todo: list[tuple[int, float | None]] = []  # (row, weight) of each vector to rank
    vectors = []
    for r, (row, reason) in enumerate(zip(scores, failed)):
        if reason is not None:
            out[r] = Fitness(invalid=reason_class(reason), info={"detail": reason})
        elif partner is None:
            todo.append((r, None))
            vectors.append(row)
        elif (rb := bounds(row)) is None:
            out[r] = Fitness.reject("undefined τ: constant scores on a sample")
        else:
            for w in weights:
                todo.append((r, w))
                vectors.append(avt_sum(row, partner, rb, partner_bounds, w))
    taus = sampled_taus(np.array(vectors), acc, samples) if vectors else np.empty((0, len(samples)))
    fits: dict[int, list[Fitness]] = {}
    for (r, w), t in zip(todo, taus):
        fits.setdefault(r, []).append(_fitness(t, w))
    for r, fs in fits.items():
        valid = [f for f in fs if f.ok]
        out[r] = max(valid, key=lambda f: f.values[0]) if valid else fs[0]
    return out


def _fitness(taus: np.ndarray, weight: float | None = None) -> Fitness:
    """Mean of one row's per-sample τ (a rejection when τ is undefined); ``weight``: the AVT weight used."""
    mean = float(np.mean(taus))
    if not np.isfinite(mean):
        return Fitness.reject("undefined τ: constant scores on a sample")
    info = {"tau_std": float(np.std(taus))}
    return Fitness((mean,), info=info if weight is None else {**info, "weight": float(weight)})
