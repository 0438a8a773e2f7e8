"""Best train fitness against evaluations, evolution and random search, every seed (issue 11).

    python experiments/discovery/budget/plot.py --runs experiments/discovery/budget/macro_seed{0,1,2} \
        experiments/discovery/budget/macro_um_seed{0,1,2} --out experiments/discovery/budget/curves.png

Reads each run's ``log.csv`` (evolution) and ``log_random.csv`` (random search at the same budget) and
``report.json`` (space, seed, opt-in terminals); one panel per vocabulary. Nothing here is new data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import pandas as pd  # noqa: E402


def label(run: Path) -> tuple[str, int]:
    config = json.loads((run / "report.json").read_text())["config"]
    extra = config.get("extra_terminals", [])
    return config["space"] + (" + " + " ".join(extra) if extra else " (SasWOT's vocabulary)"), config["seed"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", nargs="+", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    missing = [str(r) for r in args.runs if not (r / "report.json").is_file()]
    if missing:
        print(f"[plot] no report.json in {', '.join(missing)}", file=sys.stderr)
        return 2
    panels: dict[str, list[tuple[Path, int]]] = {}
    for run in args.runs:
        title, seed = label(run)
        panels.setdefault(title, []).append((run, seed))
    fig, axes = plt.subplots(1, len(panels), figsize=(max(8.5, 6.5 * len(panels)), 4.6), sharey=True, squeeze=False)
    for ax, (title, runs) in zip(axes[0], panels.items()):
        for i, (run, seed) in enumerate(runs):
            for name, style in (("log.csv", "-"), ("log_random.csv", "--")):
                log = pd.read_csv(run / name)
                kind = "evolution" if name == "log.csv" else "random search"
                ax.plot(log["evaluations"], log["best"].cummax(), style, color=f"C{i}", label=f"seed {seed}, {kind}")
        ax.set(title=title, xlabel="evaluations (candidates scored)", ylabel="best train fitness (mean Kendall τ)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle("TNB101 discovery: evolution vs random search at equal budget (train split only)", fontsize=11)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"[plot] wrote: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
