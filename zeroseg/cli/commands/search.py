"""``zeroseg search``: evolve a segmenter of a space, scored by a proxy (SasWOT) under constraints."""

from __future__ import annotations

import argparse
import sys

from zeroseg.cli import add_device_arg, add_seed_arg, command
from zeroseg.paths import cache_dir, wrote_line


def _objectives(text: str) -> tuple[str, ...]:
    from zeroseg.search.problem import OBJECTIVES

    names = tuple(t.strip() for t in text.split(",") if t.strip())
    if not names or names[0] != "score" or any(n not in OBJECTIVES for n in names):
        raise argparse.ArgumentTypeError(f"objectives must start with 'score' and use {sorted(OBJECTIVES)}, got {text!r}")
    return names


@command("search", help="search a segmenter by evolution, scored by a zero-cost proxy (SasWOT) under constraints")
class Search:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--space", required=True, help="search space (see `zeroseg spaces list`)")
        p.add_argument("--scorer", default="saswot",
                       help="a scorer (`proxy`) or a proxy name / .proxy file scored by it (default saswot)")
        p.add_argument("--dataset", default="camvid", help="dataset of the scoring batch (default camvid)")
        p.add_argument("--data-root", default=None, help="dataset folder (default: $ZEROSEG_CAMVID)")
        p.add_argument("--input-size", type=int, nargs=2, default=(192, 256), metavar=("H", "W"),
                       help="input size of scoring, costs and latency (default 192 256)")
        p.add_argument("--batch-size", type=int, default=4, help="train images in the scoring batch (default 4)")
        p.add_argument("--budget", type=int, default=300, help="candidates evaluated (default 300)")
        p.add_argument("--population", type=int, default=20, help="new candidates per generation (default 20)")
        p.add_argument("--topk", type=int, default=5, help="elites per generation and genotypes reported (default 5)")
        p.add_argument("--patience", type=int, default=5, help="generations without gain before a restart")
        p.add_argument("--avt-samples", type=int, default=30,
                       help="random genotypes for the AVT min/max of a composite proxy (default 30)")
        p.add_argument("--supernet-steps", type=int, default=300,
                       help="--scorer supernet: single-path training steps of the supernet (default 300)")
        p.add_argument("--finetune-steps", type=int, default=20,
                       help="--scorer supernet: SGD steps per candidate on inherited weights (default 20)")
        p.add_argument("--supernet-val-images", type=int, default=24,
                       help="--scorer supernet: val images of the candidate's mIoU (default 24)")
        p.add_argument("--supernet-dir", default=cache_dir("supernet"),
                       help="--scorer supernet: folder of reusable supernet checkpoints"
                            " (default $ZEROSEG_CACHE/supernet, else ~/.cache/zeroseg/supernet)")
        p.add_argument("--max-flops", type=float, default=None, help="hard limit on FLOPs (2×MACs) at batch 1")
        p.add_argument("--max-params", type=float, default=None, help="hard limit on parameters")
        p.add_argument("--max-latency-ms", type=float, default=None, help="hard limit on batch-1 latency (ms)")
        p.add_argument("--latency-model", default=None, help="latency file of `zeroseg latency build` (MLP predictor)")
        p.add_argument("--measure-latency", action="store_true", help="measure each candidate's latency instead")
        p.add_argument("--objectives", type=_objectives, default=("score",),
                       help="'score' or e.g. 'score,latency' / 'score,flops' (NSGA-II, Pareto front)")
        p.add_argument("--latency-penalty", type=float, default=0.0, metavar="BETA",
                       help="single objective score − BETA·log(latency_ms) (GAS); default 0 = off")
        p.add_argument("--compare-random", action="store_true", help="also run random search on the same budget")
        p.add_argument("--workers", type=int, default=1, help="local worker processes (joblib; default 1)")
        p.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://host:port")
        p.add_argument("--threads", type=int, default=None,
                       help="torch threads per worker (default: measured from free cores, printed)")
        p.add_argument("--out", required=True, help="output folder")
        p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.json")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
        add_seed_arg(p)
        add_device_arg(p)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        from zeroseg.search.run import SearchOptions, search

        opts = SearchOptions(
            space=args.space, scorer=args.scorer, dataset=args.dataset, data_root=args.data_root,
            input_size=tuple(args.input_size), batch_size=args.batch_size, budget=args.budget,
            population=args.population, topk=args.topk, patience=args.patience, seed=args.seed, out=args.out,
            avt_samples=args.avt_samples, supernet_steps=args.supernet_steps, finetune_steps=args.finetune_steps,
            supernet_val_images=args.supernet_val_images, supernet_dir=args.supernet_dir,
            max_flops=args.max_flops, max_params=args.max_params,
            max_latency_ms=args.max_latency_ms, latency_model=args.latency_model,
            measure_latency=args.measure_latency, objectives=args.objectives, latency_penalty=args.latency_penalty,
            compare_random=args.compare_random, workers=args.workers, scheduler=args.scheduler,
            threads=args.threads, resume=args.resume, device=args.device,
            progress=False if args.no_progress else None)
        report = search(opts, log=lambda m: print(m, file=sys.stderr))
        print(summary(report))
        print(wrote_line("search", [args.out]), file=sys.stderr)
        return 0


def summary(report: dict) -> str:
    """Winner, its costs, the run's counters and the command that trains it."""
    lines = [f"evaluated {report['evaluated']} ({report['valid']} valid), rejected {report['rejected']}, "
             f"wall {report['wall_time']['total']:.1f}s", *report.get("warnings", [])]
    for row in report["topk"][:3]:
        lines.append(f"#{row['rank']} score {row['score']:.4f} params {row['params'] / 1e6:.2f}M "
                     f"flops {row['flops'] / 1e9:.2f}G  {row['genotype']}")
    if "pareto" in report:
        lines.append(f"Pareto front: {len(report['pareto'])} genotypes (pareto.csv, pareto.png)")
    if "train_command" in report:
        lines.append("train the winner: " + report["train_command"])
    else:
        lines.append("no valid genotype found (see rejected reasons)")
    return "\n".join(lines)
