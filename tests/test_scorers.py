"""Scorers: registry-driven smoke test (finite, deterministic), proxy resolution, constraints."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zeroseg.proxies.library import ProxyFile
from zeroseg.scorers import ScoringSetup, create_scorer, list_scorers, resolve_scorer
from zeroseg.scorers.base import SCORERS, NEEDS
from zeroseg.scorers.constraints import Constraints
from zeroseg.spaces import create_space

SMALL = dict(space="gas", input_size=(64, 64), batch_size=2, seed=3)


@pytest.mark.parametrize("name", list_scorers())
def test_every_scorer_is_finite_and_deterministic(name, camvid_root, tmp_path, monkeypatch):
    contract = SCORERS.entry(name).contract
    assert set(contract["needs"]) <= set(NEEDS) and contract["cost"]
    monkeypatch.chdir(tmp_path)  # scorers that keep files (the supernet) write them here
    setup = ScoringSetup(data_root=str(camvid_root), **SMALL)
    scorer = create_scorer(name, setup, **contract.get("smoke", {}))  # the scorer's own small setting
    scorer.calibrate(log=lambda _m: None)
    g = create_space("gas").sample(np.random.default_rng(1))
    a, b = scorer.score(g), scorer.score(g)
    assert a.ok and math.isfinite(a.value)
    assert a.value == b.value
    rebuilt = create_scorer(name, setup, **scorer.options())  # what a worker does
    assert rebuilt.score(g).value == a.value


def test_proxy_scorer_takes_any_reference(tmp_path, camvid_root):
    setup = ScoringSetup(data_root=str(camvid_root), **SMALL)
    assert create_scorer("proxy", setup, proxy="saswot").components == ("saswot_minus", "nwot")
    path = tmp_path / "mine.proxy"
    path.write_text(ProxyFile("mine", "test", -1, "slogdet(KH)").format())
    g = create_space("gas").sample(np.random.default_rng(1))
    by_file = create_scorer("proxy", setup, proxy=str(path)).score(g)
    by_text = create_scorer("proxy", setup, proxy="slogdet(KH)").score(g)
    assert by_file.ok and by_file.value == -by_text.value  # the file's sign -1 applies
    assert create_scorer("proxy", setup, proxy="synflow").score(g).ok  # built-ins score genotypes too


def test_resolve_scorer_and_unknown_proxy(camvid_root):
    assert resolve_scorer("proxy") == ("proxy", {})
    assert resolve_scorer("saswot") == ("proxy", {"proxy": "saswot"})
    with pytest.raises(KeyError, match="unknown proxy 'no_such'"):
        create_scorer("proxy", ScoringSetup(data_root=str(camvid_root), **SMALL), proxy="no_such")


def test_avt_composite_refuses_to_score_uncalibrated(camvid_root):
    scorer = create_scorer("proxy", ScoringSetup(data_root=str(camvid_root), **SMALL))
    with pytest.raises(RuntimeError, match="calibrate"):
        scorer.score(create_space("gas").sample(np.random.default_rng(0)))


def test_constraints_reasons_and_table_check():
    c = Constraints(max_flops=2e9, max_params=1e6, max_latency_ms=10)
    assert c.cost_violation(3.1e9, 5e5) == "flops > max 2e+09"
    assert c.cost_violation(1e9, 2e6) == "params > max 1e+06"
    assert c.cost_violation(1e9, 5e5) is None
    assert c.latency_violation(12.0) == "latency > max 10 ms" and c.latency_violation(9.0) is None
    assert c.satisfied({"flops": 1e9, "params": 1e5, "latency_ms": 3.0})
    assert not c.satisfied({"flops": 1e9, "params": 1e5})  # unknown latency never passes a latency limit
    with pytest.raises(ValueError, match="max_params must be positive"):
        Constraints(max_params=0)
