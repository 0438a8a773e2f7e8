"""Sharded discovery on a Dask LocalCluster of 1 and 2 workers, and a cost model for 16, 64 and 256 workers.

Issue 15 item 3: statistics are split by arch and stay on the worker that owns them; each generation
broadcasts the candidates' texts and gathers per-arch scores (``zeroseg.discovery.shards``). Measured per
generation: wall time, time in the map, driver time (assembly + τ), each shard's compute, the per-task
overhead (a pinned no-op task per worker, round trip), and the bytes moved (pickled task arguments and
results, what Dask serialises). Model (per generation, W workers, A archs, B candidates):

    T(W) = o0 + o1·W + c·A·B / W + (W·b_in + A·B·b_out) / BW + d·A·B

with c·A/W replaced by f + c·A/W when ``--shard-sizes`` measured a shard's fixed cost per candidate
(the DSL's per-operation overhead does not shrink with the shard: ``f`` seconds per candidate,
fitted with ``c`` by least squares to one ``ShardScorer`` timed in-process at several shard sizes).
c: compute seconds per (candidate, arch) pair (1-worker run), o0 + o1·W: the round trip of W pinned
no-op tasks (fit to 1 and 2 workers), b_in: bytes of one task (the batch's texts), b_out: result bytes
per pair, BW: network bandwidth (assumed 1.25 GB/s, 10 GbE), d: driver seconds per pair (τ, assembly).
Results: ``benches/results/bench_shards.json``.

    python benches/bench_shards.py [--candidates 100] [--rounds 3] [--cache ~/.cache/zeroseg/stats] [--shard-sizes 5 10 25 50]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.shards import ShardScorer, ShardedDiscovery
from zeroseg.evolution.executors import DaskExecutor, evaluate_chunk

BANDWIDTH = 1.25e9  # bytes/s assumed between driver and workers (10 GbE)


def noop() -> None:
    return None


def task_overhead(client, repeats: int = 20) -> float:
    """Seconds for one round of a pinned no-op task on every worker (submit → gather)."""
    workers = sorted(client.nthreads())
    best = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        client.gather([client.submit(noop, workers=[w], pure=False) for w in workers])
        best.append(time.perf_counter() - t0)
    return float(np.median(best))


def run(problem, batch, workers: int, rounds: int) -> dict:
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        sharded = ShardedDiscovery(problem, DaskExecutor(client), shards=workers)
        t0 = time.perf_counter()
        sharded.evaluate(batch[:4])  # every worker builds its shard and loads its statistics once
        warm = time.perf_counter() - t0
        gens, fits = [], None
        for _ in range(rounds):
            t0 = time.perf_counter()
            fits = sharded.evaluate(batch)
            gens.append({"wall_s": time.perf_counter() - t0, **sharded.last})
        overhead = task_overhead(client)
    texts = [problem.encode(x) for x in batch]
    bytes_in = sum(len(pickle.dumps((ref, texts))) for ref in sharded.refs)
    bytes_out = sum(len(pickle.dumps(evaluate_chunk(ref, texts))) for ref in sharded.refs)
    best = min(gens, key=lambda g: g["wall_s"])
    return {"workers": workers, "warmup_s": warm, "generations": gens, "best": best, "task_overhead_s": overhead,
            "bytes_in_per_generation": bytes_in, "bytes_out_per_generation": bytes_out, "fitness": fits}


def model(m1: dict, m2: dict, archs: int, cands: int) -> dict:
    """The constants of the model's formula, fitted to the 1- and 2-worker runs."""
    pairs = archs * cands
    o1 = max(0.0, m2["task_overhead_s"] - m1["task_overhead_s"])
    o0 = m1["task_overhead_s"] - o1
    if o0 < 0:  # the 2-worker round trip more than doubled (a loaded machine): all of it per worker
        o0, o1 = 0.0, m2["task_overhead_s"] / 2
    return {"o0_s": o0, "o1_s_per_worker": o1,
            "c_s_per_pair": sum(m1["best"]["shard_compute_s"]) / pairs,
            "d_s_per_pair": m1["best"]["driver_s"] / pairs,
            "b_in_bytes_per_task": m1["bytes_in_per_generation"], "b_out_bytes_per_pair": m1["bytes_out_per_generation"] / pairs,
            "bandwidth_bytes_per_s": BANDWIDTH}


def shard_curve(problem, batch, sizes: list[int], rounds: int) -> dict:
    """One ``ShardScorer`` in this process per shard size (best of ``rounds``), and the least-squares fit
    compute(A) = B·(f + c·A): f the fixed seconds per candidate of a shard, c seconds per pair."""
    codes = list(problem.fitness_codes)
    stats = asdict(problem.settings)
    times = []
    for a in sizes:
        scorer = ShardScorer(stats, codes[:a])
        best = np.inf
        for _ in range(rounds):
            t0 = time.process_time()
            scorer.evaluate(batch)
            best = min(best, time.process_time() - t0)
        times.append(best)
    b = len(batch)
    c, f = np.polyfit(np.asarray(sizes, float), np.asarray(times) / b, 1)
    return {"shard_sizes": sizes, "cpu_s": times, "f_s_per_candidate": float(max(f, 0.0)),
            "c_s_per_pair": float(c)}


def predict(k: dict, workers: int, archs: int, cands: int) -> float:
    pairs = archs * cands
    return (k["o0_s"] + k["o1_s_per_worker"] * workers + k.get("f_s_per_candidate", 0.0) * cands
            + k["c_s_per_pair"] * pairs / workers
            + (workers * k["b_in_bytes_per_task"] + pairs * k["b_out_bytes_per_pair"]) / k["bandwidth_bytes_per_s"]
            + k["d_s_per_pair"] * pairs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--space", default="micro")
    ap.add_argument("--candidates", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--layer-share", type=float, default=0.0)
    ap.add_argument("--cache", default="~/.cache/zeroseg/stats")
    ap.add_argument("--shard-sizes", type=int, nargs="*", default=[5, 10, 25, 50],
                    help="archs per in-process shard timed to fit the fixed per-candidate cost (none: no fixed term)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "bench_shards.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    problem = ProxyDiscovery(args.space, dict(cache_dir=str(Path(args.cache).expanduser().resolve())), samples=50,
                             repeats=5, archs=50, seed=0, layer_share=args.layer_share)
    rng = np.random.default_rng(0)
    batch = [problem.sample(rng) for _ in range(args.candidates)]
    serial = problem.evaluate(batch)
    runs = {w: run(problem, batch, w, args.rounds) for w in (1, 2)}
    archs = len(problem.fitness_codes)
    k = model(runs[1], runs[2], archs, len(batch))
    curve = shard_curve(problem, batch, [a for a in args.shard_sizes if a <= archs], args.rounds) \
        if len(args.shard_sizes) >= 2 else None
    if curve is not None:
        k.update(f_s_per_candidate=curve["f_s_per_candidate"], c_s_per_pair=curve["c_s_per_pair"])
    table = []
    for a in (archs, 1000, 4096):
        t1 = predict(k, 1, a, len(batch))
        for w in (1, 2, 16, 64, 256):
            if w <= a:
                t = predict(k, w, a, len(batch))
                table.append({"archs": a, "workers": w, "seconds_per_generation": t, "speedup": t1 / t})
    summary = {
        "command": " ".join([sys.executable.split("/")[-1], *sys.argv]), "space": args.space, "archs": archs,
        "candidates": len(batch), "identical_to_serial": all(r["fitness"] == serial for r in runs.values()),
        "measured": {w: {key: v for key, v in r.items() if key != "fitness"} for w, r in runs.items()},
        "measured_speedup_2_vs_1": runs[1]["best"]["wall_s"] / runs[2]["best"]["wall_s"],
        "model_formula": "T(W) = o0 + o1*W + f*B + c*A*B/W + (W*b_in + A*B*b_out)/BW + d*A*B",
        "shard_curve": curve,
        "model_constants": k, "model": table,
        "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg(),
                    "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2))
    print(json.dumps({key: v for key, v in summary.items() if key != "measured"}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
