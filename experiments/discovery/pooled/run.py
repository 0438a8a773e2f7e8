"""One found proxy per space from the candidates of every search of that space (issue 11).

    python experiments/discovery/pooled/run.py --space macro --runs DIR [DIR ...] --out experiments/discovery/pooled/macro

The three seeds × (evolution, random search) of experiments/discovery/{self_contained,seeds} are
3,600 evaluations of one space in all; each run's found proxy sees only its own 30 best distinct
expressions. Here the term pool is the union of every run's 30 best distinct expressions (ranked by
their train fitness) plus the self-contained baselines, fitted exactly as ``zeroseg discover`` fits
(``honest.honest_block``: terms and size chosen on folds of the train split), then scored once on
the test split against every reference (``--transfer``: and on the other space and tasks). Writes ``report.json`` and ``found.proxy`` in ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zeroseg.discovery import report as rep
from zeroseg.discovery.found import (dsl_vectors, found_setup, pool_tiers, pooled_texts, search_checkpoints,
                                     transfer_for, write_found)
from zeroseg.discovery.honest import honest_block
from zeroseg.discovery.run import DiscoverOptions, problem_for, scores_csv
from zeroseg.evolution import make_executor
from zeroseg.jsonio import write_json


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--space", required=True, choices=("micro", "macro"))
    p.add_argument("--runs", nargs="+", required=True, help="run folders of zeroseg discover --compare-random")
    p.add_argument("--term-pool", type=int, default=30, help="best distinct expressions taken from each search")
    p.add_argument("--transfer", action="store_true", help="also score it on the other space and the other TNB101 tasks")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    o = DiscoverOptions(space=args.space, archs=None, samples=50, repeats=10)  # the runs' data settings
    problem = problem_for(o)
    plan = problem.plan
    train = problem.fitness_pool
    try:
        texts = pooled_texts(args.runs, args.term_pool)
    except FileNotFoundError as exc:
        print(f"[pooled] {exc}", file=sys.stderr)
        return 2
    searches = len(search_checkpoints(args.runs))
    print(f"[pooled] {args.space}: {len(texts)} distinct candidate expressions from {searches} searches",
          file=sys.stderr)
    vectors = []
    for pool in (train, plan.test):
        v = rep.baseline_vectors(args.space, pool, problem.settings, None, scores_csv(o))
        vectors.append({**v, **dsl_vectors(texts, pool, problem.settings, None)})

    def test_metrics(scores, acc):
        return rep.metrics(scores, acc, o.samples, o.report_repeats, o.data_seed, o.n_boot)

    tiers = [pooled_texts(args.runs, k) for k in pool_tiers(args.term_pool)]  # k best of each search; chosen on folds
    block = honest_block(args.space, vectors[0], vectors[1], train.codes, plan.test.codes, train.acc, plan.test.acc,
                         problem.fitness_samples, test_metrics, max_terms=o.max_terms, folds=o.folds, seed=o.data_seed,
                         tiers=tiers)
    if args.transfer:
        block["_train_vectors"] = vectors[0]
        executor = make_executor(1)
        block["transfer"] = transfer_for(args.space, block, train.acc, problem.settings, test_metrics,
                                         lambda sp: scores_csv(o, sp), executor, o.data_seed, None,
                                         lambda m: print(m, file=sys.stderr))
        executor.close()
    out = Path(args.out)
    report = {"space": args.space, "runs": args.runs, "candidates": texts,
              **{k: v for k, v in block.items() if not k.startswith("_")}}
    setup = found_setup([args.space], o)
    report["file"] = str(write_found(out / "found.proxy", block, setup,
                                     f"{rep.FOUND} --space {args.space}: pooled terms of {searches} searches "
                                     f"({args.out})"))
    write_json(out / "report.json", report, default=str)
    f = block["found"]
    print(f"found ({f['size']} terms): " + " + ".join(f"{t['weight']:g}·AVT({t['name']})" for t in f["terms"]))
    m = block["margin"]
    print(f"train τ {f['train']['kendall_mean']:.4f} | test τ {f['test']['kendall_mean']:.4f}; margin over "
          f"{m['over']} {m['estimate_sampled']:+.4f}, paired CI {m['paired_full_pool']['ci95']}")
    print(f"[pooled] wrote: {out}/ (found.proxy, report.json)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
