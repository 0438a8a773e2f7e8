"""``zeroseg discover``: evolve a training-free proxy against TNB101 Kendall-τ (SasWOT Algorithm 1).

With no arguments it is zeroseg's main job sized for a laptop (issue 4, item 7): micro space, 50 train
and 50 test archs at 64×64, 20 generations of 20 candidates on 2 worker processes, which finishes in
a few minutes on 2 cores from a cold statistics cache (see experiments/discovery/README.md).
"""

from __future__ import annotations

import argparse
import sys

from zeroseg.cli import command
from zeroseg.cli.options import add_options, from_args
from zeroseg.discovery.run import DiscoverOptions, discover
from zeroseg.paths import wrote_line


@command("discover", help="discover a zero-cost proxy by evolution (fitness: Kendall-τ on the train split)")
class Discover:
    @staticmethod
    def add_args(p: argparse.ArgumentParser) -> None:
        add_options(p, DiscoverOptions)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        report = discover(from_args(DiscoverOptions, args), log=lambda m: print(m, file=sys.stderr))
        print(summary(report))
        print(wrote_line("discover", [args.out]), file=sys.stderr)
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
