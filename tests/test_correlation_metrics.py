"""Correlation metrics against scipy on known data; NaN safety; sampling and bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from zeroseg.correlation.metrics import (
    bootstrap_ci,
    correlations,
    kendall,
    paired_bootstrap_diff,
    pearson,
    sampled_correlations,
    spearman,
)

X = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
Y = np.array([2.0, 1.0, 4.0, 3.0, 6.0, 5.0])


def test_against_scipy_and_hand_values():
    assert kendall(X, Y) == pytest.approx(stats.kendalltau(X, Y)[0]) == pytest.approx(9 / 15)
    assert spearman(X, Y) == pytest.approx(stats.spearmanr(X, Y)[0]) == pytest.approx(1 - 6 * 6 / (6 * 35))
    assert pearson(X, Y) == pytest.approx(stats.pearsonr(X, Y)[0])
    assert kendall(X, -X) == pytest.approx(-1.0)


def test_nan_pairs_are_dropped_and_degenerate_is_nan():
    xn = np.append(X, np.nan)
    yn = np.append(Y, 7.0)
    assert kendall(xn, yn) == pytest.approx(kendall(X, Y))
    assert math.isnan(kendall(np.ones(6), Y))  # constant score
    assert math.isnan(spearman(X[:2], Y[:2]))  # too few pairs
    assert all(math.isnan(v) for v in correlations(np.full(6, np.nan), Y).values())
    with pytest.raises(ValueError, match="lengths differ"):
        kendall(X, Y[:3])


def test_sampled_correlations_whole_pool_and_seed():
    s = sampled_correlations(X, Y, samples=50, repeats=4, seed=0)
    assert s.samples == 6 and s.kendall_std == 0 and s.kendall_mean == pytest.approx(kendall(X, Y))
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    y = x + rng.normal(size=200)
    a = sampled_correlations(x, y, samples=50, repeats=10, seed=3)
    assert a == sampled_correlations(x, y, samples=50, repeats=10, seed=3)
    assert a != sampled_correlations(x, y, samples=50, repeats=10, seed=4)
    assert 0.3 < a.kendall_mean < 0.7 and a.kendall_std > 0


def test_bootstrap_ci_brackets_estimate():
    rng = np.random.default_rng(0)
    x = rng.normal(size=100)
    y = x + rng.normal(size=100)
    est, lo, hi = bootstrap_ci(x, y, "spearman", n_boot=300, seed=0)
    assert lo < est < hi and est == pytest.approx(spearman(x, y))
    with pytest.raises(ValueError, match="unknown metric"):
        bootstrap_ci(x, y, "tau")


def test_paired_bootstrap_diff_is_the_interval_of_the_difference() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    better, worse = y + 0.3 * rng.normal(size=200), y + 1.5 * rng.normal(size=200)
    d = paired_bootstrap_diff(better, worse, y, n_boot=300)
    assert d["estimate"] == pytest.approx(kendall(better, y) - kendall(worse, y))
    assert 0 < d["ci95"][0] < d["estimate"] < d["ci95"][1] and d["share_le_0"] == 0.0 and d["n"] == 200
    same = paired_bootstrap_diff(better, better.copy(), y, n_boot=50)
    assert same["estimate"] == 0.0 and same["ci95"] == [0.0, 0.0] and same["share_le_0"] == 1.0
    holed = better.copy()
    holed[:10] = np.nan  # archs either score cannot rank are left out of both
    assert paired_bootstrap_diff(holed, worse, y, n_boot=20)["n"] == 190
    with pytest.raises(ValueError, match="unknown metric"):
        paired_bootstrap_diff(better, worse, y, metric="tau")


def test_kendall_resamples_equal_scipy_per_resample_bit_for_bit():
    """The bootstrap's one-pass τ equals scipy's τ-b on each resample: ties, twice-drawn archs, NaN
    archs and undefined resamples (too few archs, a constant side) included."""
    from zeroseg.correlation.metrics import _draws, kendall, kendall_resamples

    rng = np.random.default_rng(7)
    for n in (3, 4, 9, 60):
        x, y = np.round(rng.normal(size=n), 1), np.round(rng.normal(size=n), 1)
        x[rng.random(n) < 0.15] = np.nan
        draws = _draws(n, 400, seed=n)
        fast = kendall_resamples(x, y, draws)
        slow = np.array([kendall(x[d], y[d]) for d in draws])
        assert np.array_equal(np.isnan(fast), np.isnan(slow))
        assert np.array_equal(fast[np.isfinite(fast)], slow[np.isfinite(slow)])
    const = kendall_resamples(np.ones(5), np.arange(5.0), _draws(5, 10, 0))
    assert np.isnan(const).all()


def test_bootstrap_ci_and_paired_diff_are_the_per_resample_loop():
    from zeroseg.correlation.metrics import _draws, _interval, bootstrap_ci, kendall, paired_bootstrap_diff

    rng = np.random.default_rng(3)
    y = rng.normal(size=40)
    a, b = y + rng.normal(size=40), y + 2 * rng.normal(size=40)
    draws = _draws(40, 200, seed=5)
    loop = np.array([kendall(a[d], y[d]) for d in draws])
    assert bootstrap_ci(a, y, "kendall", n_boot=200, seed=5)[1:] == _interval(loop, 0.05)
    diff = np.array([kendall(a[d], y[d]) - kendall(b[d], y[d]) for d in draws])
    got = paired_bootstrap_diff(a, b, y, "kendall", n_boot=200, seed=5)
    assert tuple(got["ci95"]) == _interval(diff, 0.05) and got["share_le_0"] == float(np.mean(diff <= 0))
