"""Pooled discovery fitness (issue 15) equals the arch-by-arch path: scores bit for bit, failures word for word,
τ as scipy's, and the fitness of fixed candidates as pinned from the pre-pool code (real archs at 32×32)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from zeroseg.correlation.metrics import kendall, kendall_rows
from zeroseg.discovery import fitness
from zeroseg.discovery.fitness import sampled_tau, score_matrix, score_matrix_by_arch, tau_fitnesses
from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.statstore import memory_stats
from zeroseg.dsl import parse
from zeroseg.dsl.layout import TypeLayout
from zeroseg.dsl.primitives.compare import gt, lt
from zeroseg.dsl.primitives.rowwise import normalize, normalize_alone

PINNED = json.loads((Path(__file__).parent / "data" / "fast_fitness_pinned.json").read_text())


@pytest.fixture(scope="module")
def problem(tmp_path_factory) -> ProxyDiscovery:
    return ProxyDiscovery("micro", dict(cache_dir=str(tmp_path_factory.mktemp("stats")), resolution=32, batch_size=4),
                          samples=4, repeats=3, archs=6, seed=0, layer_share=0.5)


def test_kendall_rows_is_scipys_tau_b_with_ties_nan_and_constants():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(60, 9)).astype(float)  # many ties
    x[5] = 2.0  # constant row
    x[6, :7] = np.nan  # two finite pairs only
    x[7, [0, 3]] = [np.nan, np.inf]
    x[8] = rng.normal(size=9)
    y = rng.integers(0, 5, size=9).astype(float)
    y[2] = np.nan
    want = np.array([kendall(r, y) for r in x])
    got = kendall_rows(x, y)
    assert np.array_equal(got, want, equal_nan=True) and np.isnan(got[[5, 6]]).all() and np.isfinite(got[8])
    assert np.array_equal(kendall_rows(x, np.tile(y, (60, 1))), want, equal_nan=True)  # y per row


@pytest.mark.parametrize("keep_going", [False, True])
def test_pooled_scores_equal_arch_by_arch_bit_for_bit(problem, keep_going, monkeypatch):
    graphs = [parse(t) for t, _, _ in PINNED["fitness"]]
    codes = problem.fitness_codes
    stats = memory_stats(problem.settings, codes)
    want, why = score_matrix_by_arch(graphs, codes, stats, keep_going=keep_going)
    got, got_why = score_matrix(graphs, codes, stats, keep_going=keep_going)
    assert np.array_equal(got, want, equal_nan=True) and got_why == why
    assert sum(w is not None for w in why) >= 5 and np.isfinite(want).sum() > 100  # both paths are exercised
    monkeypatch.setattr(fitness, "POOL_ARCHS", 4)  # pools of 4 + 2 archs: the same numbers (shards rely on it)
    split, split_why = score_matrix(graphs, codes, stats, keep_going=keep_going)
    assert np.array_equal(split, want, equal_nan=True) and split_why == why


def test_fitness_of_fixed_candidates_is_as_pinned_before_pooling(problem):
    texts = [t for t, _, _ in PINNED["fitness"]]
    fits = problem.evaluate([parse(t) for t in texts])
    got = [[t, list(f.values) if f.ok else f.invalid, f.info] for t, f in zip(texts, fits)]
    assert got == PINNED["fitness"]


def test_partner_fitness_is_the_best_weight_of_the_combined_tau(problem):
    graphs = [parse(t) for t, _, _ in PINNED["fitness"][:12]]
    codes = problem.fitness_codes
    scores, failed = score_matrix(graphs, codes, memory_stats(problem.settings, codes))
    partner = scores[0]  # sum_layers(P): a real, valid score vector of these archs
    fits = tau_fitnesses(scores, failed, problem.fitness_acc, problem.fitness_samples, partner, (0.5, 1.0))
    from zeroseg.discovery.combine import avt_sum, bounds

    for row, why, fit in zip(scores, failed, fits):
        if why is not None or bounds(row) is None:
            assert not fit.ok
            continue
        taus = [sampled_tau(avt_sum(row, partner, bounds(row), bounds(partner), w), problem.fitness_acc,
                            problem.fitness_samples)[0] for w in (0.5, 1.0)]
        assert fit.values[0] == max(taus) and fit.info["weight"] == (0.5, 1.0)[int(np.argmax(taus))]


SIGMOID_NORMALIZE = ["sum_layers(sigmoid(to_sum(W)))", "sigmoid(sum_layers(P))", "mean_layers(sigmoid(to_mean(A)))",
                     "sigmoid(loss)", "to_sum(sigmoid(KH))", "to_sum(normalize(KH))", "sum_layers(to_sum(normalize(A)))",
                     "sum_layers(frobenius(normalize(sigmoid(KA))))", "sum_layers(to_sum(sigmoid(gram(W))))",
                     "sum_layers(eq(cosine_sim(sub(A, A), lt(A, A)), kl_div(invert(A), pow(A))))",
                     "mean_layers(to_sum(normalize(sigmoid(G))))", "sum_layers(to_sum(normalize(sigmoid(A))))"]


@pytest.mark.parametrize("keep_going", [False, True])
def test_pooled_scores_of_random_candidates_equal_arch_by_arch(problem, keep_going):
    """Many sampled candidates (layer aggregates and net trees) and the whole-class paths of sigmoid and
    normalize: the pooled scores and reasons are the arch-by-arch ones, with and without first-only."""
    rng = np.random.default_rng(15)
    graphs = [problem.sample(rng) for _ in range(150)] + [parse(t) for t in SIGMOID_NORMALIZE]
    codes = problem.fitness_codes
    stats = memory_stats(problem.settings, codes)
    want, why = score_matrix_by_arch(graphs, codes, stats, keep_going=keep_going)
    got, got_why = score_matrix(graphs, codes, stats, keep_going=keep_going)
    assert np.array_equal(got, want, equal_nan=True) and got_why == why
    assert 10 <= sum(w is not None for w in why) <= 140  # both valid and failing candidates


def test_normalize_alone_is_torchs_normalize_of_each_matrix_alone():
    """A one-matrix batch takes torch's whole-tensor std (not the batch's Welford pass): ``normalize_alone``
    reproduces it for every matrix of a batch, near-constant and constant matrices included."""
    g = torch.Generator().manual_seed(0)
    for shape in [(4, 4), (8, 8), (8, 27), (8, 512), (1, 5), (8, 4096)]:
        x = torch.randn(10, *shape, generator=g)
        near = torch.full_like(x, 0.3) + (torch.arange(10)[:, None, None] % 2) * 1e-7
        for v in (x, x * 1e30, torch.sigmoid(x * 1e-6), near):
            want = torch.cat([normalize(v[i:i + 1]) for i in range(len(v))])
            assert torch.equal(torch.nan_to_num(normalize_alone(v), 7.0), torch.nan_to_num(want, 7.0))


def test_comparisons_of_one_operand_given_twice_are_the_plain_ones():
    x = torch.tensor([[1.0, float("nan"), float("inf"), -0.0]])
    assert torch.equal(lt(x, x), (x < x).float()) and torch.equal(gt(x, x), (x > x).float())
    assert torch.equal(lt(x, x.flip(-1)), (x < x.flip(-1)).float())


def test_full_class_tensors_keep_every_computed_row():
    """A node's classes may end at different nets (first-only stops at the first failure found so far):
    ``full`` pads the prefixes with NaN rows and keeps the whole classes as they are."""
    whole, prefix = torch.ones(2, 3), torch.zeros(1, 3)
    got = TypeLayout.full(SimpleNamespace(sizes=[2, 3, 1]), [whole, prefix, None])
    assert got[0] is whole and torch.equal(got[1][:1], prefix) and got[1][1:].isnan().all() and got[2] is None


def test_pooled_scores_of_opt_in_terminals_equal_arch_by_arch(problem):
    graphs = [parse(t) for t in ("sum_layers(U)", "sum_layers(mul(log(U), l1_norm(G)))", "mean_layers(sub(log(M), log(U)))")]
    codes = problem.fitness_codes
    stats = memory_stats(problem.settings, codes)
    want, why = score_matrix_by_arch(graphs, codes, stats)
    got, got_why = score_matrix(graphs, codes, stats)
    assert np.array_equal(got, want, equal_nan=True) and got_why == why and np.isfinite(got).all()
    assert np.allclose(got[0], [sum(L.act_units for L in stats[c].layers) for c in codes])


def test_a_train_split_of_many_pools_stays_resident_across_generations(problem, monkeypatch):
    """Whole-split runs (macro: 216 train archs = 4 pools) must not evict their own pools each generation:
    that rebuilt every terminal per generation (a third of a run's time)."""
    codes = problem.fitness_codes
    stats = memory_stats(problem.settings, codes)
    graphs = [parse("sum_layers(l1_norm(G))")]
    monkeypatch.setattr(fitness, "POOL_ARCHS", 1)  # 6 pools of one arch
    monkeypatch.setattr(fitness, "_POOLS", type(fitness._POOLS)())
    score_matrix(graphs, codes, stats)
    first = dict(fitness._POOLS)
    score_matrix(graphs, codes, stats)  # the next generation
    assert len(first) == len(codes) and all(fitness._POOLS[k] is p for k, p in first.items())
    monkeypatch.setattr(fitness, "ARCHS_KEPT", 2)  # a bound in archs: the oldest pools go first
    fitness._POOLS.clear()
    score_matrix(graphs, codes, stats)
    assert list(fitness._POOLS) == list(first)[-2:]
