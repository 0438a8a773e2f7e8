"""A check on train only: does the joint fit gain from per-space AVT bounds? (issue 11, item 5)

    python experiments/discovery/union/per_space_bounds.py --runs DIR [DIR ...] > per_space_bounds.txt

``ensemble.fit_parts`` (the joint fit) gives each term one pair of AVT bounds spanning both spaces'
train archs. With bounds per space (each space's own train min/max, as SasWOT's AVT is computed
per space), a term's weight means the same share of each space's range. This prints the held-out
train-fold curve (lowest τ of the two spaces, 5 folds, as ``fit_parts``) of the same greedy
selection with per-space bounds, and its path refitted on all train archs. The test split is not read.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from zeroseg.discovery import ensemble
from zeroseg.discovery import report as rep
from zeroseg.discovery.found import dsl_vectors, pooled_texts
from zeroseg.discovery.honest import own_candidates
from zeroseg.discovery.joint_run import joint_parts
from zeroseg.discovery.run import DiscoverOptions, scores_csv


def train_parts(texts: list[str]) -> list[tuple[dict, np.ndarray]]:
    """(candidate → train scores, train accuracy) of each space, on the candidates both spaces have."""
    o = DiscoverOptions(space="micro", archs=None, samples=50, repeats=10)
    parts = []
    for space, prob in joint_parts(o).items():
        pool = prob.fitness_pool
        v = {**rep.baseline_vectors(space, pool, prob.settings, o.device, scores_csv(o, space)),
             **dsl_vectors(texts, pool, prob.settings, o.device)}
        parts.append((own_candidates(v), prob.fitness_acc))
    common = sorted(set.intersection(*(set(c) for c, _ in parts)))
    return [({n: c[n] for n in common}, acc) for c, acc in parts]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", nargs="+", required=True)
    args = p.parse_args()
    parts = train_parts(pooled_texts(args.runs, 30))
    print(f"candidates on both spaces: {len(parts[0][0])}")
    curve = ensemble.held_out_curve_parts(parts, 4, 5, 0, per_part=True)
    print("held-out lowest τ after 1..4 terms, per-space bounds:", np.round(curve, 4).tolist())
    everything = [np.arange(len(acc)) for _, acc in parts]
    for terms, tau in ensemble.greedy(parts, everything, 4, ensemble.WEIGHTS, per_part=True):
        print(f"all train archs: lowest τ {tau:.4f}  " + " + ".join(f"{t.weight:g}·AVT({t.name})" for t in terms[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
