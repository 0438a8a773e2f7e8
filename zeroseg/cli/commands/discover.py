"""``zeroseg discover``: evolve a training-free proxy against TNB101 Kendall-τ (SasWOT Algorithm 1).

With no arguments it is zeroseg's main job sized for a laptop (issue 4, item 7): micro space, 50 train
and 50 test archs at 64×64, 20 generations of 20 candidates on 2 worker processes, which finishes in
a few minutes on 2 cores from a cold statistics cache (see experiments/discovery/README.md).
"""

from __future__ import annotations

import argparse
import sys

from zeroseg.cli import add_device_arg, add_seed_arg, command


@command("discover", help="discover a zero-cost proxy by evolution (fitness: Kendall-τ on the train split)")
class Discover:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--space", choices=("micro", "macro"), default="micro")
        p.add_argument("--out", default="runs/discover", help="output folder (default runs/discover)")
        p.add_argument("--generations", type=int, default=20, help="generations (default 20)")
        p.add_argument("--population", type=int, default=20, help="new candidates per generation (default 20)")
        p.add_argument("--topk", type=int, default=5, help="elites kept per generation (default 5)")
        p.add_argument("--patience", type=int, default=5, help="generations without gain before a restart")
        p.add_argument("--budget", type=int, default=None, help="cap on candidate evaluations (default none)")
        p.add_argument("--samples", type=int, default=30, help="archs per train sample (default 30)")
        p.add_argument("--repeats", type=int, default=5, help="train samples averaged in the fitness (default 5)")
        p.add_argument("--archs", type=int, default=50,
                       help="use at most N random archs of each split, train and test (0: all; default 50)")
        p.add_argument("--strategy", choices=("evolution", "random"), default="evolution")
        p.add_argument("--compare-random", action="store_true",
                       help="also run random search with the same evaluation budget (curve + report)")
        p.add_argument("--layer-share", type=float, default=0.5,
                       help="share of random candidates that aggregate a layer-level tree (default 0.5)")
        p.add_argument("--seed-share", type=float, default=0.05,
                       help="share of random candidates drawn from the library's baselines (default 0.05)")
        p.add_argument("--no-seed-library", action="store_true", help="do not seed the search with library proxies")
        p.add_argument("--data-seed", type=int, default=0,
                       help="seed of the arch subset, train samples and statistics (default 0); "
                            "--seed drives the search only")
        p.add_argument("--workers", type=int, default=2, help="local worker processes (joblib; default 2)")
        p.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://host:port")
        p.add_argument("--resolution", type=int, default=64, help="input size of the statistics (default 64)")
        p.add_argument("--batch-size", type=int, default=8, help="images in the statistics batch (default 8)")
        p.add_argument("--cache", default=".cache/zeroseg/stats", help="statistics cache folder")
        p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.json")
        p.add_argument("--save-proxy", default=None, metavar="NAME",
                       help="also write the winner to the proxy library as NAME.proxy")
        p.add_argument("--baseline-scores", default=None, metavar="CSV",
                       help="our built-in proxies' scores of this space's archs (net_code + one column per proxy, "
                            "e.g. experiments/table3/results/fidelity_scores_micro.csv): they join the baselines "
                            "and the AVT partners as ours:<name>")
        p.add_argument("--partner", default=None, metavar="NAME",
                       help="optimise AVT(candidate) + AVT(NAME) (SasWOT Eq. 3) instead of the candidate alone; "
                            "NAME is suite_zero:<column> or ours:<proxy> (with --baseline-scores)")
        p.add_argument("--partner-weights", type=float, nargs="+", default=[1.0], metavar="W",
                       help="weights w of w·AVT(winner) + AVT(partner) tried by the report's combination (chosen "
                            "on train) and, with --partner, by the fitness (the best w counts); default 1: SasWOT's "
                            "equal weights")
        p.add_argument("--extra-terminals", nargs="+", default=[], metavar="NAME",
                       help="opt-in DSL primitives the search may draw besides SasWOT's vocabulary "
                            "(e.g. M: a layer's multiply-accumulates)")
        p.add_argument("--max-terms", type=int, default=4,
                       help="terms of the found proxy, a weighted AVT sum fitted on train folds (0: none; default 4)")
        p.add_argument("--term-pool", type=int, default=30,
                       help="best distinct evolved expressions offered to the found proxy (default 30)")
        p.add_argument("--folds", type=int, default=5, help="train folds that choose the number of terms (default 5)")
        p.add_argument("--transfer", action="store_true",
                       help="also score the found proxy on the other space and on TNB101's class_scene/normal tasks")
        p.add_argument("--hall-of-fame", type=int, default=5, help="proxies reported (default 5)")
        p.add_argument("--report-repeats", type=int, default=20, help="test samples in the report (default 20)")
        p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the CI (default 1000)")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
        add_seed_arg(p)
        add_device_arg(p)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        from zeroseg.discovery.run import DiscoverOptions, discover

        opts = DiscoverOptions(
            space=args.space, out=args.out, generations=args.generations, population=args.population,
            topk=args.topk, patience=args.patience, samples=args.samples, repeats=args.repeats,
            archs=args.archs or None, strategy=args.strategy, compare_random=args.compare_random,
            max_evaluations=args.budget, seed=args.seed, data_seed=args.data_seed,
            layer_share=args.layer_share, seed_share=args.seed_share, seed_library=not args.no_seed_library,
            resolution=args.resolution, batch_size=args.batch_size,
            cache=args.cache, workers=args.workers, scheduler=args.scheduler, device=args.device,
            resume=args.resume, hall_of_fame=args.hall_of_fame, report_repeats=args.report_repeats,
            n_boot=args.bootstrap, save_proxy=args.save_proxy, baseline_scores=args.baseline_scores,
            partner=args.partner, partner_weights=tuple(args.partner_weights),
            extra_terminals=tuple(args.extra_terminals),
            progress=False if args.no_progress else None,
            max_terms=args.max_terms, term_pool=args.term_pool, folds=args.folds, transfer=args.transfer,
        )
        report = discover(opts, log=lambda m: print(m, file=sys.stderr))
        print(summary(report))
        return 0


def summary(report: dict) -> str:
    """Winner with train/test τ next to the reference and the best baseline (test τ)."""
    c, lines = report["comparison"], []
    if report["proxies"]:
        best = report["proxies"][0]
        ci = best["test"].get("kendall_ci95", [float("nan")] * 2)
        lines.append(f"found:  {best['proxy']}")
        partner = report["config"].get("partner")
        fit = f"train τ with {partner}" if partner else "train τ"
        lines.append(f"        {fit} {best['train_fitness']:.4f} | test τ alone {best['test']['kendall_mean']:.4f} "
                     f"(full test pool {best['test']['kendall_full']:.4f}, 95% CI [{ci[0]:.3f}, {ci[1]:.3f}])")
        if best["test"].get("valid", 0) < best["test"].get("n_pool", 0):
            lines.append(f"        valid on {best['test']['valid']} of {best['test']['n_pool']} test archs "
                         f"(first failure: {best['test_failure']})")
    else:
        lines.append("found:  no valid proxy")
    comb = report.get("combined")
    if comb:
        weight = f"{comb['weight']:g}·" if comb.get("weight", 1.0) != 1.0 else ""
        lines.append(f"{weight}AVT + {comb['partner']} (chosen on train): train τ {comb['train_tau']:.4f} | "
                     f"test τ {comb['test']['kendall_mean']:.4f}" + ("  ← used" if c["found"] != "alone" else ""))
    lines.append(f"reference {c['reference']}: test τ {c['reference_test_tau']:.4f} "
                 f"(margin {c['margin_vs_reference']:+.4f})")
    paired = c.get("margin_full_pool")
    if paired:
        lo, hi = paired["ci95"]
        lines.append(f"        margin on all {paired['n']} test archs {paired['estimate']:+.4f}, "
                     f"paired bootstrap 95% CI [{lo:+.3f}, {hi:+.3f}]")
    lines.append(f"best baseline {c['best_baseline']}: test τ {c['best_baseline_test_tau']:.4f} "
                 f"(margin {c['margin_vs_best']:+.4f})")
    lines += found_summary(report.get("found"))
    dup = report["rejected"].get("duplicate", 0)
    lines.append(f"evaluated {report['evaluated']} ({sum(report['rejected'].values()) - dup} rejected as invalid), "
                 f"{dup} duplicates skipped, wall {report['wall_time']['total']:.1f}s")
    return "\n".join(lines)


def found_summary(found: dict | None) -> list[str]:
    """The multi-term found proxy beside the strongest references (test τ, paired CI of the margin)."""
    if not found:
        return []
    f = found["found"]
    terms = " + ".join(f"{t['weight']:g}·AVT({t['name']})" for t in f["terms"])
    lines = [f"found proxy ({f['size']} term{'s' if f['size'] > 1 else ''}, fitted on train folds): {terms}",
             f"        train τ {f['train']['kendall_mean']:.4f} | test τ {f['test']['kendall_mean']:.4f} "
             f"(train−test gap {f['train_test_gap']:+.4f})"]
    m = found.get("margin")
    if m:
        p = m["paired_full_pool"]
        lines.append(f"margin over the strongest self-contained reference {m['over']} ({m['kind']}): "
                     f"{m['estimate_sampled']:+.4f}; paired on all {p['n']} test archs {p['estimate']:+.4f}, "
                     f"95% CI [{p['ci95'][0]:+.3f}, {p['ci95'][1]:+.3f}]")
    o = found.get("strongest_other")
    if o:
        lo, hi = o["paired"]["ci95"]
        lines.append(f"strongest other reference {o['name']} ({o['kind']}): test τ {o['test_tau']:.4f}; "
                     f"found − it [{lo:+.3f}, {hi:+.3f}]")
    return lines
