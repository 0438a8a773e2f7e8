"""Cost of statistics collection vs a bare forward+backward, and of a cache hit vs recomputing.

For 10 micro and 10 macro TNB101 archs (evenly spaced along the table sorted by FLOPs) at 128²
and 256², batch 8 of the shipped CamVid batch: after one warm-up of each, ``--reps`` bare
fwd+bwd passes and ``--reps`` ``collect`` calls are interleaved (alternating which goes first) and
their medians compared (target: median ratio ≤ 1.3 at 256², issue 2). The cache part stores each
arch's 256² statistics and times ``StatsCache.get`` against the collection time (target ≥ 20×).

    python benches/bench_stats.py            # full 10 + 10 archs: long on a shared 2-core host
    python benches/bench_stats.py --archs 4 --max-quantile 0.6   # the recorded run (~16 min)
    python benches/bench_stats.py --quick    # 2 + 2 archs at 128², one rep
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from zeroseg import transnas
from zeroseg.stats import StatsCache, collect, load_batch
from zeroseg.stats.arch import build_seeded

OUT = Path(__file__).resolve().parent / "results" / "bench_stats.json"


def pick_archs(space: str, count: int, max_quantile: float = 1.0) -> list[str]:
    """``count`` net codes spread evenly over the table sorted by FLOPs, up to the ``max_quantile``
    FLOPs quantile (1.0: smallest to largest net)."""
    table = transnas.load_table(space).sort_values(["flops_m", "net_code"]).reset_index(drop=True)
    return [table.net_code[int(i)] for i in np.linspace(0, max_quantile * (len(table) - 1), count).round()]


def bare(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    """The reference cost: one training-mode forward + backward of the same loss, nothing kept."""
    model.train()
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y, ignore_index=255).backward()


def timed(fn) -> tuple[float, float, object]:
    """Wall and process CPU seconds of ``fn()`` (CPU time is robust to other jobs on a shared host)."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t, time.process_time() - c, out


def bench_arch(code: str, res: int, reps: int, device: str) -> tuple[dict, object]:
    model = build_seeded(code, 0).to(device)
    x, y = (t.to(device) for t in load_batch(res, 8))
    run_bare, run_collect = (lambda: bare(model, x, y)), (lambda: collect(model, x, y, device=device))
    run_bare(), run_collect()  # warm-up (allocator, kernels)
    times: dict[str, list[float]] = {"bare": [], "collect": [], "bare_cpu": [], "collect_cpu": []}
    stats = None
    for r in range(reps):
        order = (("bare", run_bare), ("collect", run_collect))
        for name, fn in order if r % 2 == 0 else order[::-1]:
            wall, cpu, out = timed(fn)
            times[name].append(wall)
            times[f"{name}_cpu"].append(cpu)
            stats = out if name == "collect" else stats
    med = {k: statistics.median(v) for k, v in times.items()}
    row = {"space": transnas.space_of(code), "net_code": code, "resolution": res, "bare_s": med["bare"],
           "collect_s": med["collect"], "ratio": med["collect"] / med["bare"], "bare_cpu_s": med["bare_cpu"],
           "collect_cpu_s": med["collect_cpu"], "ratio_cpu": med["collect_cpu"] / med["bare_cpu"],
           "stats_bytes": stats.nbytes, "layers": len(stats.layers), "times": times}
    return row, stats


def bench_cache(stats_by_code: dict, collect_s: dict, reps: int = 5) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as root:
        cache = StatsCache(root)
        for code, stats in stats_by_code.items():
            cache.put(code, stats)
            hit = statistics.median(timed(lambda: cache.get(code))[0] for _ in range(reps))  # wall
            rows.append({"net_code": code, "hit_s": hit, "recompute_s": collect_s[code], "speedup": collect_s[code] / hit,
                         "file_bytes": cache.path(code).stat().st_size})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="2 micro + 2 macro archs at 128², 1 rep")
    p.add_argument("--archs", type=int, default=10, help="archs per space (default 10)")
    p.add_argument("--resolutions", type=int, nargs="+", default=[128, 256])
    p.add_argument("--reps", type=int, default=3, help="timed runs of each kind per arch (default 3)")
    p.add_argument("--max-quantile", type=float, default=1.0, help="largest FLOPs quantile picked (default 1.0)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: CPU time = work)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
    if args.quick:
        args.archs, args.resolutions, args.reps = 2, [128], 1
    torch.set_num_threads(args.threads)
    codes = pick_archs("micro", args.archs, args.max_quantile) + pick_archs("macro", args.archs, args.max_quantile)
    rows, top, top_s = [], {}, {}
    print(f"{'space':6} {'net_code':22} {'res':>4} {'bare s':>7} {'collect s':>9} {'ratio':>6} {'cpu ratio':>9} {'stats MB':>8}")
    for res in args.resolutions:
        for code in codes:
            row, stats = bench_arch(code, res, args.reps, args.device)
            rows.append(row)
            if res == max(args.resolutions):
                top[code], top_s[code] = stats, row["collect_s"]
            print(f"{row['space']:6} {code:22} {res:4d} {row['bare_s']:7.3f} {row['collect_s']:9.3f} "
                  f"{row['ratio']:6.3f} {row['ratio_cpu']:9.3f} {row['stats_bytes'] / 1e6:8.2f}", flush=True)
    cache_rows = bench_cache(top, top_s)
    summary = {}
    for r in args.resolutions:
        for kind in ("ratio", "ratio_cpu"):
            summary[f"median_{kind}_{r}"] = statistics.median(x[kind] for x in rows if x["resolution"] == r)
    summary["median_cache_speedup"] = statistics.median(c["speedup"] for c in cache_rows)
    summary["median_cache_hit_s"] = statistics.median(c["hit_s"] for c in cache_rows)
    for space in ("micro", "macro"):
        sizes = [x["stats_bytes"] for x in rows if x["space"] == space and x["resolution"] == max(args.resolutions)]
        summary[f"stats_bytes_{space}"] = {"min": min(sizes), "median": statistics.median(sizes), "max": max(sizes)}
    print(json.dumps(summary, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"torch": torch.__version__, "threads": args.threads, "device": args.device, "machine": platform.machine(),
            "processor": platform.processor(), "reps": args.reps, "archs_per_space": args.archs,
            "max_quantile": args.max_quantile, "load_avg_at_end": list(os.getloadavg()), "batch": 8, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    args.out.write_text(json.dumps({"meta": meta, "summary": summary, "archs": rows, "cache": cache_rows}, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
