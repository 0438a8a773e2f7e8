"""Issue 4's evidence: evolution vs random search (same budget) for several seeds, one space per call.

One process runs every seed, so the statistics are read from the cache into RAM once. The archs, the
train samples and the statistics are fixed by ``data_seed`` 0 for every seed (same test archs for
every run and baseline); ``--seed`` changes only the search. Each run goes to
``experiments/discovery/<space>_seed<s>`` (report.json, log.csv, log_random.csv, curve.png, best_*.proxy).

    python experiments/discovery/run_seeds.py --space micro --seeds 0 1 2 --generations 20 --population 20
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from zeroseg.cli.commands.discover import summary
from zeroseg.discovery.run import DiscoverOptions, discover
from zeroseg.paths import cache_dir


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--space", choices=("micro", "macro"), required=True)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--generations", type=int, default=20)
    p.add_argument("--population", type=int, default=20)
    p.add_argument("--archs", type=int, default=100, help="archs per split (0: all)")
    p.add_argument("--samples", type=int, default=50)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--partner", default=None, help="as zeroseg discover --partner")
    p.add_argument("--baseline-scores", default=None, help="as zeroseg discover --baseline-scores")
    p.add_argument("--partner-weights", type=float, nargs="+", default=[1.0], help="as zeroseg discover")
    p.add_argument("--extra-terminals", nargs="+", default=[], help="as zeroseg discover")
    p.add_argument("--tag", default="", help="suffix of the run folders (<space>_seed<s><tag>)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--cache", default=cache_dir("stats"))
    p.add_argument("--root", default="runs/discovery", help="folder of the run folders (default runs/discovery; "
                   "committed: --root experiments/discovery)")
    a = p.parse_args()
    torch.set_num_threads(1)
    for seed in a.seeds:
        opts = DiscoverOptions(space=a.space, out=f"{a.root}/{a.space}_seed{seed}{a.tag}", generations=a.generations,
                               population=a.population, archs=a.archs or None, samples=a.samples,
                               repeats=a.repeats, compare_random=True, seed=seed, cache=a.cache, workers=a.workers,
                               device="cpu", progress=False, partner=a.partner, baseline_scores=a.baseline_scores,
                               partner_weights=tuple(a.partner_weights), extra_terminals=tuple(a.extra_terminals),
                               resume=True)
        report = discover(opts, log=lambda m: print(m, file=sys.stderr))
        print(f"== {a.space} seed {seed}\n{summary(report)}", flush=True)
        rnd = report.get("random", {}).get("proxies") or [{}]
        print(f"random search: {rnd[0].get('proxy')} test τ {rnd[0].get('test', {}).get('kendall_mean')}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
