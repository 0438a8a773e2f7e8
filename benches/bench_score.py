"""Scoring speed: ``zeroseg score --proxy saswot`` vs a bare forward+backward of the same model.

Issue 3 target: scoring one TNB101 arch with SasWOT at 256×256, batch 8, from a cold start of the
model (build + batch + statistics + evaluation) in ≤ 2× the time of one bare forward + backward
(cross-entropy, train mode, model already built) of that model, both measured in one run.

    python benches/bench_score.py [--arch 64-41414-1_00_210] [--resolution 256] [--repeats 3]

Each measurement is repeated and the median kept; wall time and process CPU time are both
reported (CPU time is the steadier number on a shared machine). Threads: ``--threads`` (1).
Writes ``benches/results/bench_score.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from zeroseg.proxies import score_arch
from zeroseg.stats import load_batch
from zeroseg.stats.arch import build_seeded
from zeroseg.stats.batch import IGNORE_INDEX

OUT = Path(__file__).resolve().parent / "results" / "bench_score.json"


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(t: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - t[0], time.process_time() - t[1]


def bare_fwd_bwd(code: str, resolution: int, batch: int, seed: int) -> tuple[float, float]:
    """One forward + CE backward on the real batch, model built and batch loaded beforehand."""
    model = build_seeded(code, seed).train()
    x, y = load_batch(resolution, batch)
    t = clock()
    F.cross_entropy(model(x), y, ignore_index=IGNORE_INDEX).backward()
    return since(t)


def scored(code: str, resolution: int, batch: int, seed: int, proxy: str) -> tuple[float, float, float]:
    t = clock()
    res = score_arch(proxy, code, resolution=resolution, batch_size=batch, seed=seed)
    wall, cpu = since(t)
    if not res.ok:
        raise SystemExit(f"{proxy} invalid on {code}: {res.invalid}")
    return wall, cpu, res.value


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="saswot scoring time vs a bare forward+backward")
    p.add_argument("--arch", default="64-41414-1_00_210")
    p.add_argument("--proxy", default="saswot")
    p.add_argument("--resolution", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    setup = (args.arch, args.resolution, args.batch_size, args.seed)
    bare_fwd_bwd(*setup)  # warm-up: allocator, kernels, decoded batch
    bare, score = [], []
    for _ in range(args.repeats):  # interleaved so both see the same machine load
        bare.append(bare_fwd_bwd(*setup))
        score.append(scored(*setup, args.proxy))
    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    result = {
        "arch": args.arch, "proxy": args.proxy, "resolution": args.resolution, "batch_size": args.batch_size,
        "threads": args.threads, "repeats": args.repeats, "value": score[0][2],
        "bare_fwd_bwd_wall_s": med(bare, 0), "bare_fwd_bwd_cpu_s": med(bare, 1),
        "score_wall_s": med(score, 0), "score_cpu_s": med(score, 1),
    }
    result["ratio_wall"] = result["score_wall_s"] / result["bare_fwd_bwd_wall_s"]
    result["ratio_cpu"] = result["score_cpu_s"] / result["bare_fwd_bwd_cpu_s"]
    result["target_met_cpu"] = result["ratio_cpu"] <= 2.0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
