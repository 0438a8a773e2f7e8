"""Baseline score vectors a discovery run compares with and combines with (SasWOT Eq. 3: AVT sums).

Two sources need no network pass: Suite-Zero's precomputed columns of the TNB101 table
(``suite_zero:<name>``) and our built-in proxies' scores written by ``experiments/table3/run.py``
(``ours:<name>``, same statistics setup). A third, ``proxy:<reference>``, is any proxy (a library
name, a ``.proxy`` file or DSL text) scored from the run's cached statistics: a DSL proxy, or a found
proxy's weighted AVT sum (its built-in terms read from our scores). ``partner_vector`` resolves such a name on any list of archs,
so a search can optimise AVT(candidate) + AVT(partner) directly (``--partner``): with a found proxy
as the partner the search looks for the term that adds to it (issue 11, item 4).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from zeroseg.correlation.split import split_table
from zeroseg.correlation.table import suite_zero_scores
from zeroseg.discovery.archs import Pool
from zeroseg.discovery.combine import MIN_VALID, avt_sum, bounds
from zeroseg.discovery.ensemble import Term, combine
from zeroseg.discovery.fitness import sampled_tau, score_matrix
from zeroseg.discovery.statstore import StatsSettings, memory_stats
from zeroseg.dsl import parse
from zeroseg.proxies import Proxy, create_proxy, list_proxies, resolve_proxy
from zeroseg.proxies.dsl_proxy import setup_spaces, term_proxy
from zeroseg.registry import UnknownUnitError

PREFIXES = ("suite_zero", "ours", "proxy")
# Our built-ins' scores of every arch, shipped for the setup they were computed at (experiments/table3,
# ``run.py --fidelity-all``: CamVid batch, 64², batch 8, seed 0).
SHIPPED = {(64, 8, 0): "ours_{space}_64x8s0.csv"}


def shipped_scores(space: str, resolution: int, batch_size: int, seed: int) -> str | None:
    """The packaged scores CSV of our built-ins for this statistics setup, or None when none ships."""
    name = SHIPPED.get((resolution, batch_size, seed))
    if name is None:
        return None
    path = Path(__file__).resolve().parent / "data" / name.format(space=space)
    return str(path) if path.is_file() else None


def suite_zero_on(space: str, pool: Pool) -> dict[str, np.ndarray]:
    """Suite-Zero's precomputed scores of the pool's archs (raw columns, as ``correlate`` uses them)."""
    table = split_table(space, "all").set_index("net_code").loc[list(pool.codes)].reset_index()
    return suite_zero_scores(table)


def ours_on(pool: Pool, scores_csv: str | Path) -> dict[str, np.ndarray]:
    """Our registered proxies' scores of the pool's archs (sign applied), read from a CSV with a
    ``net_code`` column and one column per proxy, as ``experiments/table3/run.py`` writes it (same
    statistics setup); an arch missing from the file gets NaN, so that proxy cannot be a partner."""
    path = Path(scores_csv)
    if not path.is_file():
        raise FileNotFoundError(f"--baseline-scores: {path} does not exist (write it with experiments/table3/run.py)")
    frame = _read_scores(str(path.resolve()), path.stat().st_mtime_ns).reindex(list(pool.codes))
    return {f"ours:{n}": create_proxy(n).sign * frame[n].to_numpy(float) for n in list_proxies() if n in frame}


@lru_cache(maxsize=4)
def _read_scores(path: str, mtime_ns: int) -> pd.DataFrame:
    """The scores file indexed by net_code, read once per version (a run asks for train and test pools)."""
    frame = pd.read_csv(path)
    if "net_code" not in frame:
        raise ValueError(f"--baseline-scores: {path} has no net_code column")
    return frame.drop_duplicates("net_code", keep="last").set_index("net_code")


def table_baselines(space: str, pool: Pool, scores_csv: str | Path | None = None) -> dict[str, np.ndarray]:
    """Every baseline that needs no network pass, on ``pool``: ``suite_zero:<name>`` and, with
    ``scores_csv``, ``ours:<name>`` (sign applied)."""
    vectors = {f"suite_zero:{n}": v for n, v in suite_zero_on(space, pool).items()}
    if scores_csv is not None:
        vectors.update(ours_on(pool, scores_csv))
    return vectors


def partner_vector(space: str, name: str, codes: Sequence[str], scores_csv: str | Path | None = None,
                   settings: StatsSettings | None = None) -> np.ndarray:
    """Scores (sign applied) of the baseline ``name`` on ``codes``: ``suite_zero:<col>``, ``ours:<proxy>``
    or ``proxy:<reference>`` (the last needs the statistics ``settings``)."""
    prefix, _, rest = name.partition(":")
    if prefix not in PREFIXES:
        raise ValueError(f"partner {name!r}: expected one of {', '.join(p + ':<name>' for p in PREFIXES)}")
    if prefix == "proxy":
        if settings is None:
            raise ValueError(f"partner {name!r} is scored from statistics: no statistics settings given")
        return proxy_vector(space, rest, tuple(codes), settings, scores_csv)
    pool = Pool(tuple(codes), tuple(0.0 for _ in codes))
    if prefix == "ours" and scores_csv is None:
        raise ValueError(f"partner {name!r} needs our scores: pass --baseline-scores CSV")
    vectors = table_baselines(space, pool, scores_csv)
    if name not in vectors:
        raise ValueError(f"partner {name!r} unknown; known: {', '.join(sorted(vectors))}")
    return vectors[name]


def proxy_vector(space: str, ref: str, codes: tuple[str, ...], settings: StatsSettings,
                 scores_csv: str | Path | None) -> np.ndarray:
    """The proxy ``ref`` names (a registered name, a ``.proxy`` file or DSL text) on ``codes``, sign applied,
    from the cached statistics. A found proxy is its Σ w·AVT(term) with its stored bounds, each term
    scored as the found proxy scores it; an arch a term cannot score contributes 0 (``ensemble.Term``)."""
    where = f"partner 'proxy:{ref}'"
    try:
        proxy = resolve_proxy(ref)
    except (ValueError, UnknownUnitError) as exc:
        raise ValueError(f"{where}: {exc.args[0] if exc.args else exc}") from None
    contract = proxy.contract
    if "terms" not in contract:
        return _signed_scores([proxy], codes, settings, scores_csv, where)[proxy.name]
    setup = contract.get("setup", {})
    held = {k: setup.get(k) for k in ("resolution", "batch_size", "seed")}
    wanted = {"resolution": settings.resolution, "batch_size": settings.batch_size, "seed": settings.seed}
    if held != wanted or setup_spaces(setup) and space not in setup_spaces(setup):
        raise ValueError(f"{where}: its AVT bounds hold at {setup or 'no setup'}, not at this run's "
                         f"space={space} {' '.join(f'{k}={v}' for k, v in wanted.items())}")
    terms = [Term(t["expression"], t["weight"], t["lo"], t["hi"]) for t in contract["terms"]]
    return combine(terms, _signed_scores([term_proxy(t.name) for t in terms], codes, settings, scores_csv, where))


def _signed_scores(proxies: Sequence[Proxy], codes: tuple[str, ...], settings: StatsSettings,
                   scores_csv: str | Path | None, where: str) -> dict[str, np.ndarray]:
    """name → sign · scores on ``codes`` of single-expression proxies: the DSL ones in one pass over the
    statistics held in RAM (NaN where one fails), built-ins from our scores CSV (``ours_on``)."""
    dsl = [p for p in proxies if "expression" in p.contract]
    out: dict[str, np.ndarray] = {}
    if dsl:
        scores, _ = score_matrix([parse(p.contract["expression"]) for p in dsl], codes, memory_stats(settings, codes),
                                 keep_going=True)
        out.update({p.name: p.contract["sign"] * row for p, row in zip(dsl, scores)})
    for p in (p for p in proxies if "expression" not in p.contract):
        if "terms" in p.contract:
            raise ValueError(f"{where}: its term {p.name!r} is itself a found proxy (terms do not nest)")
        if scores_csv is None:
            raise ValueError(f"{where}: {p.name!r} is a built-in, read from our scores: pass --baseline-scores CSV")
        ours = ours_on(Pool(codes, tuple(0.0 for _ in codes)), scores_csv)
        if f"ours:{p.name}" not in ours:
            raise ValueError(f"{where}: {scores_csv} has no column {p.name!r}")
        out[p.name] = ours[f"ours:{p.name}"]
    return out


def choose_partner(winner: np.ndarray, partners: Mapping[str, np.ndarray], acc: np.ndarray,
                   samples: Sequence[Sequence[int]], weights: Sequence[float] = (1.0,)) -> dict[str, Any] | None:
    """The partner and weight maximising the combination's mean train τ (ties: by name, then the
    first weight); ``None`` if none works."""
    wb = bounds(winner)
    if wb is None:
        return None
    best = None
    for name in sorted(partners):
        pb = bounds(partners[name])
        if pb is None or np.isfinite(partners[name]).mean() < MIN_VALID:
            continue
        for w in weights:
            tau, _ = sampled_tau(avt_sum(winner, partners[name], wb, pb, w), acc, samples)
            if np.isfinite(tau) and (best is None or tau > best["train_tau"]):
                best = {"partner": name, "weight": float(w), "train_tau": tau, "bounds": [list(wb), list(pb)]}
    return best
