"""Throughput of proxy discovery: candidate evaluations per second on 50 cached archs.

Issue 4, "Speed" and "Scale-out": one fixed batch of random well-typed candidates is scored (mean
train τ over the 50 archs' statistics, arch-major) by a serial executor, by 2 joblib workers and by
a 2-worker Dask LocalCluster. Statistics are collected into the cache first and every executor is
warmed up once (processes started, statistics loaded into each worker's memory), so the timed part
is the steady state of a generation; the executors take turns round by round (best round counts),
so that the load of other jobs on a shared machine does not favour one of them. Results: ``benches/results/bench_discovery.json``.

Issue 15, ``--paths``: the serial fitness of one batch by the pre-pool path (``score_matrix_by_arch`` + scipy's
τ per sample, the code before the pool), by the pooled path of an earlier revision (``--baseline-rev``: its
``zeroseg/dsl/pool.py``, read from git and run on today's primitives) and by today's pooled path
(``score_matrix`` + vectorised τ-b), in the same process, in turns; the fitness must be identical.
Results: ``benches/results/bench_discovery_paths_<space>_ls<layer share>.json``.

    python benches/bench_discovery.py [--candidates 200] [--rounds 5] [--resolution 64] [--space micro] [--batch-seed 0]
    python benches/bench_discovery.py --paths [--layer-share 0.0] [--cache ~/.cache/zeroseg/stats] [--baseline-rev 45d7aed]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from zeroseg.correlation.metrics import kendall
from zeroseg.discovery.fitness import (first_failures, reason_class, score_matrix, score_matrix_by_arch,
                                       tau_fitnesses)
from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.statstore import memory_stats, precompute
from zeroseg.dsl import pool as pool_module
from zeroseg.dsl import whole as whole_module
from zeroseg.evolution.problem import Fitness
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


def old_fitness(problem: ProxyDiscovery, batch) -> list:
    """The pre-pool fitness: arch by arch, then scipy's τ per (row, sample); no partner (as the bench runs)."""
    codes, acc, samples = problem.fitness_codes, problem.fitness_acc, problem.fitness_samples
    scores, failed = score_matrix_by_arch(batch, codes, memory_stats(problem.settings, codes))
    out = []
    for row, why in zip(scores, failed):
        if why is not None:
            out.append(Fitness(invalid=reason_class(why), info={"detail": why}))
            continue
        taus = [kendall(row[list(s)], acc[list(s)]) for s in samples]
        mean = float(np.mean(taus))
        out.append(Fitness((mean,), info={"tau_std": float(np.std(taus))}) if np.isfinite(mean)
                   else Fitness.reject("undefined τ: constant scores on a sample"))
    return out


def new_fitness(problem: ProxyDiscovery, batch) -> list:
    codes = problem.fitness_codes
    scores, failed = score_matrix(batch, codes, memory_stats(problem.settings, codes))
    return tau_fitnesses(scores, failed, problem.fitness_acc, problem.fitness_samples)


def pool_at(rev: str):
    """``zeroseg/dsl/pool.py`` as it was at git revision ``rev``, loaded as a sibling of today's modules."""
    root = Path(__file__).resolve().parents[1]
    text = subprocess.run(["git", "-C", str(root), "show", f"{rev}:zeroseg/dsl/pool.py"], capture_output=True,
                          text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("zeroseg.dsl._pool_baseline", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "zeroseg.dsl"
    exec(compile(text, f"{rev}:zeroseg/dsl/pool.py", "exec"), module.__dict__)
    return module


def baseline_fitness(pools: dict, problem: ProxyDiscovery, batch) -> list:
    """The fitness of ``batch`` by the revision's ``PoolEvaluator`` (one pool of ≤ 64 archs, as then)."""
    codes = problem.fitness_codes
    values, fails = pools["pool"].scores(batch)
    failed = first_failures(values, fails, codes)
    return tau_fitnesses(values, failed, problem.fitness_acc, problem.fitness_samples)


def traffic(problem: ProxyDiscovery, batch) -> int:
    """Bytes the pooled path's primitive calls read and write on ``batch`` (one untimed pass): operands in,
    result out, at the DSL level (a primitive's own temporaries not counted), so a lower bound of the
    memory traffic; divided by the copy bandwidth it is the batch's memory-limit time."""
    moved = [0]
    call = whole_module.call

    def counting(entry, xs, sc):
        y = call(entry, xs, sc)
        moved[0] += sum(x.numel() * x.element_size() for x in xs) + y.numel() * y.element_size()
        return y

    pool_module.call = whole_module.call = counting  # the pool's calls, slice by slice and whole
    try:
        new_fitness(problem, batch)
    finally:
        pool_module.call = whole_module.call = call
    return moved[0]


def machine() -> dict:
    return {"cpus": os.cpu_count(), "load_avg": os.getloadavg(), "python": platform.python_version(),
            "torch": torch.__version__, "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}


def bench_paths(args) -> dict:
    """Old vs pooled path on one batch, in turns; the best round of each counts."""
    problem = ProxyDiscovery(args.space, dict(cache_dir=str(Path(args.cache).expanduser().resolve()),
                                              resolution=args.resolution), samples=50, repeats=5, archs=50, seed=0,
                             layer_share=args.layer_share)
    load_start = os.getloadavg()
    codes = problem.fitness_codes
    missing = [c for c in codes if not problem.settings.cached(c)]
    t0 = time.perf_counter()
    memory_stats(problem.settings, codes)
    load_s = time.perf_counter() - t0
    rng = np.random.default_rng(args.batch_seed)
    batch = [problem.sample(rng) for _ in range(args.candidates)]
    t0 = time.perf_counter()
    new_fitness(problem, batch[:8])  # builds the pool (stacked terminals), once per process
    pool_s = time.perf_counter() - t0
    paths = {"old_arch_by_arch": old_fitness}
    if args.baseline_rev:
        stats = memory_stats(problem.settings, codes)
        pools = {"pool": pool_at(args.baseline_rev).PoolEvaluator([stats[c] for c in codes])}
        paths[f"pooled_{args.baseline_rev}"] = lambda problem, batch: baseline_fitness(pools, problem, batch)
    paths["pooled"] = new_fitness
    times: dict[str, list[float]] = {k: [] for k in paths}
    fits = {}
    for _ in range(args.rounds):
        for name, fn in paths.items():
            t0 = time.perf_counter()
            fits[name] = fn(problem, batch)
            times[name].append(time.perf_counter() - t0)
    rate = {k: len(batch) / min(v) for k, v in times.items()}
    moved = traffic(problem, batch)
    limit_s = moved / (args.bandwidth_gbs * 1e9)
    same = {k: all(repr(f.values) + repr(f.invalid) + repr(f.info) == repr(g.values) + repr(g.invalid) + repr(g.info)
                   for f, g in zip(fits["old_arch_by_arch"], v)) for k, v in fits.items()}
    return {"command": " ".join([sys.executable.split("/")[-1], *sys.argv]), "space": args.space, "archs": len(codes),
            "archs_collected_now": len(missing), "candidates": len(batch), "batch_seed": args.batch_seed,
            "layer_share": args.layer_share,
            "resolution": args.resolution, "rounds": args.rounds, "stats_load_s": load_s, "pool_build_s": pool_s,
            "valid": sum(f.ok for f in fits["pooled"]), "identical_fitness_to_old": same,
            "candidates_per_s": rate, "pairs_per_s": {k: r * len(codes) for k, r in rate.items()},
            "speedup_over": {k: rate["pooled"] / r for k, r in rate.items()},
            "bytes_moved_per_batch": moved, "bandwidth_gbs": args.bandwidth_gbs, "memory_limit_s": limit_s,
            "share_of_memory_limit": {k: limit_s / min(v) for k, v in times.items()},
            "seconds_per_round": {k: [round(t, 3) for t in v] for k, v in times.items()}, "load_avg_start": load_start,
            "machine": machine()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--space", default="micro")
    ap.add_argument("--candidates", type=int, default=200)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds, every executor once per round")
    ap.add_argument("--batch-seed", type=int, default=0, help="seed of the random candidate batch (batches differ up to "
                    "5x in cost: bench_discovery_ab.py times several)")
    ap.add_argument("--cache", default=".cache/zeroseg/stats")
    ap.add_argument("--out", default=None, help="results JSON (default: benches/results/bench_discovery[_paths].json)")
    ap.add_argument("--paths", action="store_true", help="old vs pooled serial fitness (issue 15) instead of executors")
    ap.add_argument("--layer-share", type=float, default=0.0, help="--paths: share of sum/mean_layers candidates")
    ap.add_argument("--baseline-rev", default=None, help="--paths: also time the pooled path of this git revision")
    ap.add_argument("--bandwidth-gbs", type=float, default=21.7, help="--paths: copy bandwidth (issue 15's figure)")
    ap.add_argument("--tag", default="", help="--paths: suffix of the default results file name")
    args = ap.parse_args()
    torch.set_num_threads(1)
    results = Path(__file__).parent / "results"
    if args.paths:
        summary = bench_paths(args)
        out = Path(args.out or results / f"bench_discovery_paths_{args.space}_ls{args.layer_share:g}{args.tag}.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(summary, indent=2))
        print(json.dumps(summary, indent=2))
        print(f"wrote {out}")
        return
    args.out = args.out or str(results / "bench_discovery.json")
    problem = ProxyDiscovery(args.space, dict(cache_dir=str(Path(args.cache).resolve()), resolution=args.resolution),
                             samples=50, repeats=5, archs=50, seed=0)
    codes = list(problem.fitness_codes)
    t0 = time.perf_counter()
    precompute(problem.settings, codes, make_executor(workers=2))
    stats_s = time.perf_counter() - t0
    rng = np.random.default_rng(args.batch_seed)
    batch = [problem.sample(rng) for _ in range(args.candidates)]
    warm = [problem.sample(rng) for _ in range(8)]
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        executors = {"serial": SerialExecutor(), "joblib_2": JoblibExecutor(2), "dask_2": DaskExecutor(client)}
        results = timed_rounds(executors, problem, batch, warm, args.rounds)
    same = all(r["fitness"] == results["serial"]["fitness"] for r in results.values())
    base = results["serial"]["evals_per_s"]
    summary = {
        "space": args.space, "archs": len(codes), "candidates": len(batch), "batch_seed": args.batch_seed,
        "resolution": args.resolution,
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
