"""References and the multi-term ensemble on the real TNB101 tables (Suite-Zero's columns: no network pass)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from zeroseg.correlation.metrics import kendall
from zeroseg.discovery.archs import plan_archs
from zeroseg.discovery.combine import bounds
from zeroseg.discovery.ensemble import WEIGHTS, combine, fit_ensemble, greedy, held_out_curve, terms_of
from zeroseg.discovery.fitness import sampled_tau
from zeroseg.discovery.partners import table_baselines
from zeroseg.discovery.references import avt_scores, best_avt_combo, one_hot, pool_ranks, references

NAMES = ("suite_zero:flops", "suite_zero:jacov", "suite_zero:snip", "suite_zero:nwot", "suite_zero:grad_norm")


@pytest.fixture(scope="module")
def micro():
    plan = plan_archs("micro", samples=50, repeats=4, limit=None, seed=0)
    train = {k: v for k, v in table_baselines("micro", plan.train).items() if k in NAMES}
    test = {k: v for k, v in table_baselines("micro", plan.test).items() if k in NAMES}
    return plan, train, test


def test_one_hot_micro_and_macro():
    a, b = one_hot("micro", ["64-41414-1_00_210", "64-41414-1_00_213"])
    assert a.shape == (24,) and a.sum() == 6 and np.abs(a - b).sum() == 2
    m = one_hot("macro", ["64-1234-basic", "64-123412-basic"])
    assert m.shape == (2, 30) and m[0].sum() == 6 and m[0][4 * 5] == 1 and m[1][4 * 5 + 1] == 1


def test_pool_ranks_scale_and_nan():
    r = pool_ranks(np.array([[3.0], [1.0], [np.nan], [2.0]]))
    assert r[:, 0].tolist() == [1.0, 0.0, 0.5, 0.5]


def test_best_pair_is_the_best_of_all_pairs_on_train(micro):
    plan, train, test = micro
    ref = best_avt_combo(train, test, plan.train.acc, plan.samples, 2, sorted(train))
    lims = {n: bounds(train[n]) for n in train}
    for pair in itertools.combinations(sorted(train), 2):
        tau, _ = sampled_tau(avt_scores(train, pair, lims), plan.train.acc, plan.samples)
        assert tau <= ref.detail["train_tau"] + 1e-12
    assert ref.kind == "avt_pair" and not ref.self_contained and len(ref.test) == len(plan.test)


def test_predictors_never_read_test_labels(micro):
    plan, train, test = micro
    refs = {r.name: r for r in references("micro", train, test, plan.train.codes, plan.test.codes,
                                          plan.train.acc, plan.samples, 0)}
    shuffled = {k: np.random.default_rng(1).permutation(v) for k, v in test.items()}
    again = {r.name: r for r in references("micro", train, shuffled, plan.train.codes, plan.test.codes,
                                           plan.train.acc, plan.samples, 0)}
    for name in ("ridge[suite_zero]", "gbt[suite_zero]", "ridge[encoding]"):
        np.testing.assert_allclose(refs[name].train, again[name].train)
        assert kendall(refs[name].train, plan.train.acc) > 0.3
    # AVT pairs and triples are formed from our own proxies only; Suite-Zero columns stay singles
    assert {r.kind for r in refs.values()} == {"single", "ridge", "gbt"}


def test_ensemble_starts_from_the_best_single_and_is_deterministic(micro):
    plan, train, _ = micro
    acc = plan.train.acc
    block = fit_ensemble(train, acc, max_terms=3, folds=3, seed=0)
    # a single term as the ensemble scores it: an arch the proxy cannot score counts as its minimum
    best_single = max(kendall(np.nan_to_num(v, nan=np.nanmin(v)), acc) for v in train.values())
    assert block["train_tau"] >= best_single - 1e-12
    assert 1 <= block["size"] <= 3 and len(block["held_out_tau"]) == 3
    assert fit_ensemble(train, acc, max_terms=3, folds=3, seed=0) == block
    terms = terms_of(block)
    assert kendall(combine(terms, train), acc) == pytest.approx(block["train_tau"])
    assert all(t.name in train and t.hi > t.lo for t in terms)


def test_held_out_curve_uses_folds_not_the_whole_split(micro):
    plan, train, _ = micro
    acc = plan.train.acc
    curve = held_out_curve(train, acc, 2, 4, seed=0)
    full = fit_ensemble(train, acc, max_terms=1, folds=4, seed=0)["train_tau"]
    assert all(np.isfinite(curve)) and curve[0] != pytest.approx(full)


def test_a_later_term_may_weigh_less_than_the_first():
    """acc = u − 0.4·v: the fit must reach weights (1, −0.5) (ratio −0.5, the grid's nearest). With the
    first weight drawn from the grid it was pinned to 0.25, so the ratio could only be −1, −2 or −4."""
    rng = np.random.default_rng(0)
    u, v = rng.uniform(size=300), rng.uniform(size=300)
    acc = u - 0.4 * v
    block = fit_ensemble({"u": u, "v": v}, acc, max_terms=2, folds=5, seed=0)
    assert [(t.name, t.weight) for t in terms_of(block)] == [("u", 1.0), ("v", -0.5)]
    assert block["train_tau"] > kendall(u - v, acc) and block["first_weights"] == [-1.0, 1.0]


def test_beam_finds_a_pair_of_weaker_terms_that_greedy_misses():
    """acc = a − b exactly; c is acc plus noise and the best single term. Plain greedy commits to c;
    the beam keeps a, whose partner −b ranks every arch right."""
    rng = np.random.default_rng(1)
    a, b = rng.uniform(size=120), rng.uniform(size=120)
    acc = a - b
    vectors = {"a": a, "b": b, "c": acc + rng.normal(scale=0.25, size=120)}
    parts, idx = [(vectors, acc)], [np.arange(120)]
    plain = greedy(parts, idx, 2, WEIGHTS, beam=1)
    wide = greedy(parts, idx, 2, WEIGHTS)
    assert plain[0][0][0][0].name == "c" and plain[1][1] < 0.95
    assert {(t.name, t.weight) for t in wide[1][0][0]} == {("a", 1.0), ("b", -1.0)} and wide[1][1] > 0.99
    assert wide[0][1] == plain[0][1]  # one term: the same best single term


def test_a_term_resolved_only_by_rounding_is_no_candidate():
    """1.7 + 1e-8·acc ranks the archs perfectly in float64, but its range is float32 rounding: left out."""
    rng = np.random.default_rng(2)
    u, acc = rng.uniform(size=100), rng.uniform(size=100)
    block = fit_ensemble({"tiny": 1.7 + 1e-8 * acc, "u": u + acc}, acc, max_terms=1, folds=5, seed=0)
    assert [t.name for t in terms_of(block)] == ["u"] and block["candidates"] == 2
