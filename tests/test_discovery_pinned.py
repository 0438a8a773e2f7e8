"""A fixed-seed discovery run finds what it found before the pool's speed-ups (issue 15): same best
proxy, hall of fame, fitness values, rejection counts and per-generation log, pinned from 45d7aed.

Regenerate (only when the search itself is meant to change): ``python tests/test_discovery_pinned.py``
run on the code whose result is the reference, with that tree first on ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.evolution import EvolutionConfig, evolve

PINNED = Path(__file__).parent / "data" / "discovery_pinned.json"
CONFIG = EvolutionConfig(population=16, topk=4, generations=6, seed=0)


def run_summary(cache: str) -> dict:
    """The run's result as plain JSON (floats exact through ``repr`` round-trips)."""
    problem = ProxyDiscovery("micro", dict(cache_dir=cache, resolution=32, batch_size=4), samples=6, repeats=2,
                             archs=6, seed=0, layer_share=0.5)
    r = evolve(problem, CONFIG, progress=False)
    return {"best": r.best.text, "best_fitness": list(r.best_fitness.values),
            "hall_of_fame": [[g.text, list(f.values), f.info] for g, f in r.hall_of_fame],
            "evaluations": r.evaluations, "rejected": dict(sorted(r.rejected.items())),
            "log": [{k: _plain(v) for k, v in row.items()} for row in r.log.drop(columns="wall").to_dict("records")]}


def _plain(v):
    """Log cells as JSON that compares equal after a round-trip (NaN as its text)."""
    if hasattr(v, "item"):
        v = v.item()
    return repr(v) if isinstance(v, float) and v != v else v


def test_fixed_seed_discovery_is_as_before_the_pool_speedups(tmp_path):
    got = json.loads(json.dumps(run_summary(str(tmp_path))))
    assert got == json.loads(PINNED.read_text())


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as cache:
        PINNED.write_text(json.dumps(run_summary(sys.argv[1] if len(sys.argv) > 1 else cache), indent=1))
    print(f"wrote {PINNED}")
