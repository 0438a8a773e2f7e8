"""Scores of many candidate proxies on many archs, arch-major, and their Kendall-τ fitness.

Arch-major (DESIGN.md, "Where the time goes"): for each arch, its statistics are taken once and
every still-valid candidate is scored on them with ``dsl.evaluate_many`` (shared subexpressions
computed once per arch). A candidate that fails on an arch is dropped for the remaining archs and
rejected with the reason and the arch (SasWOT §Evolution: a candidate that collapses or overflows
breaks verification). Fitness is SasWOT's: the mean Kendall-τ over fixed random arch samples.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from zeroseg.correlation.metrics import kendall
from zeroseg.dsl.evaluate import evaluate_many
from zeroseg.dsl.graph import ProxyGraph
from zeroseg.evolution.problem import Fitness
from zeroseg.stats import NetStats


def score_matrix(graphs: Sequence[ProxyGraph], codes: Sequence[str], stats: Mapping[str, NetStats],
                 device: str | None = None, keep_going: bool = False) -> tuple[np.ndarray, list[str | None]]:
    """``scores[i, j]`` of graph i on arch ``codes[j]`` and each graph's first failure (NaN where it failed).

    For fitness a graph that fails on an arch is dropped for the remaining archs (it is rejected
    anyway); with ``keep_going`` (reports) it is still scored on every other arch, so one arch that
    breaks a proxy costs that arch, not the rest of the pool."""
    scores = np.full((len(graphs), len(codes)), np.nan)
    failed: list[str | None] = [None] * len(graphs)
    for j, code in enumerate(codes):
        alive = [i for i in range(len(graphs)) if keep_going or failed[i] is None]
        if not alive:
            break
        for i, s in zip(alive, evaluate_many([graphs[i] for i in alive], stats[code], device)):
            if s.ok:
                scores[i, j] = s.value
            elif failed[i] is None:
                failed[i] = f"{s.invalid} (arch {code})"
    return scores, failed


def reason_class(detail: str) -> str:
    """The countable part of a failure ("non-finite after log"), without layer, arch and message tail."""
    return detail.split(" at layer ")[0].split(" (arch ")[0][:80]


def sampled_tau(row: np.ndarray, acc: np.ndarray, samples: Sequence[Sequence[int]]) -> tuple[float, list[float]]:
    """Mean Kendall-τ over ``samples`` (index lists into ``row``/``acc``) and the per-sample values."""
    taus = [kendall(row[list(s)], acc[list(s)]) for s in samples]
    return float(np.mean(taus)), taus


def tau_fitnesses(scores: np.ndarray, failed: Sequence[str | None], acc: np.ndarray,
                  samples: Sequence[Sequence[int]], partner: np.ndarray | None = None,
                  weights: Sequence[float] = (1.0,)) -> list[Fitness]:
    """One fitness per row: mean τ, or a rejection (failed on an arch, or τ undefined: constant scores).

    With ``partner`` (a baseline's scores of the same archs) the fitness is the τ of SasWOT's
    combination AVT(row) + AVT(partner) (Eq. 3-4), min/max over these (train) archs: the search then
    looks for the proxy that best complements the partner, as SasWOT− complements NWOT. With several
    ``weights`` w the fitness is the best over w of the τ of w·AVT(row) + AVT(partner) (``info["weight"]``)."""
    from zeroseg.discovery.combine import avt_sum, bounds

    partner_bounds = None if partner is None else bounds(partner)
    out = []
    for row, reason in zip(scores, failed):
        if reason is not None:
            out.append(Fitness(invalid=reason_class(reason), info={"detail": reason}))
            continue
        if partner is None:
            out.append(_fitness(row, acc, samples))
            continue
        rb = bounds(row)
        if rb is None:
            out.append(Fitness.reject("undefined τ: constant scores on a sample"))
            continue
        fits = [_fitness(avt_sum(row, partner, rb, partner_bounds, w), acc, samples, w) for w in weights]
        valid = [f for f in fits if f.ok]
        out.append(max(valid, key=lambda f: f.values[0]) if valid else fits[0])
    return out


def _fitness(row: np.ndarray, acc: np.ndarray, samples: Sequence[Sequence[int]], weight: float | None = None) -> Fitness:
    """Mean τ of ``row`` over the samples (a rejection when τ is undefined); ``weight``: the AVT weight used."""
    mean, taus = sampled_tau(row, acc, samples)
    if not np.isfinite(mean):
        return Fitness.reject("undefined τ: constant scores on a sample")
    info = {"tau_std": float(np.std(taus))}
    return Fitness((mean,), info=info if weight is None else {**info, "weight": float(weight)})
