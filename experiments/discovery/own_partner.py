"""Can a winner found with Suite-Zero's precomputed NWOT as partner do without it? Our NWOT instead.

The macro winner (`zeroseg/proxies/data/library/found_macro_inv_kh.proxy`, read from our 64×64
statistics) was searched and combined with Suite-Zero's NWOT column, which was computed on Taskonomy
images at 256×256 and exists only for the table's archs. This script computes our own NWOT (the library's `nwot`,
slogdet(K_H)) at ``--resolution`` on the shipped CamVid batch for the run's train and test archs,
picks the weight of w·AVT(winner) + AVT(our NWOT) on the run's train samples only (same grid as
the run), and scores the test split with the report's protocol, next to Suite-Zero's NWOT and our
NWOT alone, with paired bootstrap margins on the whole test split.

    python experiments/discovery/own_partner.py --run experiments/discovery/macro_seed0_partner_nwot_weighted_M \
        --resolution 128 --workers 2

Writes ``<run>/own_partner_r<resolution>.json``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch

from zeroseg.discovery import report as rep
from zeroseg.discovery.archs import Pool
from zeroseg.discovery.partners import table_baselines
from zeroseg.discovery.run import DiscoverOptions, _problem
from zeroseg.discovery.statstore import precompute
from zeroseg.dsl import parse
from zeroseg.evolution import make_executor
from zeroseg.proxies.library import library_dir, read_proxy_file


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True, help="a discovery run folder (its report.json)")
    p.add_argument("--resolution", type=int, default=128, help="input size of our NWOT (default 128)")
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(1)
    report = json.loads((Path(a.run) / "report.json").read_text())
    opts = DiscoverOptions(**{**report["config"], "resume": False})
    problem, n_boot, seed = _problem(opts), opts.n_boot, opts.data_seed
    plan = problem.plan
    train = Pool(problem.fitness_codes, tuple(plan.train.accuracy[i] for i in plan.used))
    high = replace(problem.settings, resolution=a.resolution)
    precompute(high, list(train.codes) + list(plan.test.codes), make_executor(a.workers))
    winner = parse(report["proxies"][0]["proxy"])
    nwot = parse(read_proxy_file(library_dir() / "nwot.proxy").expression)
    (w_train,), _ = rep.pool_scores([winner], train, problem.settings)
    (w_test,), _ = rep.pool_scores([winner], plan.test, problem.settings)
    (n_train,), _ = rep.pool_scores([nwot], train, high)
    (n_test,), _ = rep.pool_scores([nwot], plan.test, high)
    name = f"ours:nwot@{a.resolution}"
    acc = plan.test.acc
    block, combined = rep.combined_block(w_train, w_test, {name: n_train}, {name: n_test}, problem.fitness_acc,
                                         problem.fitness_samples, acc, opts.samples, opts.report_repeats, seed,
                                         n_boot, opts.partner_weights)
    pick = {k: v for k, v in block.items() if k != "test"}
    suite = table_baselines(opts.space, plan.test)["suite_zero:nwot"]

    def scored(v):
        return rep.metrics(v, acc, opts.samples, opts.report_repeats, seed, n_boot)

    out = {"run": a.run, "winner": winner.text, "resolution": a.resolution, "pick": pick,
           "test": {"combined": block["test"], name: scored(n_test), "suite_zero:nwot": scored(suite)},
           "margin_full_pool": {"vs_suite_zero_nwot": rep.paired_margin(combined, suite, acc, n_boot, seed),
                                f"vs_{name}": rep.paired_margin(combined, n_test, acc, n_boot, seed)}}
    path = Path(a.run) / f"own_partner_r{a.resolution}.json"
    path.write_text(json.dumps(out, indent=2, default=str))
    t = out["test"]
    print(f"{pick['weight']:g}·AVT({winner.text}) + AVT({name}), chosen on train (τ {pick['train_tau']:.4f}): "
          f"test τ {t['combined']['kendall_mean']:.4f}; {name} alone {t[name]['kendall_mean']:.4f}; "
          f"suite_zero:nwot {t['suite_zero:nwot']['kendall_mean']:.4f}")
    for k, m in out["margin_full_pool"].items():
        print(f"  margin {k}: {m['estimate']:+.4f} [{m['ci95'][0]:+.3f}, {m['ci95'][1]:+.3f}] on {m['n']} archs")
    print(f"→ {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
