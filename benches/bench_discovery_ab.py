"""Discovery fitness of this checkout against another one, whole code against whole code (issue 15).

``bench_discovery.py --paths --baseline-rev`` runs an earlier ``dsl/pool.py`` on today's primitives;
this bench runs each checkout's *entire* package on the same batch: a fresh process per checkout
and round (``PYTHONPATH`` = that checkout), the two alternating round by round so that the load of
other jobs on a shared machine hits both alike. Each process warms up once, then times the serial
pooled fitness (``score_matrix`` + ``tau_fitnesses``) of each of ``--batches`` batches of random
candidates ``--repeats`` times; a batch's time is its best over all rounds, and a checkout's speed is all
batches' candidates over the sum of those times (batches differ several-fold: which terminals and
primitives they draw). The fitness of both must be identical (a digest of every
candidate's values, rejection and info). Results: ``benches/results/bench_discovery_ab_<space>.json``.

    git worktree add --detach /tmp/zeroseg_base <rev>
    python benches/bench_discovery_ab.py --other /tmp/zeroseg_base [--space micro] [--rounds 4]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]


def worker(space: str, candidates: int, repeats: int, cache: str, batches: int) -> dict:
    """In the child process: per batch (random candidates drawn with seeds 0 … ``batches`` − 1), the best
    CPU and wall seconds of its fitness; and one digest of every batch's fitness."""
    # imported here, in the child only: its PYTHONPATH decides which checkout's zeroseg this is
    import numpy as np
    import torch

    from zeroseg.discovery.fitness import score_matrix, tau_fitnesses
    from zeroseg.discovery.problem import ProxyDiscovery
    from zeroseg.discovery.statstore import memory_stats

    torch.set_num_threads(1)
    problem = ProxyDiscovery(space, dict(cache_dir=str(Path(cache).expanduser().resolve()), resolution=64),
                             samples=50, repeats=5, archs=50, seed=0)
    codes = problem.fitness_codes
    stats = memory_stats(problem.settings, codes)

    def fitness(batch: list) -> list:
        scores, failed = score_matrix(batch, codes, stats)
        return tau_fitnesses(scores, failed, problem.fitness_acc, problem.fitness_samples)

    out = {"cpu_s": [], "wall_s": [], "valid": []}
    digest = hashlib.sha256()
    for k in range(batches):
        rng = np.random.default_rng(k)
        batch = [problem.sample(rng) for _ in range(candidates)]
        fits = fitness(batch)  # warm-up, and the result to compare
        digest.update(repr([(f.values, f.invalid, f.info) for f in fits]).encode())
        cpu, wall = [], []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            fitness(batch)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        out["cpu_s"].append(min(cpu))
        out["wall_s"].append(min(wall))
        out["valid"].append(sum(f.ok for f in fits))
    return {**out, "digest": digest.hexdigest()}


def run_child(checkout: Path, args: argparse.Namespace) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, str(HERE), "--worker", "--space", args.space, "--candidates", str(args.candidates),
           "--repeats", str(args.repeats), "--cache", args.cache, "--batches", str(args.batches)]
    out = subprocess.run(cmd, env=env, cwd=checkout, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench_discovery_ab: the run in {checkout} failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--other", type=Path, help="the other checkout (a folder holding zeroseg/)")
    ap.add_argument("--space", default="micro", choices=("micro", "macro"))
    ap.add_argument("--candidates", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=4, help="processes per checkout, alternating")
    ap.add_argument("--repeats", type=int, default=3, help="timed batches per process")
    ap.add_argument("--batches", type=int, default=5, help="batches of random candidates (seeds 0 …): their costs differ")
    ap.add_argument("--cache", default="~/.cache/zeroseg/stats")
    ap.add_argument("--out", default=None)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.space, args.candidates, args.repeats, args.cache, args.batches)))
        return 0
    if args.other is None or not (args.other / "zeroseg" / "__init__.py").is_file():
        raise SystemExit(f"bench_discovery_ab: --other {args.other}: not a checkout holding zeroseg/ (give one)")
    checkouts = {"other": args.other.resolve(), "this": ROOT}
    revs = {k: subprocess.run(["git", "-C", str(p), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip() for k, p in checkouts.items()}
    load_start = os.getloadavg()
    runs: dict[str, list[dict]] = {k: [] for k in checkouts}
    for r in range(args.rounds):
        for name, path in checkouts.items():
            runs[name].append(run_child(path, args))
            print(f"[ab] round {r + 1}/{args.rounds} {name} ({revs[name]}): "
                  f"{sum(runs[name][-1]['cpu_s']):.3f} CPU-s for {args.batches} batches", file=sys.stderr, flush=True)
    # a batch's time is its best over every round and repeat (the steady state); a checkout's speed is
    # the candidates of all batches over the sum of those times, and per batch
    best = {k: {m: [min(run[m][b] for run in v) for b in range(args.batches)] for m in ("cpu_s", "wall_s")}
            for k, v in runs.items()}
    total = args.candidates * args.batches
    result = {
        "command": " ".join(["python3", *sys.argv]), "space": args.space, "archs": 50, "candidates": args.candidates,
        "batches": args.batches, "revisions": revs,
        "identical_fitness": len({run["digest"] for v in runs.values() for run in v}) == 1,
        "candidates_per_s_cpu": {k: total / sum(b["cpu_s"]) for k, b in best.items()},
        "candidates_per_s_wall": {k: total / sum(b["wall_s"]) for k, b in best.items()},
        "candidates_per_s_cpu_by_batch": {k: [args.candidates / t for t in b["cpu_s"]] for k, b in best.items()},
        "speedup_this_over_other_cpu": sum(best["other"]["cpu_s"]) / sum(best["this"]["cpu_s"]),
        "rounds": runs, "load_avg_start": load_start, "load_avg_end": os.getloadavg(), "cpus": os.cpu_count(),
    }
    out = Path(args.out or HERE.parent / "results" / f"bench_discovery_ab_{args.space}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "rounds"}, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
