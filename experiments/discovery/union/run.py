"""Found proxies from the union of every search's candidates: one per space and one for both (issue 11).

    python experiments/discovery/union/run.py --out experiments/discovery/union \
        --runs experiments/discovery/self_contained/micro_seed0 ... experiments/discovery/joint/joint_seed0

``../pooled`` fits each space's proxy on the candidates of that space's own six searches. Here the
term pool is the union of the 30 best distinct expressions of *every* search given (micro, macro
and joint; evolution and random), plus the self-contained baselines, and three proxies are fitted
on train only, exactly as ``zeroseg discover`` / ``discover-joint`` fit:

* ``micro`` and ``macro``: ``honest.honest_block`` on that space's train split (terms and size on
  5 train folds), scored once on its test split against every reference;
* ``joint``: ``ensemble.fit_parts`` over both train splits (objective: the lower of the two τ, AVT
  bounds spanning both), judged on each space's test split (``honest.judged``) and scored unchanged
  on the other TNB101 tasks of both spaces (``transfer``).

Which proxy ships (decided before this was run, on train only): a union fit replaces the library's
proxy of the same role iff its best held-out train-fold τ is higher. Writes ``report.json`` and
``<role>.proxy`` in ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from zeroseg.discovery import report as rep
from zeroseg.discovery.found import found_setup, pooled_texts, transfer_for, write_found
from zeroseg.discovery.honest import honest_block
from zeroseg.discovery.joint_run import candidate_vectors, joint_fit, joint_parts, space_baselines, write_joint
from zeroseg.discovery.run import DiscoverOptions, scores_csv
from zeroseg.evolution import make_executor
from zeroseg.jsonio import write_json


def public(block: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if not k.startswith("_")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", nargs="+", required=True, help="run folders of --compare-random searches (any space)")
    p.add_argument("--term-pool", type=int, default=30, help="best distinct expressions taken from each search")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    o = DiscoverOptions(space="micro", archs=None, samples=50, repeats=10)  # the runs' data settings
    try:
        texts = pooled_texts(args.runs, args.term_pool)
    except FileNotFoundError as exc:
        print(f"[union] {exc}", file=sys.stderr)
        return 2
    print(f"[union] {len(texts)} distinct candidate expressions from {2 * len(args.runs)} searches", file=sys.stderr)
    parts = joint_parts(o)
    baselines = space_baselines(o, parts)
    vectors = candidate_vectors(o, parts, texts, baselines)  # every candidate on each space's train and test

    def test_metrics(scores: np.ndarray, acc: np.ndarray) -> dict[str, Any]:
        return rep.metrics(scores, acc, o.samples, o.report_repeats, o.data_seed, o.n_boot)

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    out = Path(args.out)
    provenance = f"union of {2 * len(args.runs)} searches' terms (experiments/discovery/union)"
    report: dict[str, Any] = {"runs": args.runs, "candidates": texts, "per_space": {}}
    executor = make_executor(1)
    for space, prob in parts.items():
        train_v, test_v = vectors[space]
        block = honest_block(space, train_v, test_v, prob.fitness_pool.codes, prob.plan.test.codes,
                             prob.fitness_acc, prob.plan.test.acc, prob.fitness_samples, test_metrics,
                             max_terms=o.max_terms, folds=o.folds, seed=o.data_seed)
        block["_train_vectors"] = train_v
        block["transfer"] = transfer_for(space, block, prob.fitness_acc, prob.settings, test_metrics,
                                         lambda sp: scores_csv(o, sp), executor, o.data_seed, None, log)
        block["file"] = str(write_found(out / f"{space}.proxy", block, found_setup([space], o), f"{rep.FOUND} --space {space}: {provenance}"))
        report["per_space"][space] = public(block)
    found = joint_fit(o, parts, vectors)
    micro = parts["micro"]  # the other tasks of both spaces, and the predictors fitted on micro applied to macro
    lead = {"found": found["fitted"], "_train_vectors": baselines["micro"][0]}
    found["transfer"] = transfer_for("micro", lead, micro.fitness_acc, micro.settings, test_metrics,
                                     lambda sp: scores_csv(o, sp), executor, o.data_seed, None, log)
    found["file"] = str(write_joint(out / "joint.proxy", found, found_setup(list(parts), o), f"{rep.FOUND}-joint: {provenance}"))
    report["joint"] = found
    executor.close()
    write_json(out / "report.json", report, default=str)
    print(summary(report))
    print(f"[union] wrote: {out}/ (micro.proxy, macro.proxy, joint.proxy, report.json)", file=sys.stderr)
    return 0


def summary(report: dict[str, Any]) -> str:
    """Each fitted proxy's held-out train-fold τ and test τ beside its strongest self-contained reference."""
    lines = []
    blocks = [(s, b["found"], b) for s, b in report["per_space"].items()]
    blocks += [(f"joint→{s}", report["joint"]["fitted"], b) for s, b in report["joint"]["spaces"].items()]
    for name, fitted, b in blocks:
        m = b["margin"]
        lines.append(f"{name}: held-out {max(fitted['held_out_tau']):.4f} | test τ {b['found']['test']['kendall_mean']:.4f}"
                     f" | over {m['over']} {m['estimate_sampled']:+.4f} CI {m['paired_full_pool']['ci95']} | terms "
                     + " + ".join(f"{t['weight']:g}·AVT({t['name'][:60]})" for t in fitted["terms"]))
    for row in report["joint"]["transfer"]["cross_task"]:
        lines.append(f"joint on {row['space']} {row['task']}: {row['found'].get('kendall_mean'):.4f} vs best single "
                     f"{row['best_single']['name']} {row['best_single']['kendall_mean']:.4f}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
