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
from dataclasses import replace
from pathlib import Path

import numpy as np

from zeroseg.correlation.metrics import kendall
from zeroseg.discovery import ensemble as E
from zeroseg.discovery import report as rep
from zeroseg.discovery.combine import bounds
from zeroseg.discovery.found import dsl_vectors
from zeroseg.discovery.honest import own_candidates
from zeroseg.discovery.run import DiscoverOptions, problem_for, scores_csv

sys.path.insert(0, str(Path(__file__).parent))
from run import candidate_texts  # noqa: E402  (this folder's script)


def train_parts(texts: list[str]) -> list[tuple[dict, np.ndarray]]:
    """(candidate → train scores, train accuracy) of each space, on the candidates both spaces have."""
    o = DiscoverOptions(space="micro", archs=None, samples=50, repeats=10)
    parts = []
    for space in ("micro", "macro"):
        so = replace(o, space=space)
        prob = problem_for(so)
        pool = prob.fitness_pool
        v = {**rep.baseline_vectors(space, pool, prob.settings, None, scores_csv(so)),
             **dsl_vectors(texts, pool, prob.settings, None)}
        parts.append((own_candidates(v), prob.fitness_acc))
    common = sorted(set.intersection(*(set(c) for c, _ in parts)))
    return [({n: c[n] for n in common}, acc) for c, acc in parts]


def greedy(parts, idxs, max_terms: int):
    """``ensemble._greedy`` with each part's own AVT bounds: path of (terms, lowest τ, bounds per part)."""
    lims = [{n: bounds(np.asarray(v[n], float)[i]) for n in v} for (v, _), i in zip(parts, idxs)]
    names = sorted(n for n in parts[0][0] if all(lim.get(n) is not None for lim in lims))
    ys = [acc[i] for (_, acc), i in zip(parts, idxs)]
    units = [{n: E.Term(n, 1.0, *lim[n]).apply(v[n][i]) for n in names}
             for (v, _), i, lim in zip(parts, idxs, lims)]
    current, totals, path = [], [np.zeros(len(i)) for i in idxs], []
    for _ in range(max_terms):
        options = [(n, w) for n in names if n not in [c[0] for c in current] for w in E.WEIGHTS]
        taus = np.min([E.tau_rows(np.stack([t + w * u[n] for n, w in options]), y)
                       for t, u, y in zip(totals, units, ys)], axis=0)
        k = int(np.nanargmax(taus))
        name, w = options[k]
        current = current + [(name, w)]
        totals = [t + w * u[name] for t, u in zip(totals, units)]
        path.append((list(current), float(taus[k]), lims))
    return path


def held_out(parts, max_terms: int = 4, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Mean over folds of the held-out lowest τ after 1..max_terms steps (``fit_parts``' folds)."""
    split = [E._folds(len(acc), folds, seed) for _, acc in parts]
    scores = np.full((folds, max_terms), np.nan)
    for f in range(folds):
        held = [s[f] for s in split]
        fit = [np.setdiff1d(np.arange(len(acc)), h) for (_, acc), h in zip(parts, held)]
        for step, (terms, _, lims) in enumerate(greedy(parts, fit, max_terms)):
            scores[f, step] = min(kendall(sum(E.Term(n, w, *lim[n]).apply(v[n][h]) for n, w in terms), acc[h])
                                  for (v, acc), h, lim in zip(parts, held, lims))
    return scores.mean(0)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", nargs="+", required=True)
    args = p.parse_args()
    parts = train_parts(candidate_texts(args.runs, 30))
    print(f"candidates on both spaces: {len(parts[0][0])}")
    print("held-out lowest τ after 1..4 terms, per-space bounds:", np.round(held_out(parts), 4).tolist())
    for terms, tau, _ in greedy(parts, [np.arange(len(a)) for _, a in parts], 4):
        print(f"all train archs: lowest τ {tau:.4f}  " + " + ".join(f"{w:g}·AVT({n})" for n, w in terms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
