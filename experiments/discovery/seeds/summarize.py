"""Evolution against random search at equal budget, 3 seeds per space (issue 11): markdown tables.

    python experiments/discovery/seeds/summarize.py > experiments/discovery/seeds/summary.md
    python experiments/discovery/seeds/summarize.py --runs DIR ... --budgets 400 1000 4000 --csv OUT.csv

Reads the runs' ``report.json`` and ``log*.csv`` (written by ``zeroseg discover --compare-random``;
seed 0 is experiments/discovery/self_contained/<space>_seed0, seeds 1–2 are <space>_seed<s> here).
Two questions: (1) the search's own objective, the best train fitness reached after N evaluations
(where do the two strategies separate?), and (2) what each search's found proxy (same fitting on
train) scores on the test split. Nothing here is computed from the test split anew.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED0 = HERE.parent / "self_contained"
BUDGETS = (100, 200, 300, 400, 500, 600)


def run_dir(space: str, seed: int) -> Path:
    return SEED0 / f"{space}_seed0" if seed == 0 else HERE / f"{space}_seed{seed}"


def best_at(log: pd.DataFrame, budget: int) -> float:
    """Best train fitness reached within ``budget`` evaluations (the engine's running best)."""
    rows = log[log["evaluations"] <= budget]
    return float(rows["best"].max()) if len(rows) else float("nan")


def seed_row(path: Path, budgets: tuple[int, ...] = BUDGETS) -> dict | None:
    """One run's row; the space label names its opt-in terminals (``macro+U+M``)."""
    if not (path / "report.json").is_file():
        return None
    r = json.loads((path / "report.json").read_text())
    space = "+".join([r["config"]["space"], *r["config"].get("extra_terminals", [])])
    row = {"space": space, "seed": r["config"]["seed"], "evaluations": r["evaluated"]}
    for name, log_file, rep in (("evo", "log.csv", r), ("rnd", "log_random.csv", r["random"])):
        log = pd.read_csv(path / log_file)
        row.update({f"{name}_best@{b}": best_at(log, b) for b in budgets})
        row[f"{name}_single_test"] = rep["proxies"][0]["test"]["kendall_mean"] if rep["proxies"] else float("nan")
        found = rep["found"]["found"]
        row[f"{name}_found_train"] = found["train"]["kendall_mean"]
        row[f"{name}_found_test"] = found["test"]["kendall_mean"]
        row[f"{name}_found_size"] = found["size"]
    return row


def mean_sd(values: pd.Series) -> str:
    v = values.dropna().to_numpy()
    return "–" if not len(v) else f"{v.mean():.3f} ± {v.std(ddof=1):.3f}" if len(v) > 1 else f"{v[0]:.3f}"


def tables(df: pd.DataFrame, budgets: tuple[int, ...] = BUDGETS) -> list[str]:
    out = []
    for space, part in df.groupby("space", sort=False):
        out += [f"### {space}: {len(part)} seeds ({', '.join(str(s) for s in part['seed'])}), "
                f"{int(part['evaluations'].iloc[0])} evaluations each", "",
                "Best train fitness (mean τ over the train samples) reached after N evaluations, mean ± sd over seeds:", "",
                "| N | evolution | random | evolution − random (per seed) |", "|---|---|---|---|"]
        for b in budgets:
            diff = part[f"evo_best@{b}"] - part[f"rnd_best@{b}"]
            out.append(f"| {b} | {mean_sd(part[f'evo_best@{b}'])} | {mean_sd(part[f'rnd_best@{b}'])} | "
                       f"{', '.join(f'{d:+.3f}' for d in diff)} |")
        out += ["", "Test τ (20×50 samples of the test split; everything fitted on train):", "",
                "| seed | evo best single | rnd best single | evo found (train / test, terms) | rnd found (train / test, terms) |",
                "|---|---|---|---|---|"]
        for _, r in part.iterrows():
            out.append(f"| {r['seed']} | {r['evo_single_test']:.3f} | {r['rnd_single_test']:.3f} | "
                       f"{r['evo_found_train']:.3f} / {r['evo_found_test']:.3f}, {r['evo_found_size']} | "
                       f"{r['rnd_found_train']:.3f} / {r['rnd_found_test']:.3f}, {r['rnd_found_size']} |")
        out.append(f"| mean | {mean_sd(part['evo_single_test'])} | {mean_sd(part['rnd_single_test'])} | "
                   f"{mean_sd(part['evo_found_test'])} | {mean_sd(part['rnd_found_test'])} |")
        out.append("")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", nargs="+", type=Path, help="run folders (default: this experiment's 3 seeds per space)")
    p.add_argument("--budgets", nargs="+", type=int, default=list(BUDGETS), help="evaluation counts tabulated")
    p.add_argument("--csv", type=Path, default=HERE / "seeds.csv", help="where the per-run table goes")
    args = p.parse_args(argv)
    paths = args.runs or [run_dir(space, seed) for space in ("micro", "macro") for seed in (0, 1, 2)]
    budgets = tuple(args.budgets)
    rows = [r for path in paths if (r := seed_row(path, budgets))]
    if not rows:
        print(f"[summarize] no report.json in {', '.join(map(str, paths))}", file=sys.stderr)
        return 1
    df = pd.DataFrame(rows)
    df.to_csv(args.csv, index=False)
    print("\n".join(tables(df, budgets)))
    print(f"[summarize] wrote: {args.csv}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
