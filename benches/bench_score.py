"""Scoring speed: zeroseg scoring proxies on one TNB101 arch vs a bare forward+backward of the
same model vs a NASLib-style peer (``peer_scorer.py``: one fresh model and pass per measure).

Issue 3 target: SasWOT at 256×256, batch 8, from a cold start (build + batch + statistics +
evaluation) in ≤ 2× one bare forward + backward (cross-entropy, train mode, model built). Issue 15
target: all built-ins + SasWOT (``--proxy all``) in ≤ 2× bare at 256², ≤ 3× at 64², ≤ 0.5× the peer.

    python benches/bench_score.py [--arch 64-41414-1_00_210] [--resolution 64] [--proxy all] [--repeats 3]

The three are measured interleaved in one run (same machine load); medians of wall and process
CPU time (CPU time is the steadier number on a shared machine). With ``--proxy all`` the peer's
values are checked equal to zeroseg's (1e-6 relative); the peer's one-time ``torch._dynamo`` import
(its FLOPs go through ``FlopCounterMode``) happens before timing, zeroseg's scoring path imports none.
Writes ``benches/results/bench_score[_<res>].json`` (``--proxy all``: ``bench_score_all_<res>.json``)
with the command, the load average and every repeat's CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from peer_scorer import MEASURES, peer_scores
from zeroseg import transnas
from zeroseg.proxies import score_arch, score_many
from zeroseg.proxies.avt import avt_key
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


ALL = (*MEASURES, "flops", "saswot")  # the 12 built-ins and SasWOT


def scored(code: str, resolution: int, batch: int, seed: int, proxy: str) -> tuple[float, float, dict]:
    t = clock()
    if proxy == "all":
        res = score_many(list(ALL), code, resolution=resolution, batch_size=batch, seed=seed)
    else:
        res = {proxy: score_arch(proxy, code, resolution=resolution, batch_size=batch, seed=seed)}
    wall, cpu = since(t)
    bad = {k: r.invalid for k, r in res.items() if not r.ok}
    if bad:
        raise SystemExit(f"invalid on {code}: {bad}")
    return wall, cpu, {k: r.value for k, r in res.items()}


def peer(code: str, resolution: int, batch: int, seed: int) -> tuple[float, float, dict]:
    x, y = load_batch(resolution, batch)
    t = clock()
    values = peer_scores(code, x, y, seed, avt_key("micro" if "_" in code else "macro", resolution, batch))
    return (*since(t), values)


def mismatches(a: dict, b: dict) -> dict:
    return {k: [a[k], b[k]] for k in a if not math.isclose(a[k], b[k], rel_tol=1e-6, abs_tol=1e-12)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="saswot scoring time vs a bare forward+backward")
    p.add_argument("--arch", default="64-41414-1_00_210")
    p.add_argument("--proxy", default="saswot")
    p.add_argument("--resolution", type=int, default=256)
    p.add_argument("--no-peer", action="store_true", help="skip the NASLib-style peer")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    setup = (args.arch, args.resolution, args.batch_size, args.seed)
    bare_fwd_bwd(*setup)  # warm-up: allocator, kernels, decoded batch
    with_peer = args.proxy == "all" and not args.no_peer
    if with_peer:  # the peer's FlopCounterMode imports torch._dynamo once (~3 s): not charged to its first repeat
        transnas.count_flops(args.arch, (64, 64))
    bare, score, peers = [], [], []
    load = [os.getloadavg()[0]]
    for _ in range(args.repeats):  # interleaved so all see the same machine load
        bare.append(bare_fwd_bwd(*setup))
        score.append(scored(*setup, args.proxy))
        if with_peer:
            peers.append(peer(*setup))
    load.append(os.getloadavg()[0])
    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    result = {
        "command": "python benches/bench_score.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "load_avg_1min_before_after": load, "cpus": os.cpu_count(),
        "arch": args.arch, "proxy": args.proxy, "resolution": args.resolution, "batch_size": args.batch_size,
        "threads": args.threads, "repeats": args.repeats, "values": score[0][2],
        "bare_fwd_bwd_wall_s": med(bare, 0), "bare_fwd_bwd_cpu_s": med(bare, 1),
        "score_wall_s": med(score, 0), "score_cpu_s": med(score, 1),
        "cpu_s_each": {"bare": [x[1] for x in bare], "score": [x[1] for x in score], "peer": [x[1] for x in peers]},
    }
    result["ratio_wall"] = result["score_wall_s"] / result["bare_fwd_bwd_wall_s"]
    result["ratio_cpu"] = result["score_cpu_s"] / result["bare_fwd_bwd_cpu_s"]
    if with_peer:
        result.update(peer_wall_s=med(peers, 0), peer_cpu_s=med(peers, 1),
                      peer_ratio_cpu=med(peers, 1) / result["bare_fwd_bwd_cpu_s"],
                      zeroseg_over_peer_cpu=result["score_cpu_s"] / med(peers, 1),
                      peer_mismatches=mismatches(score[0][2], peers[0][2]))
    out = args.out if args.out != OUT or args.proxy != "all" else OUT.with_name(f"bench_score_all_{args.resolution}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print("wrote", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
