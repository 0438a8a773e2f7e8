"""A found proxy of a few terms: Σ_i w_i·AVT(t_i), terms and weights chosen on train folds.

SasWOT (Eq. 3–4) adds two AVT-normalised proxies with equal weights. Here the terms come from the
search (the best distinct evolved DSL expressions) and from zeroseg's own library proxies, and a
forward selection (a beam of the best partial sums) adds the (term, weight) pairs that raise the
train Kendall-τ most, up to ``max_terms``. τ ignores scale, so the first term's weight is ±1 and the
grid weighs later terms relative to it. To keep it from fitting the 347 / 241 train archs, the number
of terms is chosen by K-fold cross-validation *within* the train split (select on K−1 folds, score
the held-out fold), a term must raise the held-out τ by ``min_gain`` to be kept, and then the
selection is refitted on the whole train split with that many terms. AVT bounds are the train split's min/max. The test
split is never read here.

The candidate pool itself is chosen the same way (``fit_pools``): with hundreds of evolved candidates
the selection on K−1 folds finds terms that do not hold on the held-out fold, so nested pools (the
library and built-ins, plus the best 0, 3, 10, 30 evolved expressions) are compared by their held-out
curves, averaged over ``FOLD_REPEATS`` K-fold splits, and the best pool (the smaller on a tie) is fitted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from scipy.stats import rankdata

from zeroseg.correlation.metrics import kendall
from zeroseg.discovery.combine import bounds
from zeroseg.proxies.avt import normalize

WEIGHTS = (-1.0, -0.5, -0.25, 0.25, 0.5, 1.0, 2.0)  # a later term's weight, relative to the first's
FIRST_WEIGHTS = (-1.0, 1.0)  # the first term fixes the scale and the sign
BEAM = 8  # partial combinations kept per step of the forward selection
REL_RANGE = 1e-5  # a term's train range must exceed this share of its magnitude (float32 eps ≈ 1.2e-7)
MIN_FOLD = 5  # archs in a held-out fold (fewer make its τ meaningless)
POOL_TIERS = (0, 3, 10, 30)  # evolved candidates (best first; per search when pooled) in the pools fit_pools compares
FOLD_REPEATS = 3  # K-fold splits (fold seeds seed, seed + 1, …) whose held-out curves fit_pools averages


@dataclass(frozen=True)
class Term:
    """``weight``·AVT(``name``) with AVT bounds (lo, hi) from the train split."""

    name: str
    weight: float
    lo: float
    hi: float

    def apply(self, values: np.ndarray) -> np.ndarray:
        """This term's contribution; an arch the term cannot score contributes the term's minimum (0)."""
        return self.weight * np.nan_to_num(normalize(np.asarray(values, float), self.lo, self.hi), nan=0.0)


def combine(terms: Sequence[Term], vectors: Mapping[str, np.ndarray]) -> np.ndarray:
    """Σ term contributions on a pool (``vectors``: name → scores on that pool)."""
    n = len(next(iter(vectors.values())))
    return np.sum([t.apply(vectors[t.name]) for t in terms], axis=0) if terms else np.zeros(n)


def tau_rows(rows: np.ndarray, y: np.ndarray, chunk: int = 64) -> np.ndarray:
    """Kendall τ-b of every row of ``rows`` (finite values) against ``y``: Σ sx·sy / √(Σ|sx|·Σ|sy|)
    over all ordered pairs, i.e. scipy's tau-b with ties, for many candidates at once."""
    # ranks in float64 first: float32 would merge close scores (jacov's differ in the 7th digit) into ties
    rows = rankdata(np.asarray(rows, np.float64), axis=1).astype(np.float32)
    y = rankdata(np.asarray(y, np.float64)).astype(np.float32)
    sy = np.sign(y[:, None] - y[None, :])
    ny = np.abs(sy).sum()
    out = np.empty(len(rows))
    for start in range(0, len(rows), chunk):
        block = rows[start:start + chunk]
        sx = np.sign(block[:, :, None] - block[:, None, :])
        num = np.einsum("kij,ij->k", sx, sy)
        den = np.sqrt(np.abs(sx).sum(axis=(1, 2)) * ny)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + chunk] = np.where(den > 0, num / den, np.nan)
    return out


Part = tuple[Mapping[str, np.ndarray], np.ndarray]  # one train pool: candidate name → scores, accuracy


def resolved(lim: tuple[float, float] | None) -> bool:
    """A range wider than float32 rounding (``REL_RANGE`` of its magnitude): a term whose scores differ
    only in their last digits (``sigmoid(log(x))`` near 1) ranks archs by rounding noise, and AVT
    would blow that noise up to [0, 1]."""
    return lim is not None and lim[1] - lim[0] > REL_RANGE * max(abs(lim[0]), abs(lim[1]))


def _joint_bounds(parts: Sequence[Part], idxs: Sequence[np.ndarray]) -> dict[str, tuple[float, float]]:
    """Each candidate's AVT (min, max) over the archs ``idxs`` of every part; one pair per term, so a
    term means the same on every space (names missing from a part, and unresolved ranges, are left out)."""
    names = set.intersection(*(set(v) for v, _ in parts))
    lims = {n: bounds(np.concatenate([np.asarray(v[n], float)[i] for (v, _), i in zip(parts, idxs)]))
            for n in names}
    return {n: b for n, b in lims.items() if resolved(b)}


def _part_bounds(parts: Sequence[Part], idxs: Sequence[np.ndarray], per_part: bool) -> list[dict[str, tuple[float, float]]]:
    """The AVT bounds each part's terms use: one pair per term over every part (``_joint_bounds``), or
    with ``per_part`` each part's own train min/max (SasWOT computes AVT per space); only candidates
    bounded on every part are kept."""
    lims = [_joint_bounds([p], [i]) for p, i in zip(parts, idxs)] if per_part else [_joint_bounds(parts, idxs)] * len(parts)
    names = set.intersection(*(set(lim) for lim in lims))
    return [{n: lim[n] for n in names} for lim in lims]


def greedy(parts: Sequence[Part], idxs: Sequence[np.ndarray], max_terms: int, weights: Sequence[float],
           per_part: bool = False, beam: int = BEAM) -> list[tuple[list[list[Term]], float]]:
    """Forward selection on archs ``idxs`` (one index array per part): the path of (each part's terms,
    train τ) after 1..max_terms steps, τ being the lowest over the parts (one part: its τ); the parts'
    terms differ only in their bounds (``_part_bounds``). Each step extends each of the ``beam`` best
    combinations of the last step by every (term, weight), scored at once (``tau_rows``), and keeps the
    ``beam`` best distinct ones (one: plain greedy, which commits to the best single term and may miss
    a pair of weaker ones); ties go to the first in name order. The first step's weight is ±1
    (``FIRST_WEIGHTS``): were it drawn from ``weights``, a tie among the positive ones would pin it to the
    smallest, and every later term would weigh at least as much as the first."""
    lims = _part_bounds(parts, idxs, per_part)
    names = sorted(lims[0])
    ys = [acc[i] for (_, acc), i in zip(parts, idxs)]
    units = [{n: Term(n, 1.0, *lim[n]).apply(v[n][i]) for n in names} for (v, _), i, lim in zip(parts, idxs, lims)]
    kept: list[tuple[tuple[tuple[str, float], ...], list[np.ndarray]]] = [((), [np.zeros(len(i)) for i in idxs])]
    path = []
    for step in range(max_terms):
        grid = FIRST_WEIGHTS if step == 0 else weights
        scored: list[tuple[float, tuple[tuple[str, float], ...], list[np.ndarray]]] = []
        for current, totals in kept:
            used = {c for c, _ in current}
            options = [(n, float(w)) for n in names if n not in used for w in grid]
            if not options:
                continue
            taus = np.min([tau_rows(np.stack([tot + w * unit[n] for n, w in options]), y)
                           for tot, unit, y in zip(totals, units, ys)], axis=0)
            for k in np.argsort(-np.nan_to_num(taus, nan=-np.inf), kind="stable")[:beam]:
                if np.isfinite(taus[k]):
                    n, w = options[k]
                    scored.append((float(taus[k]), current + ((n, w),),
                                   [tot + w * unit[n] for tot, unit in zip(totals, units)]))
        if not scored:
            break
        scored.sort(key=lambda e: -e[0])  # stable: within a τ, earlier combinations and names first
        seen, kept = set(), []
        for tau, combo, totals in scored:
            if frozenset(combo) not in seen and len(kept) < beam:
                seen.add(frozenset(combo))
                kept.append((combo, totals))
        best_tau, best = scored[0][0], kept[0][0]
        path.append(([[Term(n, w, *lim[n]) for n, w in best] for lim in lims], best_tau))
    return path


def _folds(n: int, k: int, seed: int) -> list[np.ndarray]:
    order = np.random.default_rng([seed, 0xF01D]).permutation(n)
    return [np.sort(order[i::k]) for i in range(k)]


def held_out_curve_parts(parts: Sequence[Part], max_terms: int, folds: int, seed: int,
                         weights: Sequence[float] = WEIGHTS, per_part: bool = False, repeats: int = 1) -> list[float]:
    """Mean held-out-fold τ (lowest over the parts) after 1..max_terms greedy steps fitted on the
    other folds; fold f of every part is held out together (``per_part``: see ``_part_bounds``);
    ``repeats`` K-fold splits (fold seeds ``seed``, ``seed + 1``, …) averaged."""
    if repeats > 1:
        curves = [held_out_curve_parts(parts, max_terms, folds, seed + r, weights, per_part) for r in range(repeats)]
        return [float(np.nanmean(c)) if np.isfinite(c).any() else float("nan") for c in np.array(curves).T]
    split = [_folds(len(acc), folds, seed) for _, acc in parts]
    scores = np.full((folds, max_terms), np.nan)
    for f in range(folds):
        held = [s[f] for s in split]
        fit = [np.setdiff1d(np.arange(len(acc)), h) for (_, acc), h in zip(parts, held)]
        for step, (terms, _) in enumerate(greedy(parts, fit, max_terms, weights, per_part)):
            # the fold's terms keep the bounds of the archs they were fitted on
            scores[f, step] = min(kendall(combine(t, {x.name: v[x.name][h] for x in t}), acc[h])
                                  for (v, acc), h, t in zip(parts, held, terms))
    return [float(np.nanmean(c)) if np.isfinite(c).any() else float("nan") for c in scores.T]


def held_out_curve(vectors: Mapping[str, np.ndarray], acc: np.ndarray, max_terms: int, folds: int,
                   seed: int, weights: Sequence[float] = WEIGHTS) -> list[float]:
    """``held_out_curve_parts`` of one train pool."""
    return held_out_curve_parts([(vectors, acc)], max_terms, folds, seed, weights)


def usable_folds(parts: Sequence[Part], folds: int) -> int:
    """At most ``folds``, and no held-out fold smaller than ``MIN_FOLD`` archs (< 2: no cross-validation)."""
    return min([folds] + [len(acc) // MIN_FOLD for _, acc in parts])


def fit_parts(parts: Sequence[Part], max_terms: int = 4, folds: int = 5, seed: int = 0, min_gain: float = 0.005,
              weights: Sequence[float] = WEIGHTS, repeats: int = 1, curve: Sequence[float] | None = None) -> dict[str, Any]:
    """``fit_ensemble`` over several train pools at once (a proxy for more than one space): the
    objective is the lowest τ over the pools, AVT bounds span them all (``curve``: the held-out curve,
    when the caller has it)."""
    folds = usable_folds(parts, folds)
    if folds < 2:  # too few archs to hold any out: one term, the best on train
        curve, max_terms = [float("nan")], 1
    elif curve is None:
        curve = held_out_curve_parts(parts, max_terms, folds, seed, weights, repeats=repeats)
    curve = list(curve)
    size, best = 1, curve[0]
    for k in range(2, len(curve) + 1):
        if np.isfinite(curve[k - 1]) and curve[k - 1] > best + min_gain:
            size, best = k, curve[k - 1]
    path = greedy(parts, [np.arange(len(acc)) for _, acc in parts], size, weights)
    terms, train_tau = path[-1][0][0], path[-1][1]  # shared bounds: every part's terms are the same
    return {"terms": [asdict(t) for t in terms], "size": len(terms), "train_tau": float(train_tau),
            "held_out_tau": curve, "folds": folds, "min_gain": min_gain, "weights_grid": list(weights),
            "first_weights": list(FIRST_WEIGHTS), "beam": BEAM, "rel_range": REL_RANGE, "fold_repeats": repeats,
            "candidates": len(set.intersection(*(set(v) for v, _ in parts)))}


def fit_ensemble(vectors: Mapping[str, np.ndarray], acc: np.ndarray, max_terms: int = 4, folds: int = 5,
                 seed: int = 0, min_gain: float = 0.005, weights: Sequence[float] = WEIGHTS) -> dict[str, Any]:
    """The combination to report: its size chosen on held-out train folds, refitted on all train archs.

    ``vectors``: candidate term name → scores on the train pool (sign already applied or not: the
    weights may be negative). Returns the terms, the held-out curve and the train τ of each size."""
    return fit_parts([(vectors, acc)], max_terms, folds, seed, min_gain, weights)


def fit_pools(pools: Sequence[Mapping[str, np.ndarray]], acc: np.ndarray, max_terms: int = 4, folds: int = 5,
              seed: int = 0, min_gain: float = 0.005, weights: Sequence[float] = WEIGHTS,
              repeats: int = FOLD_REPEATS) -> dict[str, Any]:
    """``fit_ensemble`` on the candidate pool (of nested ``pools``, smallest first) whose held-out curve,
    averaged over ``repeats`` K-fold splits of the train split, peaks highest (the first on a tie);
    its size is chosen on that curve. The block lists every pool's curve."""
    k = usable_folds([(pools[0], acc)], folds)
    if k < 2:
        return {**fit_ensemble(pools[-1], acc, max_terms, folds, seed, min_gain, weights), "pools": [], "pool_chosen": None}
    curves = [held_out_curve_parts([(p, acc)], max_terms, k, seed, weights, repeats=repeats) for p in pools]
    peaks = [np.nanmax(c) if np.isfinite(c).any() else -np.inf for c in curves]
    chosen = int(np.argmax(peaks))
    block = fit_parts([(pools[chosen], acc)], max_terms, folds, seed, min_gain, weights, repeats, curves[chosen])
    return {**block, "pool_chosen": chosen,
            "pools": [{"candidates": len(p), "held_out_tau": c, "peak": float(m)} for p, c, m in zip(pools, curves, peaks)]}


def terms_of(block: Mapping[str, Any]) -> list[Term]:
    return [Term(**t) for t in block["terms"]]
