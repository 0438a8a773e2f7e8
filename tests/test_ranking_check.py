"""Smoke of experiments/ranking_check on real CamVid: 2 GAS archs × 2 iterations at 64×64.

Checks the pieces the 12-arch run relies on: distinct seeded genotypes, one training row and one
row per score per arch, a supernet column only when the scorer is registered (else the reason),
resumption (a second run adds no rows), the seed-noise retraining and the report files.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import sys
from pathlib import Path

from zeroseg.scorers import list_scorers
from zeroseg.scorers.base import SCORERS
from zeroseg.spaces import create_space

SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "ranking_check" / "run.py"


def load_script():
    spec = importlib.util.spec_from_file_location("ranking_check_run", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_sample_genotypes_distinct_and_seeded():
    rc = load_script()
    space = create_space("gas")
    a = rc.sample_genotypes(space, 5, seed=3)
    assert len(set(a)) == 5 and a == rc.sample_genotypes(space, 5, seed=3)
    assert a != rc.sample_genotypes(space, 5, seed=4)


def test_two_arch_run_scores_resumes_and_reports(camvid_root, tmp_path):
    rc = load_script()
    res = tmp_path / "results"
    argv = ["--data-root", str(camvid_root), "--results", str(res), "--work", str(tmp_path / "work"),
            "--archs", "2", "--iters", "2", "--input-size", "64", "64", "--batch-size", "2", "--limit", "4",
            "--avt-samples", "3", "--noise-archs", "1"]
    sn = "supernet" in list_scorers()
    smoke = SCORERS.entry("supernet").contract.get("smoke", {}) if sn else {}
    for k, v in {**smoke, "supernet_dir": str(tmp_path / "sn")}.items():
        argv += ["--supernet-opt", f"{k}={json.dumps(v)}"]
    cfg, stages, options = rc.parse_args(argv)
    summary = rc.run(cfg, stages, options, log=lambda _m: None)

    train = rows(res / "train.csv")
    assert [r["arch"] for r in train] == ["0", "1"] and all(r["iterations"] == "2" for r in train)
    assert all(0.0 <= float(r["miou"]) <= 1.0 for r in train)
    scores = rows(res / "scores.csv")
    expect = {"saswot", "nwot"} | ({"supernet"} if sn else set())
    assert {r["scorer"] for r in scores} == expect and len(scores) == 2 * len(expect)
    assert all(math.isfinite(float(r["value"])) and not r["invalid"] for r in scores)
    status = json.loads((res / "supernet_status.json").read_text())
    assert status["available"] is sn
    if not sn:
        assert "not registered" in status["reason"] and "NOT AVAILABLE" in summary["headline"]["supernet"]

    rc.run(cfg, stages, options, log=lambda _m: None)  # everything done: nothing is redone
    assert rows(res / "train.csv") == train and rows(res / "scores.csv") == scores
    for name in ("per_arch.csv", "per_arch.md", "ranking.csv", "ranking.md", "ranking.json", "scatter_saswot.png"):
        assert (res / name).is_file(), name
    ranking = json.loads((res / "ranking.json").read_text())
    assert {r["score"] for r in ranking["ranking"]} == expect | {"flops", "params"}
    assert ranking["seed_noise"]["archs"] == [0] and len(rows(res / "noise" / "train.csv")) == 1
