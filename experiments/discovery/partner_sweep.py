"""Which baseline should the found proxy complement? Choose it on the train split (issue 4, item 2).

SasWOT (Eq. 3) combines its searched proxy with NWOT, picked by hand. Here the choice is a rule that
reads only train archs: take the ``--top`` baselines with the highest Kendall-τ on the train split
(Suite-Zero's columns and, with ``--baseline-scores``, our built-ins), run ``zeroseg discover
--partner P`` for each (fitness = τ of AVT(candidate) + AVT(P) on train samples), and keep the run
whose best train fitness is highest. Test τ is reported for every run, never used to choose.
Each run goes to ``<root>/<space>_partner_<P>_s<seed>``; a run whose report.json exists is reused
(``--rereport``: its report is recomputed from the finished checkpoint, no search).
Writes ``<root>/sweep_<space>_s<seed>.{json,md}``.

    python experiments/discovery/partner_sweep.py --space micro \
        --baseline-scores experiments/table3/results/fidelity_scores_micro.csv
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from zeroseg.correlation.metrics import kendall
from zeroseg.discovery.archs import plan_archs
from zeroseg.discovery.partners import table_baselines
from zeroseg.discovery.run import DiscoverOptions, discover
from zeroseg.paths import cache_dir


def ranked_baselines(space: str, scores_csv: str | None, top: int) -> list[tuple[str, float]]:
    """The ``top`` baselines by Kendall-τ on the whole train split (NaN scores omitted)."""
    train = plan_archs(space).train
    vectors = table_baselines(space, train, scores_csv)
    taus = {n: kendall(v[np.isfinite(v)], train.acc[np.isfinite(v)]) for n, v in vectors.items()
            if np.isfinite(v).mean() >= 0.9}
    return sorted(((n, t) for n, t in taus.items() if np.isfinite(t)), key=lambda x: -x[1])[:top]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--space", choices=("micro", "macro"), required=True)
    p.add_argument("--baseline-scores", default=None)
    p.add_argument("--top", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--generations", type=int, default=30)
    p.add_argument("--population", type=int, default=20)
    p.add_argument("--samples", type=int, default=50)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--cache", default=cache_dir("stats"))
    p.add_argument("--root", default="runs/discovery", help="folder of the run folders (default runs/discovery; "
                   "committed: --root experiments/discovery)")
    p.add_argument("--rereport", action="store_true", help="rewrite the reports of finished runs (no search)")
    a = p.parse_args()
    torch.set_num_threads(1)
    rows = []
    for partner, train_tau in ranked_baselines(a.space, a.baseline_scores, a.top):
        out = Path(a.root) / f"{a.space}_partner_{partner.replace(':', '_')}_s{a.seed}"
        if (out / "report.json").is_file() and not a.rereport:
            report = json.loads((out / "report.json").read_text())
        else:
            opts = DiscoverOptions(space=a.space, out=str(out), generations=a.generations, population=a.population,
                                   samples=a.samples, repeats=a.repeats, archs=None, seed=a.seed, cache=a.cache,
                                   workers=1, device="cpu", progress=False, baseline_scores=a.baseline_scores,
                                   partner=partner, resume=True)  # a finished run is only re-reported
            report = discover(opts, log=lambda m: print(m, file=sys.stderr))
        c, best = report["comparison"], report["proxies"][0]
        rows.append({"partner": partner, "partner_train_tau_alone": train_tau, "found": best["proxy"],
                     "train_tau_combined": best["train_fitness"], "test_tau_combined": c["found_test_tau"],
                     "test_ci95": report["combined"]["test"].get("kendall_ci95"),
                     "reference": c["reference"], "reference_test_tau": c["reference_test_tau"],
                     "margin_vs_reference": c["margin_vs_reference"], "run": out.name})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    chosen = table.loc[table["train_tau_combined"].idxmax()].to_dict()
    stem = Path(a.root) / f"sweep_{a.space}_s{a.seed}"
    stem.with_suffix(".json").write_text(json.dumps({"rows": rows, "chosen_on_train": chosen}, indent=2, default=str))
    cols = [c for c in table.columns if c != "test_ci95"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else f"`{v}`" if k == "found" else str(v)
                                for k, v in zip(cols, row)) + " |" for row in table[cols].itertuples(index=False)]
    stem.with_suffix(".md").write_text("\n".join(lines) + f"\n\nchosen on train: {chosen['partner']} → test τ "
                                         f"{chosen['test_tau_combined']:.4f} (margin {chosen['margin_vs_reference']:+.4f})\n")
    print(stem.with_suffix(".md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
