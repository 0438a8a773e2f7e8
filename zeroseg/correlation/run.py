"""The body of ``zeroseg correlate`` (kept out of the CLI module so scripts can call it)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from zeroseg.correlation.metrics import kendall
from zeroseg.correlation.plots import scatter
from zeroseg.correlation.scores import compute_scores, pick_archs, suite_zero_frame
from zeroseg.correlation.split import split_table
from zeroseg.correlation.table import correlation_rows, write_table
from zeroseg.proxies import list_proxies, resolve_proxy, split_refs
from zeroseg.proxies.scoring import scoring_setup
from zeroseg.stats import StatsCache


def proxy_names(arg: str, source: str) -> list[str] | None:
    """``all`` → None for Suite-Zero (every column), every registered proxy for ours; else the
    references (names, ``.proxy`` files, DSL text), checked before any work for ours."""
    if arg != "all":
        refs = split_refs(arg)
        if source == "ours":
            for r in refs:
                resolve_proxy(r)
        return refs
    return None if source == "suite-zero" else list_proxies()


def _signs(names: list[str], source: str) -> dict[str, int]:
    return {n: resolve_proxy(n).sign for n in names} if source == "ours" else {}


def space_scores(args: argparse.Namespace, space: str, proxies: list[str] | None,
                 log: Callable[[str], None]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The split's rows (after ``--limit``) and one score vector per proxy."""
    table = split_table(space, args.split)
    if args.source == "suite-zero":
        return table, suite_zero_frame(table, proxies)
    table = pick_archs(table, args.limit, args.seed)
    cache = None
    if args.cache is not None:
        cache = StatsCache(args.cache)
    csv = None if args.scores is None else Path(f"{args.scores}_{space}.csv")
    assert proxies is not None
    log(f"[{space}] scoring {len(table)} archs × {len(proxies)} proxies at {args.resolution}², "
        f"batch {args.batch_size}")
    frame = compute_scores(
        table["net_code"].tolist(), proxies, csv,
        progress=lambda i, n, code, s: log(f"[{space}] {i}/{n} {code} {s:.1f}s"),
        resolution=args.resolution, batch_size=args.batch_size, seed=args.seed, device=args.device, cache=cache,
    )
    return table, {p: frame[p].to_numpy(np.float64) for p in proxies}


def correlate(args: argparse.Namespace, log: Callable[[str], None] = print) -> pd.DataFrame:
    """Compute the Table 3 rows for every requested space; write JSON/CSV/MD and plots."""
    proxies = proxy_names(args.proxy, args.source)
    if args.source == "ours":  # the found proxies' own setup unless given (``scoring_setup``)
        setup, why = scoring_setup(proxies, args.resolution, args.batch_size)
        args.resolution, args.batch_size = setup["resolution"], setup["batch_size"]
        if why:
            log(f"[correlate] {why} (pass --resolution / --batch-size to change)")
    frames = []
    for space in args.space:
        table, scores = space_scores(args, space, proxies, log)
        acc = table["val_acc"].to_numpy(np.float64)
        signs = _signs(list(scores), args.source)
        rows = correlation_rows(space, scores, acc, signs=signs, samples=args.samples, repeats=args.repeats,
                                seed=args.seed, source=args.source)
        frames.append(rows)
        if args.plot is not None:
            for name, vec in scores.items():
                s = signs.get(name, 1) * vec
                scatter(s, acc, Path(args.plot) / f"{space}_{name}.png",
                        title=f"{name} ({space}, {args.source})", tau=kendall(s, acc))
    df = pd.concat(frames, ignore_index=True)
    if args.json is not None:
        meta = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if not k.startswith("_")}
        write_table(df, Path(args.json).with_suffix(""), meta)
    return df
