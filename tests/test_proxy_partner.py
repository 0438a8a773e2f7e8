"""A search's partner may be any proxy (``--partner proxy:<reference>``), a found proxy included: the search
then looks for the term that adds to it (issue 11, item 4). Real TNB101 archs, statistics at 32×32."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from zeroseg.cli.main import main
from zeroseg.correlation.scores import compute_scores
from zeroseg.discovery.combine import avt_sum, bounds
from zeroseg.discovery.fitness import sampled_tau, score_matrix
from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.statstore import memory_stats
from zeroseg.dsl import parse
from zeroseg.proxies import write_found_proxy
from zeroseg.transnas import load_table

SMALL = dict(samples=6, repeats=2, archs=6, seed=0)
GRAD = "sum_layers(to_sum(abs(G)))"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("stats"))


def _stats(cache: str) -> dict:
    return dict(cache_dir=cache, resolution=32, batch_size=4)


def _raw(p: ProxyDiscovery, text: str) -> np.ndarray:
    scores, _ = score_matrix([parse(text)], p.fitness_codes, memory_stats(p.settings, p.fitness_codes), keep_going=True)
    return scores[0]


@pytest.fixture(scope="module")
def params_csv(cache, tmp_path_factory) -> str:
    """Our params built-in on every micro arch but the first fitness arch (a real, cheap, no-pass file)."""
    drop = ProxyDiscovery("micro", _stats(cache), **SMALL).fitness_codes[0]
    path = tmp_path_factory.mktemp("ours") / "ours.csv"
    compute_scores([c for c in load_table("micro")["net_code"] if c != drop], ["params"], path)
    return str(path)


def test_a_dsl_proxy_partner_is_its_expression_on_the_fitness_archs(cache):
    p = ProxyDiscovery("micro", _stats(cache), partner="proxy:nwot", **SMALL)
    assert np.array_equal(p.partner_scores, _raw(p, "slogdet(KH)"), equal_nan=True)
    inline = ProxyDiscovery("micro", _stats(cache), partner="proxy:slogdet(KH)", **SMALL)
    assert np.array_equal(inline.partner_scores, p.partner_scores, equal_nan=True)


def test_a_found_proxy_partner_is_its_weighted_avt_sum_and_the_fitness_complements_it(cache, params_csv, tmp_path):
    probe = ProxyDiscovery("micro", _stats(cache), **SMALL)
    grad, nwot = _raw(probe, GRAD), _raw(probe, "slogdet(KH)")
    terms = [(1.0, float(np.min(grad)), float(np.max(grad)), GRAD),
             (-0.5, float(np.min(nwot)) - 1.0, float(np.max(nwot)) + 1.0, "nwot"),
             (0.25, 1e5, 1e7, "params")]
    path = write_found_proxy(tmp_path / "mine.proxy", terms, dict(space="micro", resolution=32, batch_size=4, seed=0),
                             "a test's found proxy")
    p = ProxyDiscovery("micro", _stats(cache), partner=f"proxy:{path}", scores_csv=params_csv, **SMALL)
    params = pd.read_csv(params_csv).set_index("net_code")["params"].reindex(list(p.fitness_codes)).to_numpy(float)
    assert np.isnan(params[0]) and np.isfinite(params[1:]).all()  # params cannot score the first arch
    by_hand = sum(w * np.nan_to_num((v - lo) / (hi - lo), nan=0.0)
                  for (w, lo, hi, _), v in zip(terms, (grad, nwot, params)))
    assert p.partner_scores == pytest.approx(by_hand, rel=1e-9) and np.isfinite(p.partner_scores).all()
    candidate = "sum_layers(to_sum(abs(W)))"
    (fit,) = p.evaluate([parse(candidate)])
    row = _raw(p, candidate)
    expected, _ = sampled_tau(avt_sum(row, by_hand, bounds(row), bounds(by_hand)), p.fitness_acc, p.fitness_samples)
    assert fit.ok and fit.values[0] == pytest.approx(expected)


@pytest.mark.parametrize("partner, csv, message", [
    ("proxy:nosuch", False, "partner 'proxy:nosuch': unknown proxy 'nosuch'"),
    ("proxy:jacov", False, "'jacov' is a built-in, read from our scores: pass --baseline-scores CSV"),
    ("proxy:lt(W", False, "partner 'proxy:lt(W': proxy 'lt(W'"),
    ("proxy:jacov", True, "has no column 'jacov'"),
])
def test_a_bad_proxy_partner_fails_before_the_search_naming_it(cache, params_csv, partner, csv, message):
    scores = params_csv if csv else None
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        ProxyDiscovery("micro", _stats(cache), partner=partner, scores_csv=scores, **SMALL)


def test_a_found_partner_fitted_at_another_setup_is_refused(cache, tmp_path):
    terms = [(1.0, 0.0, 1.0, GRAD)]
    for name, setup in (("sized", dict(space="micro", resolution=64, batch_size=4, seed=0)),
                        ("spaced", dict(space="macro", resolution=32, batch_size=4, seed=0))):
        path = write_found_proxy(tmp_path / f"{name}.proxy", terms, setup, "a test's found proxy")
        with pytest.raises(ValueError, match="its AVT bounds hold at .* not at this run's space=micro resolution=32"):
            ProxyDiscovery("micro", _stats(cache), partner=f"proxy:{path}", **SMALL)


def test_cli_search_with_a_found_partner_reports_the_combination_on_test(cache, tmp_path, capsys):
    path = write_found_proxy(tmp_path / "mine.proxy", [(1.0, 0.0, 1e4, GRAD), (-0.5, 0.0, 100.0, "nwot")],
                             dict(space="micro", resolution=32, batch_size=4, seed=0), "a test's found proxy")
    out = tmp_path / "run"
    rc = main(["discover", "--space", "micro", "--generations", "2", "--population", "6", "--topk", "2",
               "--samples", "6", "--repeats", "2", "--archs", "6", "--resolution", "32", "--batch-size", "4",
               "--cache", cache, "--out", str(out), "--report-repeats", "3", "--bootstrap", "20", "--no-progress",
               "--hall-of-fame", "1", "--workers", "1", "--max-terms", "0", "--partner", f"proxy:{path}",
               "--partner-weights", "0.5", "1"])
    assert rc == 0
    report = json.loads((out / "report.json").read_text())
    assert report["combined"]["partner"] == f"proxy:{path}" and report["comparison"]["found"] == f"avt:proxy:{path}"
    assert report["combined"]["train_tau"] == pytest.approx(report["proxies"][0]["train_fitness"])
    assert np.isfinite(report["combined"]["test"]["kendall_mean"])
    assert f"proxy:{path}" not in report["baselines"]  # a partner is not a reference
