"""Regenerate our SasWOT Table 3 on TransNAS-Bench-101 segmentation, plus the fidelity check.

    python experiments/table3/run.py                       # defaults below, resumable
    python experiments/table3/run.py --limit 711 --resolution 256   # the full (slow) setting

Steps (outputs under ``results/``):
1. ``scores_<space>.csv``: every registered proxy on ``--limit`` archs per space drawn with
   ``default_rng(--seed)`` (``zeroseg.correlation.scores.pick_archs``), appended arch by arch, so an
   interrupted run resumes; ``--budget-min`` stops scoring a space after that many minutes and
   the tables use the archs done so far.
2. ``table3_ours.*``: mean ± std Kd/Sp/Ps over ``--repeats`` random ``--samples``-arch samples of
   the scored archs; ``table3_suite_zero.*``: Suite-Zero's columns on the same archs, and
   ``table3_suite_zero_full.*`` on the whole tables.
3. ``fidelity.md``/``.csv``: Spearman(ours, Suite-Zero) per proxy on the scored archs; Kendall-τ
   of our flops/params vs val_acc next to that of Suite-Zero's columns on the same archs, and,
   with ``--sizes N``, on N random archs per space (``sizes_<space>.csv``; no network pass).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from zeroseg.correlation.metrics import kendall, sampled_correlations, spearman
from zeroseg.correlation.scores import compute_scores, pick_archs
from zeroseg.correlation.table import SUITE_ZERO_COLUMNS, correlation_rows, suite_zero_scores, write_table
from zeroseg.proxies import create_proxy, list_proxies
from zeroseg.transnas import load_table

SPACES = ("micro", "macro")
FIDELITY = ("snip", "grad_norm", "nwot", "jacov", "l2_norm", "flops", "params")


def _score_one(code: str, proxies: list[str], kw: dict) -> dict:
    """One arch's row (runs in a worker process; one torch thread each, see ``--workers``)."""
    import torch

    from zeroseg.stats import StatsCache

    kw = dict(kw)
    torch.set_num_threads(kw.pop("threads"))
    cache_dir = kw.pop("stats_cache")
    kw["cache"] = StatsCache(cache_dir) if cache_dir else None
    return compute_scores([code], proxies, None, **kw).iloc[0].to_dict()


def score_space(space: str, args: argparse.Namespace, csv: Path, proxies: list[str]) -> None:
    """Step 1 for one space: score the pool's archs not yet in ``scores_<space>.csv``.

    Archs are scored in a ``default_rng(--seed)`` permutation of the pool, so when ``--budget-min``
    cuts a run short the archs scored so far are a uniform random sample of the pool (not the
    first rows of the table). ``--workers`` processes score archs in parallel; this process alone
    appends their rows to the CSV, in permutation order.
    """
    deadline = time.time() + 60 * args.budget_min
    pool = pick_archs(load_table(space), args.limit, args.seed)
    codes = [str(c) for c in np.random.default_rng(args.seed).permutation(pool["net_code"].to_numpy())]
    columns = pd.read_csv(csv, nrows=0).columns.tolist() if csv.is_file() else None
    done = set(pd.read_csv(csv)["net_code"]) if columns else set()
    todo = [c for c in codes if c not in done]
    kw = dict(resolution=args.resolution, batch_size=args.batch_size, seed=args.seed, device=args.device,
              threads=args.threads, stats_cache=args.stats_cache)
    job = partial(_score_one, proxies=proxies, kw=kw)
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as ex:
        for i, row in enumerate(ex.map(job, todo)):
            frame = pd.DataFrame([row])
            frame = frame if columns is None else frame[columns]
            frame.to_csv(csv, mode="a", header=columns is None, index=False)
            columns = frame.columns.tolist()
            print(f"[{space}] {i + 1}/{len(todo)} {row['net_code']} {row['seconds']:.1f}s", file=sys.stderr, flush=True)
            if time.time() > deadline:
                print(f"[{space}] time budget spent; using the archs scored so far", file=sys.stderr)
                ex.shutdown(wait=False, cancel_futures=True)
                break


def scored_rows(space: str, args: argparse.Namespace) -> pd.DataFrame:
    """The archs of ``scores_<space>.csv`` merged with the table (Suite-Zero columns get ``_sz``)."""
    csv = args.out / f"scores_{space}.csv"
    if not csv.is_file():
        return pd.DataFrame()
    return load_table(space).merge(pd.read_csv(csv), on="net_code", suffixes=("_sz", ""))


def size_rows(space: str, args: argparse.Namespace) -> list[dict]:
    """Kendall-τ vs val_acc of our flops/params next to Suite-Zero's columns on ``--sizes`` random
    archs per space (flops/params need no network pass: meta device), ``sizes_<space>.csv``."""
    table = pick_archs(load_table(space), args.sizes, args.seed + 1)
    frame = compute_scores(table["net_code"].tolist(), ["flops", "params"], args.out / f"sizes_{space}.csv")
    acc = table["val_acc"].to_numpy(float)
    rows = []
    for name in ("flops", "params"):
        ours, theirs = frame[name].to_numpy(float), table[SUITE_ZERO_COLUMNS[name]].to_numpy(float)
        kd_o = sampled_correlations(ours, acc, samples=args.samples, repeats=args.repeats, seed=args.seed)
        kd_t = sampled_correlations(theirs, acc, samples=args.samples, repeats=args.repeats, seed=args.seed)
        rows.append({"space": space, "proxy": name, "n": len(table), "spearman_vs_suite_zero": spearman(ours, theirs),
                     "kd_ours": kd_o.kendall_mean, "kd_suite_zero": kd_t.kendall_mean,
                     "kd_diff": kd_o.kendall_mean - kd_t.kendall_mean,
                     "kd_pool_ours": kendall(ours, acc), "kd_pool_suite_zero": kendall(theirs, acc)})
    return rows


def fidelity_rows(space: str, frame: pd.DataFrame, table: pd.DataFrame) -> list[dict]:
    rows = []
    ref = table.set_index("net_code").loc[frame["net_code"]]
    for name in FIDELITY:
        col = SUITE_ZERO_COLUMNS[name]
        row = {"space": space, "proxy": name, "n": int(np.isfinite(frame[name]).sum()),
               "spearman_vs_suite_zero": spearman(frame[name].to_numpy(float), ref[col].to_numpy(float))}
        if name in ("flops", "params"):
            ours = sampled_correlations(frame[name].to_numpy(float), ref["val_acc"].to_numpy(float))
            theirs = sampled_correlations(ref[col].to_numpy(float), ref["val_acc"].to_numpy(float))
            row.update(kd_ours=ours.kendall_mean, kd_suite_zero=theirs.kendall_mean,
                       kd_diff=ours.kendall_mean - theirs.kendall_mean,
                       kd_pool_ours=kendall(frame[name], ref["val_acc"]),
                       kd_pool_suite_zero=kendall(ref[col], ref["val_acc"]))
        rows.append(row)
    return rows


def fidelity_all(args: argparse.Namespace) -> int:
    """Issue 3's fidelity check on whole tables (711 micro, 500 macro archs): only the proxies that
    Suite-Zero also has, so a full pass costs ~2-4 s per arch at 64² instead of ~10. Archs already in
    ``scores_<space>.csv`` (the all-proxy pass, same setup) are reused."""
    rows = []
    for space in SPACES:
        csv = args.out / f"fidelity_scores_{space}.csv"
        full = args.out / f"scores_{space}.csv"
        if not csv.is_file() and full.is_file():  # archs of the all-proxy pass: same setup, same values
            pd.read_csv(full)[["net_code", *FIDELITY, "seconds"]].to_csv(csv, index=False)
        if space in args.score:
            args.limit = len(load_table(space))
            score_space(space, args, csv, list(FIDELITY))
        if csv.is_file():
            table = load_table(space)
            frame = pd.read_csv(csv).drop_duplicates("net_code", keep="last")
            frame = frame[frame["net_code"].isin(table["net_code"])]
            rows += fidelity_rows(space, frame, table)
    fidelity = pd.DataFrame(rows)
    fidelity.to_csv(args.out / "fidelity_all.csv", index=False, float_format="%.4f")
    (args.out / "fidelity_all.md").write_text(fidelity.to_string(index=False, float_format=lambda v: f"{v:.3f}") + "\n")
    print(fidelity.to_string(index=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=60, help="archs scored per space (default 60)")
    p.add_argument("--resolution", type=int, default=64, help="input size (default 64; see README)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--samples", type=int, default=50)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--budget-min", type=float, default=1e9, help="stop scoring a space after this many minutes")
    p.add_argument("--device", default="cpu", help="torch device for the scoring passes (default cpu)")
    p.add_argument("--workers", type=int, default=1, help="processes scoring archs in parallel (default 1)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per worker (default 1)")
    p.add_argument("--out", type=Path, default=Path("runs/table3"),
                   help="output folder (default runs/table3; the committed tables: --out experiments/table3/results)")
    p.add_argument("--stats-cache", default="",
                   help="also keep each arch's statistics in this zeroseg.stats cache (e.g. ~/.cache/zeroseg/stats, "
                        "the folder `zeroseg discover` reads), so discovery on the same archs skips collection")
    p.add_argument("--sizes", type=int, default=0,
                   help="also check flops/params on N random archs per space (711/500 = all; 0 = skip)")
    p.add_argument("--score", nargs="*", choices=SPACES, default=list(SPACES),
                   help="spaces to score now (default both); tables use every scores CSV present")
    p.add_argument("--fidelity-all", action="store_true",
                   help="instead: score only the fidelity proxies on every arch of the --score spaces "
                        "(fidelity_scores_<space>.csv) and write fidelity_all.{csv,md}")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.fidelity_all:
        return fidelity_all(args)
    signs = {n: create_proxy(n).sign for n in list_proxies()}
    ours, sz_sub, sz_full, fid = [], [], [], []
    for space in SPACES:
        if space in args.score:
            score_space(space, args, args.out / f"scores_{space}.csv", list_proxies())
        scored = scored_rows(space, args)
        if scored.empty:
            print(f"[{space}] no scored archs in {args.out}; skipped", file=sys.stderr)
            continue
        table = load_table(space)
        acc = scored["val_acc"].to_numpy(float)
        kw = dict(samples=args.samples, repeats=args.repeats, seed=args.seed)
        present = [n for n in signs if n in scored]  # proxies added to the library later lack a column
        ours.append(correlation_rows(space, {n: scored[n].to_numpy(float) for n in present}, acc,
                                     signs=signs, source="ours", **kw))
        sub = table.set_index("net_code").loc[scored["net_code"]].reset_index()
        sz_sub.append(correlation_rows(space, suite_zero_scores(sub), acc, source="suite-zero", **kw))
        sz_full.append(correlation_rows(space, suite_zero_scores(table), table["val_acc"].to_numpy(float),
                                        source="suite-zero", **kw))
        fid += fidelity_rows(space, scored, table)
        if args.sizes:
            fid += size_rows(space, args)
    meta = {k: str(v) for k, v in vars(args).items()}
    write_table(pd.concat(ours, ignore_index=True), args.out / "table3_ours", meta)
    write_table(pd.concat(sz_sub, ignore_index=True), args.out / "table3_suite_zero", meta)
    write_table(pd.concat(sz_full, ignore_index=True), args.out / "table3_suite_zero_full", meta)
    fidelity = pd.DataFrame(fid)
    fidelity.to_csv(args.out / "fidelity.csv", index=False, float_format="%.4f")
    (args.out / "fidelity.md").write_text(fidelity.to_string(index=False, float_format=lambda v: f"{v:.3f}") + "\n")
    print((args.out / "table3_ours.md").read_text())
    print(fidelity.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
