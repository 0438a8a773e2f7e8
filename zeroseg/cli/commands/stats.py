"""``zeroseg stats``: collect and cache the statistics of every TNB101 arch of a space at one setup.

Discovery and the reports read statistics from the cache; computing them is the expensive part
(about 1 s per arch at 64² on one core). This command fills the cache for whole tables, in
parallel over archs (joblib workers, or a Dask cluster with ``--scheduler``). It is resumable by
construction: entries already in the cache are not recomputed, so a killed run continues where
it stopped when started again with the same flags.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from zeroseg.cli import add_device_arg, command
from zeroseg.discovery.statstore import StatsSettings, precompute
from zeroseg.evolution import make_executor
from zeroseg.paths import cache_dir, wrote_line
from zeroseg.transnas import load_table


@command("stats", help="collect and cache the statistics of every arch of TNB101 spaces (resumable, parallel)")
class Stats:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--space", nargs="+", choices=("micro", "macro"), default=["micro", "macro"])
        p.add_argument("--resolution", type=int, default=64, help="input size of the statistics (default 64)")
        p.add_argument("--batch-size", type=int, default=8, help="images in the statistics batch (default 8)")
        p.add_argument("--seed", type=int, default=0,
                       help="initialisation seed of the networks (discover's --data-seed; default 0)")
        p.add_argument("--limit", type=int, default=None, help="only the first N archs of each table")
        p.add_argument("--cache", default=None, help="statistics cache folder (default $ZEROSEG_CACHE/stats, else ~/.cache/zeroseg/stats)")
        p.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
        p.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://host:port")
        add_device_arg(p)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        if args.workers < 1:
            raise ValueError(f"--workers must be >= 1, got {args.workers}")
        cache = Path(args.cache or cache_dir("stats"))
        settings = StatsSettings(cache_dir=str(cache.resolve()), resolution=args.resolution,
                                 batch_size=args.batch_size, seed=args.seed)
        executor = make_executor(args.workers, args.scheduler)
        try:
            for space in args.space:
                codes = load_table(space)["net_code"].tolist()[: args.limit]
                todo = [c for c in codes if not settings.cached(c)]
                print(f"[stats] {space}: {len(codes) - len(todo)} of {len(codes)} archs cached, computing {len(todo)} "
                      f"at {args.resolution}² × {args.batch_size} → {cache}", flush=True)
                t0 = time.perf_counter()
                failures = precompute(settings, todo, executor)
                for code, why in failures.items():
                    print(f"[stats] {space}: {code} failed: {why}", flush=True)
                print(f"[stats] {space}: {len(todo) - len(failures)} computed in {time.perf_counter() - t0:.1f}s, "
                      f"{len(failures)} failed", flush=True)
        finally:
            executor.close()
        print(wrote_line("stats", [cache]))
        return 0
