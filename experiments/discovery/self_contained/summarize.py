"""Markdown tables of self-contained discovery runs: the found proxy, every reference, transfer.

    python experiments/discovery/self_contained/summarize.py RUN_DIR [RUN_DIR ...] > summary.md

Reads each run's report.json (written by ``zeroseg discover``); prints what the report holds and
nothing else (no number here is computed from the test split anew).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def fmt(v: object, digits: int = 3) -> str:
    return "–" if v is None else f"{v:+.{digits}f}" if isinstance(v, float) and v < 0 else (
        f"{v:.{digits}f}" if isinstance(v, float) else str(v))


def ci(p: dict) -> str:
    lo, hi = p["ci95"]
    return f"{p['estimate']:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def run_tables(path: Path) -> list[str]:
    r = json.loads((path / "report.json").read_text())
    f = r["found"]
    found = f["found"]
    terms = " + ".join(f"{t['weight']:g}·AVT(`{t['name']}`)" for t in found["terms"])
    c = r["config"]
    out = [f"### {c['space']}, seed {c['seed']} ({r['evaluated']} evaluations; {path})", "",
           f"Found proxy ({found['size']} terms; held-out train-fold τ by size: "
           f"{', '.join(fmt(v) for v in found['held_out_tau'])}): {terms}", "",
           f"train τ {fmt(found['train']['kendall_mean'])} · test τ {fmt(found['test']['kendall_mean'])} "
           f"(full test pool {fmt(found['test']['kendall_full'])}) · train−test gap {fmt(found['train_test_gap'])}", ""]
    m = f["margin"]
    if m:
        out += [f"**Margin over the strongest self-contained reference** ({m['over']}, {m['kind']}): "
                f"{fmt(m['estimate_sampled'])} (20×50 samples); paired on the whole test split "
                f"{ci(m['paired_full_pool'])}", ""]
    out += ["| reference | kind | self-contained | test τ (20×50) | full pool | found − ref, paired 95% CI |",
            "|---|---|---|---|---|---|"]
    for row in f["references"]:
        t = row["test"]
        out.append(f"| {row['name']} | {row['kind']} | {'yes' if row['self_contained'] else 'no'} | "
                   f"{fmt(t.get('kendall_mean'))} | {fmt(t.get('kendall_full'))} | {ci(row['found_minus_reference'])} |")
    tr = f.get("transfer")
    if tr:
        cs = tr["cross_space"]
        out += ["", "| transfer | archs | found τ | best single baseline there | its τ | predictors fitted on the source |",
                "|---|---|---|---|---|---|",
                f"| {cs['space']} segmentsemantic | {cs['n']} | {fmt(cs['found'].get('kendall_mean'))} | "
                f"{cs['best_single']['name']} | {fmt(cs['best_single']['kendall_mean'])} | "
                + ", ".join(f"{n.split(' ')[0]} {fmt(v.get('kendall_mean'))}" for n, v in cs["predictors"].items()) + " |"]
        for t in tr["cross_task"]:
            out.append(f"| {t['space']} {t['task']} | {t['n']} | {fmt(t['found'].get('kendall_mean'))} | "
                       f"{t['best_single']['name']} | {fmt(t['best_single']['kendall_mean'])} | |")
    rnd = r.get("random", {}).get("found")
    if rnd:
        out += ["", f"Random search, same budget and the same fitting: found test τ "
                f"{fmt(rnd['found']['test']['kendall_mean'])} (train {fmt(rnd['found']['train']['kendall_mean'])}) "
                f"vs evolution {fmt(found['test']['kendall_mean'])} (train {fmt(found['train']['kendall_mean'])})"]
    out += ["", f"Wall time: search {r['wall_time']['search']:.0f} s, whole process {r['wall_time']['this_process']:.0f} s.", ""]
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    for run in argv:
        print("\n".join(run_tables(Path(run))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
