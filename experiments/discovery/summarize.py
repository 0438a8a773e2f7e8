"""The results table of experiments/discovery/README.md, from the runs' report.json files.

    python experiments/discovery/summarize.py experiments/discovery/*_seed*/report.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def _ci(metrics: dict) -> str:
    lo, hi = metrics.get("kendall_ci95", [float("nan")] * 2)
    return f"{metrics['kendall_full']:.3f} [{lo:.3f}, {hi:.3f}]"


def _random_used(r: dict) -> float:
    """The random-search winner's test τ as the search scored it: AVT-combined with the partner when
    the fitness was the combination (``--partner``), else alone."""
    rnd = r.get("random") or {}
    if r["config"].get("partner") and rnd.get("combined"):
        return rnd["combined"]["test"]["kendall_mean"]
    return ((rnd.get("proxies") or [{}])[0].get("test") or {}).get("kendall_mean", float("nan"))


def row(path: Path) -> tuple[str, str, float, float]:
    """One markdown row; also (space, evolution test τ, random test τ) for the means: both as the search
    scored them (AVT with the partner under ``--partner``, else alone)."""
    r = json.loads(path.read_text())
    c, best, space = r["comparison"], r["proxies"][0], r["config"]["space"]
    comb = r.get("combined")
    used = comb["test"] if c["found"] != "alone" else best["test"]
    how = c["found"] if not (comb and comb.get("weight", 1.0) != 1.0) else f"{comb['weight']:g}·{c['found']}"
    ref = r["baselines"][c["reference"]]
    rnd = _random_used(r)
    text = (f"| {space} | {r['seed']} | `{best['proxy']}` | {best['train_fitness']:.3f} | "
            f"{best['test']['kendall_mean']:.3f} | {how} | {c['found_test_tau']:.3f} | {rnd:.3f} | {_ci(used)} | "
            f"{c['reference'].split(':')[1]} {ref['kendall_mean']:.3f}, {_ci(ref)} | "
            f"{c['margin_vs_reference']:+.3f} | {r['evaluated']} |")
    evo = c["found_test_tau"] if r["config"].get("partner") else best["test"]["kendall_mean"]
    return text, space, evo, rnd


def main(paths: list[str]) -> None:
    print("| space | seed | found proxy (evolution) | train τ | test τ alone | used | test τ used | "
          "random search test τ used | full test pool τ, 95% CI | reference test τ (20×50), full-pool 95% CI | "
          "margin | evals |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = [row(Path(p)) for p in sorted(paths)]
    for text, *_ in rows:
        print(text)
    for space in sorted({s for _, s, _, _ in rows}):
        evo = [e for _, s, e, _ in rows if s == space]
        rnd = [x for _, s, _, x in rows if s == space]
        print(f"\n{space}: evolution test τ {np.mean(evo):.3f} ± {np.std(evo):.3f} vs random "
              f"{np.mean(rnd):.3f} ± {np.std(rnd):.3f} (mean ± std over {len(evo)} seeds)")


if __name__ == "__main__":
    main(sys.argv[1:])
