"""Throughput of proxy discovery: candidate evaluations per second on 50 cached archs.

Issue 4, "Speed" and "Scale-out": one fixed batch of random well-typed candidates is scored (mean
train τ over the 50 archs' statistics, arch-major) by a serial executor, by 2 joblib workers and by
a 2-worker Dask LocalCluster. Statistics are collected into the cache first and every executor is
warmed up once (processes started, statistics loaded into each worker's memory), so the timed part
is the steady state of a generation; the executors take turns round by round (best round counts),
so that the load of other jobs on a shared machine does not favour one of them. Results: ``benches/results/bench_discovery.json``.

    python benches/bench_discovery.py [--candidates 200] [--rounds 5] [--resolution 64] [--space micro]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.statstore import precompute
from zeroseg.evolution.executors import DaskExecutor, JoblibExecutor, SerialExecutor, make_executor


def warm_up(executor, problem, warm) -> float:
    """Several small calls, so that every worker has built the problem and loaded the statistics."""
    t0 = time.perf_counter()
    for _ in range(3):
        executor.evaluate(problem, warm)
    return time.perf_counter() - t0


def timed_rounds(executors: dict, problem, batch, warm, rounds: int) -> dict:
    """Each round times every executor once, in turn, so that a burst of load on this shared machine
    hits all of them alike; an executor's speed is its best round (the steady state)."""
    warmup = {name: warm_up(ex, problem, warm) for name, ex in executors.items()}
    times: dict[str, list[float]] = {name: [] for name in executors}
    fits = {}
    for _ in range(rounds):
        for name, ex in executors.items():
            t0 = time.perf_counter()
            fits[name] = ex.evaluate(problem, batch)
            times[name].append(time.perf_counter() - t0)
    return {name: {"warmup_s": warmup[name], "seconds": times[name], "evals_per_s": len(batch) / min(times[name]),
                   "valid": sum(f.ok for f in fits[name]),
                   "fitness": [list(f.values) or f.invalid for f in fits[name]]} for name in executors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--space", default="micro")
    ap.add_argument("--candidates", type=int, default=200)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds, every executor once per round")
    ap.add_argument("--cache", default=".cache/zeroseg/stats")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "bench_discovery.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    problem = ProxyDiscovery(args.space, dict(cache_dir=str(Path(args.cache).resolve()), resolution=args.resolution),
                             samples=50, repeats=5, archs=50, seed=0)
    codes = list(problem.fitness_codes)
    t0 = time.perf_counter()
    precompute(problem.settings, codes, make_executor(workers=2))
    stats_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    batch = [problem.sample(rng) for _ in range(args.candidates)]
    warm = [problem.sample(rng) for _ in range(8)]
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        executors = {"serial": SerialExecutor(), "joblib_2": JoblibExecutor(2), "dask_2": DaskExecutor(client)}
        results = timed_rounds(executors, problem, batch, warm, args.rounds)
    same = all(r["fitness"] == results["serial"]["fitness"] for r in results.values())
    base = results["serial"]["evals_per_s"]
    summary = {
        "space": args.space, "archs": len(codes), "candidates": len(batch), "resolution": args.resolution,
        "rounds": args.rounds, "stats_precompute_s": stats_s, "identical_fitness_across_executors": same,
        "evals_per_s": {k: r["evals_per_s"] for k, r in results.items()},
        "seconds_per_round": {k: [round(t, 3) for t in r["seconds"]] for k, r in results.items()},
        "speedup": {k: r["evals_per_s"] / base for k, r in results.items()},
        "warmup_s": {k: r["warmup_s"] for k, r in results.items()},
        "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg(), "python": platform.python_version(),
                    "torch": torch.__version__},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
