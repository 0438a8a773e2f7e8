"""The joint found proxy on both test splits beside every single baseline's lower τ of the two (issue 11, item 5).

    python experiments/discovery/joint/summarize.py experiments/discovery/joint/joint_seed0 > experiments/discovery/joint/summary.md

Reads the run's report.json (``zeroseg discover-joint``); nothing is computed from the test split anew.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def rows(found: dict) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Single baselines' test τ per space, and the found proxy's."""
    singles: dict[str, dict[str, float]] = {}
    for space, block in found["spaces"].items():
        for r in block["references"]:
            if r["kind"] == "single":
                singles.setdefault(r["name"], {})[space] = r["test"]["kendall_mean"]
    own = {space: b["found"]["test"]["kendall_mean"] for space, b in found["spaces"].items()}
    return singles, own


def table(label: str, found: dict) -> list[str]:
    singles, own = rows(found)
    terms = " + ".join(f"{t['weight']:g}·AVT(`{t['name']}`)" for t in found["fitted"]["terms"])
    out = [f"### {label}: {terms}", "",
           f"lower train τ of the two spaces {found['fitted']['train_tau']:.3f}; held-out train-fold τ by size "
           + ", ".join(f"{v:.3f}" for v in found["fitted"]["held_out_tau"]), "",
           "| proxy | micro test τ | macro test τ | lower of the two |", "|---|---|---|---|",
           f"| **found (joint)** | {own['micro']:.3f} | {own['macro']:.3f} | **{min(own.values()):.3f}** |"]
    both = {n: v for n, v in singles.items() if len(v) == 2}
    for name, v in sorted(both.items(), key=lambda kv: -min(kv[1].values()))[:8]:
        out.append(f"| {name} | {v['micro']:.3f} | {v['macro']:.3f} | {min(v.values()):.3f} |")
    for space, block in found["spaces"].items():
        m = block["margin"]
        p = m["paired_full_pool"]
        out.append(f"\n{space}: strongest self-contained reference fitted on {space}'s own train split: {m['over']} "
                   f"({m['kind']}), margin {m['estimate_sampled']:+.3f}, paired {p['estimate']:+.3f} "
                   f"[{p['ci95'][0]:+.3f}, {p['ci95'][1]:+.3f}]")
    return out + [""]


def main() -> int:
    for run in sys.argv[1:]:
        r = json.loads((Path(run) / "report.json").read_text())
        print(f"## {run}: {r['evaluated']} evaluations (evolution) and the same for random search\n")
        print("\n".join(table("evolution", r["found"])))
        if "random" in r:
            print("\n".join(table("random search", r["random"]["found"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
