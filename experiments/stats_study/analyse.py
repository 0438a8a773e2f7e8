"""Tables of the statistics study from ``run.py``'s ``scores.csv`` (train archs; test once at the end).

    python experiments/stats_study/analyse.py --out experiments/stats_study/results

Per (setup, space, proxy): Kendall τ vs ``val_acc`` on the archs that setup scored, the default's
(64x8) τ on the same archs, the paired difference and 95% bootstrap CIs (``--boot`` resamples of the
archs, the same resamples for both sides). Derived proxies, both AVT-normalised with the min/max of
the setup's own archs (SasWOT Eq. 4 with the sample as the pre-selected archs): ``saswot`` =
AVT(saswot_minus) + AVT(nwot), and ``found_micro_terms`` = the library file's weighted sum of its 4
terms. Writes ``tau.csv``, ``cost.csv``, ``seed_stability.csv``, ``table3_repro.csv``,
``tables.md`` and ``summary.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from zeroseg.correlation.metrics import kendall, kendall_rows, spearman
from zeroseg.correlation.split import split_table
from zeroseg.jsonio import write_text_atomic
from zeroseg.transnas import load_table

FOUND_TERM = "sum_layers(l1_norm(lt(gt(W, G), relu(G))))"
FOUND_WEIGHTS = {FOUND_TERM: 0.25, "jacov": 2.0, "saswot_minus": 0.25, "grad_norm": -0.5}  # found_micro_terms.proxy
SHOWN = ["nwot", "jacov", "snip", "synflow", "saswot_minus", "saswot", FOUND_TERM, "found_micro_terms"]
DEFAULT = "64x8"
# SasWOT Table 3 (papers/saswot.md), Kd mean in %, micro / macro
PAPER = {"nwot": (36.7, 45.71), "jacov": (46.45, 10.31), "snip": (48.34, 17.17), "synflow": (45.36, 10.85),
         "saswot_minus": (55.22, 28.92), "saswot": (64.08, 52.76)}
SUITE_ZERO = {"nwot": "nwot", "jacov": "jacov", "snip": "snip"}  # our name -> the table's column


def avt(x: pd.Series) -> pd.Series:
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo) if hi > lo else x * np.nan


def with_derived(frame: pd.DataFrame) -> pd.DataFrame:
    """``saswot`` and ``found_micro_terms`` per (setup, space), bounds from those archs."""
    parts = []
    for _, g in frame.groupby(["setup", "space"], sort=False):
        g = g.copy()
        g["saswot"] = avt(g["saswot_minus"]) + avt(g["nwot"])
        g["found_micro_terms"] = sum(w * avt(g[t]) for t, w in FOUND_WEIGHTS.items())
        parts.append(g)
    return pd.concat(parts, ignore_index=True)


def boot_tau(x: np.ndarray, y: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return kendall_rows(x[idx], y[idx])


def ci(v: np.ndarray) -> tuple[float, float]:
    v = v[np.isfinite(v)]
    return (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) if len(v) else (np.nan, np.nan)


def tau_rows(frame: pd.DataFrame, boot: int, seed: int) -> pd.DataFrame:
    rows = []
    for space in ("micro", "macro"):
        acc = load_table(space).set_index("net_code")["val_acc"]
        sub = frame[frame["space"] == space]
        base = sub[sub["setup"] == DEFAULT].set_index("net_code")
        for setup, g in sub.groupby("setup", sort=False):
            g = g.set_index("net_code")
            codes = [c for c in g.index if c in base.index]
            y = acc.loc[codes].to_numpy(float)
            idx = np.random.default_rng(seed).integers(0, len(codes), size=(boot, len(codes)))
            for p in SHOWN:
                x, x0 = g.loc[codes, p].to_numpy(float), base.loc[codes, p].to_numpy(float)
                t, t0 = kendall(x, y), kendall(x0, y)
                bt, bt0 = boot_tau(x, y, idx), boot_tau(x0, y, idx)
                rows.append({"setup": setup, "space": space, "proxy": p, "n": len(codes),
                             "valid": int(np.isfinite(x).sum()), "tau": t, "tau_lo": ci(bt)[0], "tau_hi": ci(bt)[1],
                             "tau_default": t0, "delta": t - t0, "delta_lo": ci(bt - bt0)[0],
                             "delta_hi": ci(bt - bt0)[1]})
    return pd.DataFrame(rows)


def cost_rows(frame: pd.DataFrame) -> pd.DataFrame:
    g = frame.groupby(["setup", "space"], sort=False)
    return g.agg(n=("cpu_s", "size"), cpu_s_mean=("cpu_s", "mean"), cpu_s_median=("cpu_s", "median"),
                 wall_s_mean=("wall_s", "mean")).reset_index()


def seed_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Spearman between each proxy's scores under init seeds 0 and 1 (same archs)."""
    rows = []
    for space in ("micro", "macro"):
        a = frame[(frame["space"] == space) & (frame["setup"] == DEFAULT)].set_index("net_code")
        b = frame[(frame["space"] == space) & (frame["setup"] == "64x8s1")].set_index("net_code")
        codes = [c for c in b.index if c in a.index]
        for p in SHOWN:
            rows.append({"space": space, "proxy": p, "n": len(codes),
                         "spearman_s0_s1": spearman(a.loc[codes, p].to_numpy(float), b.loc[codes, p].to_numpy(float))})
    return pd.DataFrame(rows)


def table3_rows(tau: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Paper's Kd next to ours per resolution (sample), Suite-Zero's columns (Taskonomy 256²) on the
    same sample, and our 64x8 run of experiments/table3 (126 micro / 179 macro archs, 50-arch samples)."""
    ours3 = pd.read_csv(Path(__file__).resolve().parents[1] / "table3" / "results" / "table3_ours.csv")
    rows = []
    for space, k in (("micro", 0), ("macro", 1)):
        table = load_table(space).set_index("net_code")
        codes = frame[(frame["space"] == space) & (frame["setup"] == DEFAULT)]["net_code"].tolist()
        for p, paper in PAPER.items():
            row = {"space": space, "proxy": p, "paper": paper[k]}
            for setup in ("64x8", "128x8", "256x8"):
                hit = tau[(tau["setup"] == setup) & (tau["space"] == space) & (tau["proxy"] == p)]
                row[f"ours_{setup}"] = 100 * float(hit["tau"].iloc[0]) if len(hit) else np.nan
                row[f"ours_64x8_on_{setup}_archs"] = 100 * float(hit["tau_default"].iloc[0]) if len(hit) else np.nan
            if p in SUITE_ZERO:
                row["suite_zero_sample"] = 100 * kendall(table.loc[codes, SUITE_ZERO[p]], table.loc[codes, "val_acc"])
            hit3 = ours3[(ours3["space"] == space) & (ours3["proxy"] == p)]
            row["table3_64x8_50arch"] = 100 * float(hit3["kendall_mean"].iloc[0]) if len(hit3) else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def test_once() -> list[dict]:
    """The chosen default (64x8) on every TEST arch, once: the proxies whose 64x8 scores of all archs
    exist (experiments/table3 fidelity run) — no new computation."""
    rows = []
    for space in ("micro", "macro"):
        test = split_table(space, "test")
        path = Path(__file__).resolve().parents[1] / "table3" / "results" / f"fidelity_scores_{space}.csv"
        s = pd.read_csv(path).drop_duplicates("net_code", keep="last").set_index("net_code").loc[test["net_code"]]
        train = split_table(space, "train")
        s_tr = pd.read_csv(path).drop_duplicates("net_code", keep="last").set_index("net_code").loc[train["net_code"]]
        for p in ("nwot", "jacov", "snip"):
            rows.append({"space": space, "proxy": p, "n_test": len(test), "tau_test": kendall(s[p], test["val_acc"]),
                         "n_train": len(train), "tau_train_all": kendall(s_tr[p], train["val_acc"])})
    return rows


def md(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in frame.iterrows():
        lines.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r) + " |")
    return "\n".join(lines)


def clean(obj):
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [clean(v) for v in obj]
    return obj


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("runs/stats_study"), help="folder holding scores.csv")
    p.add_argument("--boot", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    frame = with_derived(pd.read_csv(args.out / "scores.csv").drop_duplicates(["setup", "net_code"], keep="last"))
    tau, cost, seeds = tau_rows(frame, args.boot, args.seed), cost_rows(frame), seed_rows(frame)
    t3, test = table3_rows(tau, frame), pd.DataFrame(test_once())
    if (args.out / "stats_cost.csv").is_file():  # the statistics alone (run.py --stats-cost)
        sc = pd.read_csv(args.out / "stats_cost.csv").groupby(["setup", "space"], sort=False)["stats_cpu_s"]
        cost = cost.merge(sc.agg(stats_n="size", stats_cpu_s_mean="mean").reset_index(), how="left")
    for name, f in (("tau", tau), ("cost", cost), ("seed_stability", seeds), ("table3_repro", t3), ("test_once", test)):
        f.to_csv(args.out / f"{name}.csv", index=False, float_format="%.4f")
    wide = tau.assign(cell=[f"{t:+.2f} ({d:+.2f} [{lo:+.2f},{hi:+.2f}])" if s != DEFAULT else f"{t:+.2f} [{a:+.2f},{b:+.2f}]"
                            for s, t, d, lo, hi, a, b in tau[["setup", "tau", "delta", "delta_lo", "delta_hi",
                                                              "tau_lo", "tau_hi"]].to_numpy()])
    wide = wide.pivot_table(index=["space", "proxy"], columns="setup", values="cell", aggfunc="first", sort=False)
    mean = tau.groupby(["setup", "space"], sort=False)[["tau", "tau_default", "delta"]].mean().reset_index()
    text = "\n\n".join(["## τ (Δ vs 64x8 on the same archs [95% CI])", md(wide.reset_index()),
                        "## mean over the shown proxies (tau_default: 64x8 on the same archs)", md(mean), "## cost per arch", md(cost),
                        "## init seed stability", md(seeds), "## Table 3", md(t3), "## test once (64x8)", md(test)])
    (args.out / "tables.md").write_text(text + "\n")
    summary = {"default": DEFAULT, "tau": tau.to_dict("records"), "cost": cost.to_dict("records"),
               "seed_stability": seeds.to_dict("records"), "table3": t3.to_dict("records"),
               "test_once": test.to_dict("records"), "mean": mean.to_dict("records")}
    write_text_atomic(args.out / "summary.json", json.dumps(clean(summary), indent=1, allow_nan=False) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
