"""Proxy discovery on a handful of real TNB101 archs (statistics at 32×32, cached once per session)."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest
import torch

from zeroseg.cli.main import main
from zeroseg.correlation.split import split_of
from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.run import library_seeds
from zeroseg.dsl import NS, parse
from zeroseg.evolution import EvolutionConfig, evolve

SMALL = dict(samples=6, repeats=2, archs=6, seed=0)


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("stats"))


def _problem(cache: str) -> ProxyDiscovery:
    return ProxyDiscovery("micro", dict(cache_dir=cache, resolution=32, batch_size=4), **SMALL)


def test_fitness_uses_train_archs_only_and_is_reproducible(cache):
    p = _problem(cache)
    assert {split_of(c) for c in p.fitness_codes} == {"train"}
    assert {split_of(c) for c in p.plan.test.codes} == {"test"}
    assert _problem(cache).plan == p.plan
    good, bad = p.evaluate([parse("sum_layers(P)"), parse("sum_layers(to_sum(log(G)))")])
    assert good.ok and -1 <= good.values[0] <= 1
    assert bad.invalid == "non-finite after log" and "arch" in bad.info["detail"]  # log of negative gradients
    assert p.evaluate([parse("sum_layers(P)")]) == [good]  # same value alone as in a batch


def test_variation_is_deterministic_and_leaves_global_random_alone(cache):
    p, state = _problem(cache), random.getstate()
    a = [p.sample(np.random.default_rng(1)) for _ in range(2)]
    assert a[0] == a[1]
    x, y = p.sample(np.random.default_rng(2)), p.sample(np.random.default_rng(3))
    m1, m2 = (p.mutate(x, np.random.default_rng(4)) for _ in range(2))
    c1, c2 = (p.crossover(x, y, np.random.default_rng(5)) for _ in range(2))
    assert m1 == m2 and c1 == c2 and random.getstate() == state
    assert p.decode(p.encode(m1)) == m1 and p.key(parse(p.encode(c1))) == p.key(c1)


def _our_scores_csv(path, space: str = "micro") -> str:
    """Our params/flops built-ins on every arch of the table except one (a real, cheap, no-pass file)."""
    from zeroseg.correlation.scores import compute_scores
    from zeroseg.transnas import load_table

    codes = load_table(space)["net_code"].tolist()
    compute_scores(codes[1:], ["params"], path)
    return str(path)


def test_cli_end_to_end_writes_every_output(cache, tmp_path, capsys):
    out = tmp_path / "run"
    ours = _our_scores_csv(tmp_path / "ours.csv")
    rc = main(["discover", "--baseline-scores", ours, "--space", "micro", "--generations", "3", "--population", "6", "--topk", "2",
               "--samples", "6", "--repeats", "2", "--archs", "6", "--resolution", "32", "--batch-size", "4",
               "--cache", cache, "--out", str(out), "--compare-random", "--report-repeats", "3",
               "--bootstrap", "50", "--no-progress", "--hall-of-fame", "2", "--workers", "2"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "found:" in printed and "reference suite_zero:jacov" in printed
    assert "found proxy (1 term" in printed and "strongest self-contained reference" in printed
    report = json.loads((out / "report.json").read_text())
    for key in ("config", "seed", "budget", "evaluated", "rejected", "proxies", "baselines", "comparison",
                "wall_time", "random"):
        assert key in report
    assert report["evaluated"] == report["random"]["evaluated"]  # same budget
    found = report["found"]
    assert found["found"]["size"] == 1 and found["margin"]["kind"] in ("single", "avt_pair", "avt_triple", "ridge")
    assert all(not t["name"].startswith("suite_zero:") for t in found["found"]["terms"])
    assert {r["kind"] for r in found["references"]} >= {"single", "ridge", "gbt"}
    assert "found" in report["random"]
    # the found proxy file scores a network through the core, with the value the report's vectors give
    from zeroseg.discovery.archs import Pool
    from zeroseg.discovery.ensemble import combine, terms_of
    from zeroseg.discovery.found import term_vectors
    from zeroseg.discovery.statstore import StatsSettings

    arch = next(c for c in pd.read_csv(ours)["net_code"] if split_of(c) == "test")
    rc = main(["score", "--space", "micro", "--arch", arch, "--proxy", found["file"], "--resolution", "32",
               "--batch-size", "4"])
    printed = capsys.readouterr().out
    assert rc == 0 and found["file"].endswith("found.proxy")
    texts = [t["name"][4:] for t in found["found"]["terms"] if t["name"].startswith("dsl:")]
    vectors = term_vectors("micro", texts, Pool((arch,), (0.0,)), StatsSettings(cache_dir=cache, resolution=32,
                                                                                 batch_size=4), None, ours)
    expected = float(combine(terms_of(found["found"]), vectors)[0])
    assert f"{expected:.4g}"[:4] in printed.replace(",", ""), (expected, printed)
    best = report["proxies"][0]
    assert len(best["test"]["kendall_ci95"]) == 2 and "spearman_mean" in best["test"]
    assert {"suite_zero:jacov", "ours:params"} <= set(report["baselines"])
    log = pd.read_csv(out / "log.csv")
    assert list(log["gen"]) == [0, 1, 2] and {"best", "mean", "rejected", "wall"} <= set(log.columns)
    assert (out / "curve.png").stat().st_size > 1000 and (out / "log_random.csv").exists()
    from zeroseg.discovery.run import DiscoverOptions, problem_for as cli_problem

    same = cli_problem(DiscoverOptions(samples=6, repeats=2, archs=6, resolution=32, batch_size=4, cache=cache))
    serial = evolve(same, EvolutionConfig(population=6, topk=2, generations=3, hall_of_fame=2),
                    progress=False)  # what 2 joblib workers found, serially
    assert serial.log.drop(columns="wall").equals(log.drop(columns="wall"))
    assert serial.best.text == best["proxy"]
    from zeroseg.proxies.library import read_proxy_file

    assert parse(read_proxy_file(out / "best_1.proxy").expression).text == best["proxy"]


def test_cli_partner_weights_and_extra_terminals_reach_the_search_and_the_report(cache, tmp_path, capsys):
    """--partner, --partner-weights and --extra-terminals: the run records them, the combination used
    carries a weight chosen on train, random search's winner is combined too, provenance names them."""
    out = tmp_path / "run"
    rc = main(["discover", "--space", "micro", "--generations", "2", "--population", "6", "--topk", "2",
               "--samples", "6", "--repeats", "2", "--archs", "6", "--resolution", "32", "--batch-size", "4",
               "--cache", cache, "--out", str(out), "--compare-random", "--report-repeats", "3",
               "--bootstrap", "20", "--no-progress", "--hall-of-fame", "1", "--workers", "1",
               "--partner", "suite_zero:jacov", "--partner-weights", "0.5", "2", "--extra-terminals", "M"])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    assert report["config"]["partner_weights"] == [0.5, 2.0] and report["config"]["extra_terminals"] == ["M"]
    assert report["combined"]["weight"] in (0.5, 2.0) and report["combined"]["partner"] == "suite_zero:jacov"
    assert report["combined"]["train_tau"] == pytest.approx(report["proxies"][0]["train_fitness"])
    assert report["random"]["combined"]["weight"] in (0.5, 2.0)
    assert report["wall_time"]["total"] >= report["wall_time"]["search"] > 0
    paired = report["comparison"]["margin_full_pool"]  # the combination used vs Suite-Zero's jacov, paired
    assert paired["n"] <= 6 and paired["ci95"][0] <= paired["estimate"] <= paired["ci95"][1]
    assert "--partner suite_zero:jacov --partner-weights 0.5 2 --extra-terminals M" in (out / "best_1.proxy").read_text()
    assert f"{report['combined']['weight']:g}·AVT + suite_zero:jacov" in capsys.readouterr().out


SCRIPT = """
import sys
from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.evolution import EvolutionConfig, evolve
p = ProxyDiscovery("micro", dict(cache_dir=sys.argv[1], resolution=32, batch_size=4), samples=6, repeats=2, archs=6)
evolve(p, EvolutionConfig(population=12, topk=3, generations=10, patience=3), checkpoint=sys.argv[2], progress=False)
"""


def test_sigkill_mid_run_then_resume_gives_the_uninterrupted_result(cache, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    _problem(cache).evaluate([parse("sum_layers(P)")])  # statistics in the cache before the race starts
    path = tmp_path / "checkpoint.json"

    def generation() -> int:
        try:
            return json.loads(path.read_text())["generation"]
        except (FileNotFoundError, json.JSONDecodeError):
            return -1

    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, cache, str(path)])
    deadline = time.monotonic() + 120
    while generation() < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 2 <= generation() < 10, f"killed at generation {generation()}: not mid-run"
    cfg = EvolutionConfig(population=12, topk=3, generations=10, patience=3)
    resumed = evolve(_problem(cache), cfg, checkpoint=path, resume=True, progress=False)
    whole = evolve(_problem(cache), cfg, progress=False)
    assert resumed.best.text == whole.best.text and resumed.hall_of_fame == whole.hall_of_fame
    assert resumed.log.drop(columns="wall").equals(whole.log.drop(columns="wall"))


def test_sampler_mixes_layer_aggregates_library_seeds_and_uniform_trees(cache):
    seeds = ["slogdet(KH)", "sum_layers(frobenius(G))"]
    stats = dict(cache_dir=cache, resolution=32, batch_size=4)
    layer = ProxyDiscovery("micro", stats, layer_share=1.0, **SMALL)
    rng = np.random.default_rng(0)
    assert {layer.sample(rng).nodes[0].op for _ in range(40)} == {"sum_layers", "mean_layers"}
    seeded = ProxyDiscovery("micro", stats, seed_share=1.0, seeds=seeds, **SMALL)
    assert {seeded.sample(rng).text for _ in range(20)} == set(seeds)
    with pytest.raises(ValueError, match="layer_share"):
        ProxyDiscovery("micro", stats, layer_share=1.5, **SMALL)
    with pytest.raises(Exception, match="nope"):
        ProxyDiscovery("micro", stats, seeds=["nope(W)"], **SMALL)


def test_precompute_reads_nothing_for_cached_archs_and_found_proxies_are_not_baselines(cache, tmp_path,
                                                                                      monkeypatch):
    from zeroseg.discovery.report import library_baselines
    from zeroseg.discovery.statstore import precompute
    from zeroseg.evolution.executors import SerialExecutor
    from zeroseg.proxies.library import ProxyFile

    p = _problem(cache)
    p.evaluate([parse("sum_layers(P)")])  # fills the cache for the fitness archs

    class Counting(SerialExecutor):
        items = 0

        def evaluate(self, problem, items):
            Counting.items += len(items)
            return super().evaluate(problem, items)

    assert all(p.settings.cached(c) for c in p.fitness_codes)
    assert precompute(p.settings, p.fitness_codes, Counting()) == {} and Counting.items == 0
    monkeypatch.setenv("ZEROSEG_PROXY_LIBRARY", str(tmp_path))
    (tmp_path / "known.proxy").write_text(ProxyFile("known", "a paper", +1, "slogdet(KH)", ()).format())
    (tmp_path / "found.proxy").write_text(ProxyFile("found", "zeroseg discover --space micro", +1, "sum_layers(P)",
                                                    ()).format())
    assert set(library_baselines()) == {"known"}


def test_avt_partner_missing_scores_rank_last_and_sparse_partners_are_skipped(tmp_path):
    from zeroseg.discovery.archs import Pool
    from zeroseg.discovery.combine import avt_sum
    from zeroseg.discovery.partners import choose_partner
    from zeroseg.discovery.partners import ours_on
    from zeroseg.transnas import load_table

    table = load_table("micro")
    pool = Pool(tuple(table["net_code"][:3]), tuple(table["val_acc"][:3]))
    vec = ours_on(pool, _our_scores_csv(tmp_path / "ours.csv"))["ours:params"]
    assert np.isnan(vec[0]) and np.allclose(vec[1:], table["params_m"][1:3] * 1e6, rtol=1e-3)
    combined = avt_sum(np.array([0.0, 1.0, np.nan]), np.array([np.nan, 2.0, 4.0]), (0.0, 1.0), (2.0, 4.0))
    assert combined[0] == 0.0 and combined[1] == 1.0 and np.isnan(combined[2])
    acc, samples = np.arange(20.0), [list(range(20))]
    winner = acc.copy()
    sparse = np.where(np.arange(20) < 5, np.nan, acc)  # 75% valid: below MIN_VALID
    pick = choose_partner(winner, {"sparse": sparse, "mod7": acc % 7}, acc, samples)
    assert pick["partner"] == "mod7"  # "sparse" would have tied the winner's perfect τ, but is skipped
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ours_on(pool, tmp_path / "absent.csv")


def test_partner_fitness_is_the_tau_of_the_avt_combination(cache):
    from zeroseg.discovery.combine import avt_sum, bounds
    from zeroseg.discovery.fitness import sampled_tau, score_matrix
    from zeroseg.discovery.statstore import memory_stats

    p = ProxyDiscovery("micro", dict(cache_dir=cache, resolution=32, batch_size=4), partner="suite_zero:jacov",
                       **SMALL)
    g = parse("sum_layers(to_sum(abs(G)))")
    (fit,) = p.evaluate([g])
    scores, _ = score_matrix([g], p.fitness_codes, memory_stats(p.settings, p.fitness_codes))
    partner = p.partner_scores
    expected, _ = sampled_tau(avt_sum(scores[0], partner, bounds(scores[0]), bounds(partner)), p.fitness_acc,
                              p.fitness_samples)
    assert fit.ok and fit.values[0] == pytest.approx(expected)
    (alone,) = _problem(cache).evaluate([g])
    assert alone.values[0] != pytest.approx(expected)  # the partner changes the target
    with pytest.raises(ValueError, match="expected one of suite_zero:<name>, ours:<name>"):
        ProxyDiscovery("micro", dict(cache_dir=cache, resolution=32, batch_size=4), partner="jacov", **SMALL)
    with pytest.raises(ValueError, match="needs our scores"):
        ProxyDiscovery("micro", dict(cache_dir=cache, resolution=32, batch_size=4), partner="ours:snip", **SMALL)


def test_partner_weights_pick_the_best_weighted_combination_on_train(cache):
    """w·AVT(candidate) + AVT(partner): the fitness is the best w (recorded); the report's choice agrees."""
    from zeroseg.discovery.combine import avt_sum, bounds
    from zeroseg.discovery.partners import choose_partner
    from zeroseg.discovery.fitness import sampled_tau, score_matrix
    from zeroseg.discovery.statstore import memory_stats

    stats = dict(cache_dir=cache, resolution=32, batch_size=4)
    weights = (0.01, 1.0, 100.0)  # ≈ the partner alone, SasWOT's sum, ≈ the candidate alone
    p = ProxyDiscovery("micro", stats, partner="suite_zero:jacov", partner_weights=weights, **SMALL)
    g = parse("sum_layers(to_sum(abs(G)))")
    (fit,) = p.evaluate([g])
    (row,), _ = score_matrix([g], p.fitness_codes, memory_stats(p.settings, p.fitness_codes))
    partner = p.partner_scores
    taus = [sampled_tau(avt_sum(row, partner, bounds(row), bounds(partner), w), p.fitness_acc,
                        p.fitness_samples)[0] for w in weights]
    assert len(set(np.round(taus, 9))) > 1  # the weight matters
    assert fit.values[0] == pytest.approx(max(taus)) and fit.info["weight"] == weights[int(np.argmax(taus))]
    pick = choose_partner(row, {"suite_zero:jacov": partner}, p.fitness_acc, p.fitness_samples, weights)
    assert pick["weight"] == fit.info["weight"] and pick["train_tau"] == pytest.approx(fit.values[0])
    with pytest.raises(ValueError, match="partner_weights must be positive"):
        ProxyDiscovery("micro", stats, partner="suite_zero:jacov", partner_weights=(0.5, -1.0), **SMALL)
    with pytest.raises(ValueError, match="the opt-in ones are"):
        ProxyDiscovery("micro", stats, extra_terminals=("colour",), **SMALL)


def test_extra_terminals_enter_sampling_and_mutation(cache):
    """With extra_terminals=("M",) the search's own sampler and mutations draw M; without, never."""
    stats = dict(cache_dir=cache, resolution=32, batch_size=4)

    def m_count(p: ProxyDiscovery) -> int:
        rng = np.random.default_rng(0)
        graphs = [p.sample(rng) for _ in range(150)]
        graphs += [p.mutate(g, rng) for g in graphs]
        return sum("M" in {n.op for n in g.nodes} for g in graphs)

    assert m_count(ProxyDiscovery("micro", stats, layer_share=1.0, **SMALL)) == 0
    assert m_count(ProxyDiscovery("micro", stats, layer_share=1.0, extra_terminals=("M",), **SMALL)) > 10


def test_reports_score_the_archs_after_one_a_proxy_fails_on(cache):
    import dataclasses

    from zeroseg.discovery.fitness import score_matrix
    from zeroseg.discovery.statstore import memory_stats

    p = _problem(cache)
    codes = list(p.plan.test.codes[:3])
    stats = dict(memory_stats(p.settings, tuple(codes)))
    first = stats[codes[0]]
    broken = dataclasses.replace(first.layers[0], W=torch.zeros_like(first.layers[0].W))
    stats[codes[0]] = dataclasses.replace(first, layers=[broken, *first.layers[1:]])  # invert(0) = inf
    g = parse("sum_layers(to_sum(abs(invert(W))))")
    dropped, why = score_matrix([g], codes, stats)
    kept, why_kept = score_matrix([g], codes, stats, keep_going=True)
    assert np.isnan(dropped[0]).all() and why == why_kept and codes[0] in why[0]
    assert np.isnan(kept[0, 0]) and np.isfinite(kept[0, 1:]).all()


def test_library_seeds_are_those_the_search_can_mutate(cache):
    """``activations`` (sum_layers(U)) seeds only a search that draws U: seeded without it, its first
    mutation failed (KeyError 'U'); a seed outside the vocabulary given by hand is one clear error."""
    plain, with_u = library_seeds(()), library_seeds(("U",))
    assert "sum_layers(U)" in with_u and "sum_layers(U)" not in plain and set(plain) < set(with_u)
    stats = dict(cache_dir=cache, resolution=32, batch_size=4)
    p = ProxyDiscovery("micro", stats, seeds=with_u, seed_share=1.0, extra_terminals=("U",), **SMALL)
    rng = np.random.default_rng(0)
    assert all(p.mutate(g, rng).type is NS for g in p.seeds)
    with pytest.raises(ValueError, match=r"seed sum_layers\(U\) uses U, which this search does not draw"):
        ProxyDiscovery("micro", stats, seeds=["sum_layers(U)"], **SMALL)
