"""kill -9 mid-run, resume from the checkpoint: the same result as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from zeroseg.evolution.engine import EvolutionConfig, evolve
from zeroseg.evolution.toy import BitMatch

CFG = EvolutionConfig(population=16, topk=4, generations=14, patience=3, seed=11)
SCRIPT = """
import sys
from zeroseg.evolution.engine import EvolutionConfig, evolve
from zeroseg.evolution.toy import BitMatch
cfg = EvolutionConfig(population=16, topk=4, generations=14, patience=3, seed=11)
evolve(BitMatch(delay=0.02), cfg, checkpoint=sys.argv[1], resume=True, progress=False)
"""


def _generation(path) -> int:
    try:
        return json.loads(path.read_text())["generation"]
    except (FileNotFoundError, json.JSONDecodeError):
        return -1


def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    path = tmp_path / "checkpoint.json"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(path)])
    deadline = time.monotonic() + 60
    while _generation(path) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _generation(path)
    assert 2 <= killed_at < CFG.generations, f"killed at generation {killed_at}: not mid-run"
    resumed = evolve(BitMatch(), CFG, checkpoint=path, resume=True, progress=False)
    whole = evolve(BitMatch(), CFG, progress=False)
    assert resumed.best == whole.best and resumed.best_fitness == whole.best_fitness
    assert resumed.evaluations == whole.evaluations and resumed.restarts == whole.restarts
    assert resumed.log.drop(columns="wall").equals(whole.log.drop(columns="wall"))
