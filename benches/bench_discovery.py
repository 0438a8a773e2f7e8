"""Throughput of proxy discovery: candidate evaluations per second on 50 cached archs.

Issue 4, "Speed" and "Scale-out": one fixed batch of random well-typed candidates is scored (mean
train τ over the 50 archs' statistics, arch-major) by a serial executor, by 2 joblib workers and by
a 2-worker Dask LocalCluster. Statistics are collected into the cache first and every executor is
warmed up once (processes started, statistics loaded into each worker's memory), so the timed part
is the steady state of a generation. Results: ``benches/results/bench_discovery.json``.

    python benches/bench_discovery.py [--candidates 200] [--resolution 64] [--space micro]
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


def timed(executor, problem, batch, warm, reps: int) -> dict:
    t0 = time.perf_counter()
    for _ in range(3):  # several small calls, so that every worker has built the problem and loaded the stats
        executor.evaluate(problem, warm)
    warmup = time.perf_counter() - t0
    times, fits = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        fits = executor.evaluate(problem, batch)
        times.append(time.perf_counter() - t0)
    best = min(times)
    return {"warmup_s": warmup, "seconds": times, "evals_per_s": len(batch) / best,
            "valid": sum(f.ok for f in fits), "fitness": [list(f.values) or f.invalid for f in fits]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--space", default="micro")
    ap.add_argument("--candidates", type=int, default=200)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--reps", type=int, default=2)
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
    results = {"serial": timed(SerialExecutor(), problem, batch, warm, args.reps),
               "joblib_2": timed(JoblibExecutor(2), problem, batch, warm, args.reps)}
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        results["dask_2"] = timed(DaskExecutor(client), problem, batch, warm, args.reps)
    same = all(r["fitness"] == results["serial"]["fitness"] for r in results.values())
    base = results["serial"]["evals_per_s"]
    summary = {
        "space": args.space, "archs": len(codes), "candidates": len(batch), "resolution": args.resolution,
        "stats_precompute_s": stats_s, "identical_fitness_across_executors": same,
        "evals_per_s": {k: r["evals_per_s"] for k, r in results.items()},
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
