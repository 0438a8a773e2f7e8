"""``zeroseg search``: evolve a segmenter of a space, scored by a proxy (SasWOT) under constraints."""

from __future__ import annotations

import argparse
import sys

from zeroseg.cli import command
from zeroseg.cli.options import add_options, add_scorer_flags, from_args, scorer_flags
from zeroseg.paths import wrote_line
from zeroseg.scorers import SCORERS
from zeroseg.search.run import SearchOptions, search


@command("search", help="search a segmenter by evolution, scored by a zero-cost proxy (SasWOT) under constraints")
class Search:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        add_options(p, SearchOptions)
        add_scorer_flags(p, SCORERS)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        opts = from_args(SearchOptions, args)
        flags = scorer_flags(args)
        both = sorted(set(flags) & set(opts.scorer_options))
        if both:
            raise ValueError(f"scorer option {both[0]!r} given both as a flag and as --scorer-opt")
        opts.scorer_options.update(flags)
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
