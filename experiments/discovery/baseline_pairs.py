"""The strongest thing discovery must beat besides single baselines: the best AVT *pair* of baselines.

Every pair of baselines (Suite-Zero's columns and our built-ins from ``--baseline-scores``) is
combined as AVT(a) + AVT(b) (SasWOT Eq. 3-4, min/max on the train split); the pair with the highest
train Kendall-τ (whole train split) is chosen and scored on the test split with the report's
protocol (mean τ over 20 random 50-arch samples, full-pool τ with a bootstrap 95% CI).

    python experiments/discovery/baseline_pairs.py --space micro \
        --baseline-scores experiments/table3/results/fidelity_scores_micro.csv
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from zeroseg.correlation.metrics import kendall
from zeroseg.discovery.archs import plan_archs
from zeroseg.discovery.combine import MIN_VALID, avt_sum, bounds
from zeroseg.proxies.avt import normalize
from zeroseg.discovery.partners import table_baselines
from zeroseg.discovery.report import metrics


def pair_sum(a: np.ndarray, b: np.ndarray, ba: tuple[float, float], bb: tuple[float, float]) -> np.ndarray:
    """``avt_sum`` made symmetric: an arch either baseline cannot score gets that baseline's minimum."""
    return avt_sum(np.nan_to_num(normalize(a, *ba), nan=0.0), b, (0.0, 1.0), bb)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--space", choices=("micro", "macro"), required=True)
    p.add_argument("--baseline-scores", default=None)
    p.add_argument("--out", default="runs/discovery", help="output folder (default runs/discovery; committed: "
                   "--out experiments/discovery)")
    a = p.parse_args()
    plan = plan_archs(a.space)
    train, test = (table_baselines(a.space, pool, a.baseline_scores) for pool in (plan.train, plan.test))
    usable = sorted(n for n, v in train.items() if np.isfinite(v).mean() >= MIN_VALID and bounds(v) is not None)
    best = None
    for x, y in itertools.combinations(usable, 2):
        bx, by = bounds(train[x]), bounds(train[y])
        tau = kendall(pair_sum(train[x], train[y], bx, by), plan.train.acc)
        if np.isfinite(tau) and (best is None or tau > best["train_tau"]):
            best = {"pair": [x, y], "train_tau": tau, "bounds": [list(bx), list(by)]}
    x, y = best["pair"]
    scores = pair_sum(test[x], test[y], *map(tuple, best["bounds"]))
    best["test"] = metrics(scores, plan.test.acc, 50, 20, 0, 1000)
    path = Path(a.out) / f"baseline_pair_{a.space}.json"
    path.write_text(json.dumps(best, indent=2, default=float))
    t = best["test"]
    print(f"{a.space}: best pair on train {x} + {y} (train τ {best['train_tau']:.4f}) → test τ "
          f"{t['kendall_mean']:.4f} (full {t['kendall_full']:.4f}, 95% CI {[round(v, 3) for v in t['kendall_ci95']]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
