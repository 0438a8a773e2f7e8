"""kill -9 a running ``zeroseg search``, resume it: the same top-k as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd

from zeroseg.search.run import SearchOptions, search

ARGS = ["--space", "gas", "--scorer", "saswot", "--input-size", "64", "64", "--batch-size", "2", "--budget", "9",
        "--population", "3", "--topk", "3", "--avt-samples", "3", "--seed", "5", "--no-progress"]


def _generation(path) -> int:
    try:
        return json.loads(path.read_text())["generation"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return -1


def test_sigkill_then_resume_gives_the_same_topk(camvid_root, tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    search(SearchOptions(space="gas", scorer="saswot", data_root=str(camvid_root), input_size=(64, 64), batch_size=2,
                         budget=9, population=3, topk=3, scorer_options={"avt_samples": 3}, seed=5, out=str(whole),
                         progress=False),
           log=lambda _m: None)
    cmd = [sys.executable, "-m", "zeroseg", "search", *ARGS, "--data-root", str(camvid_root), "--out", str(killed)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _generation(killed / "checkpoint.json") < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 1 <= _generation(killed / "checkpoint.json") < 3, "the run was not interrupted mid-way"
    subprocess.run(cmd + ["--resume"], check=True, capture_output=True)
    a, b = pd.read_csv(whole / "topk.csv"), pd.read_csv(killed / "topk.csv")
    assert a["genotype"].tolist() == b["genotype"].tolist()
    assert a["objective_score"].tolist() == b["objective_score"].tolist()
