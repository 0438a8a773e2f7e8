"""Segmenter search: hard constraints always hold (property test), the NSGA-II front is
non-dominated and complete, outputs and CLI errors. Tiny budgets at 64×64 on real CamVid images."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zeroseg.evolution import EvolutionConfig, evolve
from zeroseg.evolution.selection import dominates
from zeroseg.search.problem import SegmenterProblem
from zeroseg.search.run import SearchOptions, search

SETUP = dict(space="gas", input_size=[64, 64], batch_size=2, seed=0)


def _problem(root, **kw) -> SegmenterProblem:
    return SegmenterProblem({**SETUP, "data_root": str(root)}, "proxy", {"proxy": "nwot"}, **kw)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(max_params=st.floats(4e5, 1.2e6), max_flops=st.floats(6e6, 2e7), seed=st.integers(0, 50))
def test_constrained_search_never_returns_a_violating_genotype(camvid_root, max_params, max_flops, seed):
    problem = _problem(camvid_root, constraints={"max_params": max_params, "max_flops": max_flops})
    res = evolve(problem, EvolutionConfig(population=3, topk=2, generations=2, seed=seed), progress=False)
    for g, fit in res.hall_of_fame:
        cost = problem.space.cost(g, (64, 64), problem.setup.num_classes)  # recomputed, not trusted
        assert cost.params <= max_params and cost.flops <= max_flops, problem.encode(g)
    assert all(r.startswith(("params > max", "flops > max")) for r in res.rejected)


def test_rejected_before_scoring(camvid_root):
    problem = _problem(camvid_root, constraints={"max_params": 1.0})
    fits = problem.evaluate([problem.sample(np.random.default_rng(0))])
    assert fits[0].invalid == "params > max 1" and "score" not in fits[0].info and fits[0].info["params"] > 1


def test_measured_latency_constraint(camvid_root):
    problem = _problem(camvid_root, constraints={"max_latency_ms": 1e-3}, measure_latency=True)
    fit = problem.evaluate([problem.sample(np.random.default_rng(0))])[0]
    assert fit.invalid == "latency > max 0.001 ms" and fit.info["latency_ms"] > 1e-3


def test_latency_objective_needs_a_source(camvid_root):
    with pytest.raises(ValueError, match="--latency-model.*--measure-latency"):
        _problem(camvid_root, objectives=("score", "latency"))


def test_nsga2_front_is_non_dominated_and_complete(camvid_root, tmp_path):
    o = SearchOptions(space="gas", scorer="nwot", data_root=str(camvid_root), input_size=(64, 64), batch_size=2,
                      budget=8, population=4, topk=3, objectives=("score", "flops"), out=str(tmp_path), progress=False)
    report = search(o, log=lambda _m: None)
    front = pd.read_csv(tmp_path / "pareto.csv")
    table = pd.read_csv(tmp_path / "evaluated.csv")
    cols = ["objective_score", "objective_flops"]
    pts, everyone = front[cols].to_numpy(), table[table["valid"]][cols].to_numpy()
    assert len(pts) == len(report["pareto"]) >= 1
    assert not any(dominates(a, b) for a in everyone for b in pts)  # nothing evaluated beats the front
    front_set = {tuple(p) for p in pts}
    assert all(tuple(p) in front_set or any(dominates(f, p) for f in pts) for p in everyone)
    assert (tmp_path / "pareto.png").stat().st_size > 0 and (tmp_path / "curve.png").stat().st_size > 0


def test_outputs_and_train_command(camvid_root, tmp_path):
    o = SearchOptions(space="gas", scorer="saswot", data_root=str(camvid_root), input_size=(64, 64), batch_size=2,
                      budget=4, population=2, topk=2, scorer_options={"avt_samples": 3}, latency_penalty=0.5,
                      measure_latency=True, compare_random=True, out=str(tmp_path), progress=False)
    report = search(o, log=lambda _m: None)
    top = pd.read_csv(tmp_path / "topk.csv")
    assert list(top["rank"]) == [1, 2] and {"params", "flops", "act_mb", "latency_ms", "score"} <= set(top.columns)
    penalised = top["score"] - 0.5 * top["latency_ms"].map(math.log)
    assert penalised.tolist() == pytest.approx(top["objective_score"].tolist())
    assert len(pd.read_parquet(tmp_path / "evaluated.parquet")) == report["evaluated"] == 4
    assert report["random"]["evaluated"] == 4 and (tmp_path / "log_random.csv").exists()
    cal = json.loads((tmp_path / "calibration.json").read_text())
    assert len(cal["calibration"]["genotypes"]) == 3 and set(cal["options"]["avt"]) == {"saswot_minus", "nwot"}
    cmd = (tmp_path / "train_winner.sh").read_text()
    assert "zeroseg train --space gas" in cmd and top["genotype"][0] in cmd


def test_cli_help_and_bad_objectives(capsys):
    from zeroseg.cli.main import main

    with pytest.raises(SystemExit):
        main(["search", "--help"])
    assert "--max-latency-ms" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["search", "--space", "gas", "--out", "x", "--objectives", "latency,score"])
    assert exc.value.code == 2 and "objectives must start with 'score'" in capsys.readouterr().err


def test_resume_refuses_a_calibration_of_other_settings(camvid_root, tmp_path):
    from zeroseg.search.run import calibrated_problem

    o = SearchOptions(space="gas", scorer="saswot", data_root=str(camvid_root), input_size=(64, 64), out=str(tmp_path),
                      scorer_options={"avt_samples": 3}, resume=True)
    saved = {"setup": {**SETUP, "data_root": str(camvid_root), "dataset": "camvid", "device": "cpu"}, "scorer": "proxy",
             "requested": {"proxy": "saswot", "avt_samples": 30}, "options": {"proxy": "saswot", "avt": None}}
    (tmp_path / "calibration.json").write_text(json.dumps(saved))
    with pytest.raises(ValueError, match="resume needs the same settings"):
        calibrated_problem(o, tmp_path, log=lambda _m: None)
