"""Rank and linear correlations, SasWOT-style repeated sampling, and a bootstrap CI.

SasWOT (papers/saswot.md, "Experiments on Segmentation Benchmark") draws 50 random archs per
experiment and reports the mean Kendall-τ, Spearman and Pearson against the benchmark accuracy;
we repeat that ``repeats`` times with one seed and report mean and std. NaN-safe: pairs where the
score or the accuracy is not finite are dropped; a sample with fewer than 3 valid pairs or a
constant column gives NaN for that repeat, and the summary is taken over the finite repeats.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
from scipy import stats

METRICS = ("kendall", "spearman", "pearson")
MIN_PAIRS = 3


def _clean(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Finite pairs of (x, y), or None when too few or either side is constant."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"score and accuracy lengths differ: {x.shape} vs {y.shape}")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < MIN_PAIRS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return x, y


def _safe(fn: Callable, x: np.ndarray, y: np.ndarray) -> float:
    pair = _clean(x, y)
    if pair is None:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(*pair)[0])


def kendall(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall τ-b (scipy's default, ties handled); NaN when undefined."""
    return _safe(stats.kendalltau, x, y)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    return _safe(stats.spearmanr, x, y)


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    return _safe(stats.pearsonr, x, y)


PAIR_BUDGET = 1 << 22  # rows × pairs per block of ``kendall_rows`` (bounded memory)


def kendall_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall τ-b of every row of ``x`` (R, n) against ``y`` (n,) or (R, n), all at once.

    Equals ``kendall`` row by row, bit for bit: pairs with a non-finite side are dropped, fewer than
    3 pairs or a constant side give NaN, and τ-b = (concordant − discordant) / √(n₀ − n_x) / √(n₀ − n_y)
    in scipy's order of operations, from integer pair counts (scipy counts ties by ranking; here
    each pair is compared directly: the same counts). Issue 15: one call scores a whole generation."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    y = np.broadcast_to(np.asarray(y, dtype=np.float64), x.shape)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"score and accuracy lengths differ: {x.shape[1]} vs {y.shape[1]}")
    i, j = np.triu_indices(x.shape[1], 1)
    step = max(1, PAIR_BUDGET // max(1, len(i)))
    return np.concatenate([_kendall_block(x[r:r + step], y[r:r + step], i, j) for r in range(0, len(x), step)]
                          or [np.empty(0)])


def _kendall_block(x: np.ndarray, y: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    ok = np.isfinite(x) & np.isfinite(y)
    pair = ok[:, i] & ok[:, j]
    sx = np.sign(np.where(pair, x[:, i] - x[:, j], 0.0))
    sy = np.sign(np.where(pair, y[:, i] - y[:, j], 0.0))
    n = ok.sum(axis=1)
    tot = n * (n - 1) // 2
    xtie = (pair & (sx == 0)).sum(axis=1)
    ytie = (pair & (sy == 0)).sum(axis=1)
    cmd = (sx * sy).sum(axis=1).astype(np.int64)
    undefined = (n < MIN_PAIRS) | (xtie == tot) | (ytie == tot)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = cmd / np.sqrt(tot - xtie) / np.sqrt(tot - ytie)
    return np.where(undefined, np.nan, np.minimum(1.0, np.maximum(-1.0, tau)))


METRIC_FNS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "kendall": kendall,
    "spearman": spearman,
    "pearson": pearson,
}


def correlations(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """All three metrics on the full vectors."""
    return {m: fn(x, y) for m, fn in METRIC_FNS.items()}


@dataclass(frozen=True)
class CorrelationSummary:
    """Mean/std of each metric over the finite repeats; ``valid`` = finite scores in the pool."""

    n_pool: int
    valid: int
    samples: int
    repeats: int
    kendall_mean: float
    kendall_std: float
    spearman_mean: float
    spearman_std: float
    pearson_mean: float
    pearson_std: float

    def as_dict(self) -> dict:
        return asdict(self)


def sampled_correlations(
    scores: np.ndarray, acc: np.ndarray, *, samples: int = 50, repeats: int = 20, seed: int = 0
) -> CorrelationSummary:
    """Repeat ``repeats`` times: draw ``samples`` archs without replacement, correlate, summarise.

    ``samples`` larger than the pool (or <= 0) uses the whole pool each time.
    """
    scores = np.asarray(scores, dtype=np.float64)
    acc = np.asarray(acc, dtype=np.float64)
    if scores.shape != acc.shape or scores.ndim != 1:
        raise ValueError(f"scores and acc must be 1-D of equal length, got {scores.shape} and {acc.shape}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    n = len(scores)
    k = n if samples <= 0 or samples >= n else samples
    rng = np.random.default_rng(seed)
    per = {m: np.empty(repeats) for m in METRICS}
    for r in range(repeats):
        idx = rng.choice(n, size=k, replace=False)
        for m, fn in METRIC_FNS.items():
            per[m][r] = fn(scores[idx], acc[idx])
    out: dict[str, float] = {}
    for m, vals in per.items():
        finite = vals[np.isfinite(vals)]
        out[f"{m}_mean"] = float(finite.mean()) if len(finite) else float("nan")
        out[f"{m}_std"] = float(finite.std()) if len(finite) else float("nan")
    valid = int(np.isfinite(scores).sum())
    return CorrelationSummary(n_pool=n, valid=valid, samples=k, repeats=repeats, **out)


def _metric_fn(metric: str) -> Callable[[np.ndarray, np.ndarray], float]:
    if metric not in METRIC_FNS:
        raise ValueError(f"unknown metric {metric!r}; valid: {', '.join(METRICS)}")
    return METRIC_FNS[metric]


def _draws(n: int, n_boot: int, seed: int) -> np.ndarray:
    """``n_boot`` resamples of ``n`` arch indices with replacement, one ``rng.integers`` call each."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.integers(0, n, n) for _ in range(n_boot)]) if n_boot else np.zeros((0, n), int)


def kendall_resamples(x: np.ndarray, y: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """``kendall(x[d], y[d])`` for every row ``d`` of ``draws``, bit for bit, in one pass.

    A resample is a multiset of archs: with c its count vector and S the pairwise sign matrices,
    concordant − discordant = ½ cᵀ(Sx∘Sy)c and the pairs not tied in x (y) are ½ cᵀ|Sx|c (½ cᵀ|Sy|c),
    a twice-drawn arch being a pair tied in both, as scipy counts it. Integer counts, then scipy's
    τ-b = (c − d) / √(n₀ − n_x) / √(n₀ − n_y); non-finite archs are left out, NaN where undefined."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    n, boots = len(x), len(draws)
    counts = np.bincount((draws + n * np.arange(boots)[:, None]).ravel(), minlength=boots * n).reshape(boots, n)
    counts = (counts * ok).astype(np.float64)
    xs, ys = np.where(ok, x, 0.0), np.where(ok, y, 0.0)
    sx, sy = np.sign(xs[:, None] - xs[None, :]), np.sign(ys[:, None] - ys[None, :])

    def half_form(m: np.ndarray) -> np.ndarray:
        return ((counts @ m) * counts).sum(axis=1) / 2

    cmd, not_x, not_y = half_form(sx * sy), half_form(np.abs(sx)), half_form(np.abs(sy))
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = cmd / np.sqrt(not_x) / np.sqrt(not_y)
    undefined = (counts.sum(axis=1) < MIN_PAIRS) | (not_x == 0) | (not_y == 0)
    return np.where(undefined, np.nan, np.minimum(1.0, np.maximum(-1.0, tau)))


def _resampled(metric: str, x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``metric(x[d], y[d])`` for every row ``d`` of a draws matrix: Kendall τ in one pass
    (``kendall_resamples``), other metrics one resample at a time."""
    if metric == "kendall":
        return lambda draws: kendall_resamples(x, y, draws)
    fn = _metric_fn(metric)
    return lambda draws: np.array([fn(x[d], y[d]) for d in draws])


def _percentile_bootstrap(stat: Callable[[np.ndarray], np.ndarray], n: int, n_boot: int, seed: int) -> np.ndarray:
    """``stat`` (of a draws matrix) over ``n_boot`` resamples of arch indices drawn with replacement,
    NaN resamples dropped."""
    boots = stat(_draws(n, n_boot, seed))
    return boots[np.isfinite(boots)]


def _interval(boots: np.ndarray, alpha: float) -> tuple[float, float]:
    if not len(boots):
        return float("nan"), float("nan")
    lo, hi = np.quantile(boots, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def bootstrap_ci(
    x: np.ndarray,
    y: np.ndarray,
    metric: str = "kendall",
    *,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Point estimate and percentile bootstrap (1 − alpha) CI of ``metric`` over arch pairs.

    Resamples archs with replacement ``n_boot`` times (Efron's percentile interval); NaN
    resamples are dropped. Returns ``(estimate, low, high)``.
    """
    fn = _metric_fn(metric)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    boots = _percentile_bootstrap(_resampled(metric, x, y), len(x), n_boot, seed)
    return (fn(x, y), *_interval(boots, alpha))


def paired_bootstrap_diff(
    x1: np.ndarray, x2: np.ndarray, y: np.ndarray, metric: str = "kendall", *,
    n_boot: int = 1000, alpha: float = 0.05, seed: int = 0,
) -> dict[str, float]:
    """metric(x1, y) − metric(x2, y) on the archs both score, with a paired percentile bootstrap CI.

    Both scores are resampled on the same arch draws, so the interval is that of the *difference*:
    far narrower than two separate CIs when x1 and x2 rank alike. ``share_le_0``: the share of
    resamples where x1 does not beat x2 (a one-sided bootstrap p-value for "x1 is better").
    """
    fn = _metric_fn(metric)
    x1, x2, y = (np.asarray(v, dtype=np.float64) for v in (x1, x2, y))
    ok = np.isfinite(x1) & np.isfinite(x2) & np.isfinite(y)
    x1, x2, y = x1[ok], x2[ok], y[ok]
    first, second = _resampled(metric, x1, y), _resampled(metric, x2, y)
    boots = _percentile_bootstrap(lambda draws: first(draws) - second(draws), len(y), n_boot, seed)
    return {"estimate": fn(x1, y) - fn(x2, y), "ci95": list(_interval(boots, alpha)), "n": int(len(y)),
            "share_le_0": float(np.mean(boots <= 0)) if len(boots) else float("nan")}
