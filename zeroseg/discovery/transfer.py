"""Transfer checks: a proxy is for where no labels are, so it is scored unchanged elsewhere.

* Cross-space: the found proxy (same terms, weights and AVT bounds) on the *other* TNB101 space's
  test split, beside the best single baseline there and the learned predictors fitted on the
  source space's train split (features: our scores, ranked within each space) and applied there.
* Cross-task: the found proxy on TNB101's ``class_scene`` and ``normal`` tables (the same archs with
  other labels), test split of each space, beside the best single baseline on each. These tasks are
  never a search target; they are checked once, in the report.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from zeroseg.correlation.split import split_frame
from zeroseg.discovery.archs import ACCURACY, Pool
from zeroseg.discovery.references import fit_predictor, is_own, pool_ranks, usable
from zeroseg.transnas.tables import load_table

OTHER = {"micro": "macro", "macro": "micro"}
TRANSFER_TASKS = ("class_scene", "normal")

Metrics = Callable[[np.ndarray, np.ndarray], dict[str, Any]]
Scorer = Callable[[str, Pool], tuple[np.ndarray, Mapping[str, np.ndarray]]]


def task_pool(space: str, task: str, part: str = "test") -> Pool:
    """The archs of ``part`` that ``task``'s table labels (macro ``class_scene`` lacks 44 archs)."""
    rows = split_frame(load_table(space, task), part)
    return Pool(tuple(rows["net_code"]), tuple(float(v) for v in rows[ACCURACY]))


def _best_single(vectors: Mapping[str, np.ndarray], acc: np.ndarray, metrics: Metrics) -> dict[str, Any]:
    scored = {n: metrics(np.asarray(v, float), acc) for n, v in vectors.items()}
    scored = {n: m for n, m in scored.items() if np.isfinite(m.get("kendall_mean", np.nan))}
    if not scored:
        return {"name": None, "kendall_mean": float("nan")}
    name = max(sorted(scored), key=lambda n: scored[n]["kendall_mean"])
    return {"name": name, **scored[name]}


def transferred_predictors(source_train: Mapping[str, np.ndarray], source_acc: np.ndarray,
                           target: Mapping[str, np.ndarray], seed: int) -> dict[str, np.ndarray]:
    """Ridge and boosted trees fitted on the source space's train archs over our own scores (ranks
    within each space), predicting the target space's archs."""
    names = [n for n in usable(source_train) if is_own(n) and n in target]
    if not names:
        return {}
    x_src = pool_ranks(np.column_stack([source_train[n] for n in names]))
    x_tgt = pool_ranks(np.column_stack([np.asarray(target[n], float) for n in names]))
    return {f"{kind}[ours] fitted on the source": fit_predictor(kind, x_src, source_acc, x_tgt, seed)[1]
            for kind in ("ridge", "gbt")}


def transfer_block(space: str, score: Scorer, source_train: Mapping[str, np.ndarray], source_acc: np.ndarray,
                   metrics: Metrics, seed: int) -> dict[str, Any]:
    """Cross-space and cross-task rows. ``score(space, pool)`` returns (found proxy's scores, baseline
    vectors) on a pool; ``metrics(scores, acc)`` is the report's test metrics."""
    other = OTHER[space]
    pool = task_pool(other, "segmentsemantic")
    found, vectors = score(other, pool)
    cross_space = {"space": other, "n": len(pool), "found": metrics(found, pool.acc),
                   "best_single": _best_single(vectors, pool.acc, metrics),
                   "predictors": {n: metrics(v, pool.acc) for n, v in
                                  transferred_predictors(source_train, source_acc, vectors, seed).items()}}
    tasks = []
    for sp in (space, other):
        for task in TRANSFER_TASKS:
            tp = task_pool(sp, task)
            found, vectors = score(sp, tp)
            tasks.append({"space": sp, "task": task, "n": len(tp), "found": metrics(found, tp.acc),
                          "best_single": _best_single(vectors, tp.acc, metrics)})
    return {"cross_space": cross_space, "cross_task": tasks}


def transfer_rows(block: Mapping[str, Any]) -> Sequence[dict[str, Any]]:
    """Flat rows (for a CSV / Markdown table): where, found τ, best single baseline and its τ."""
    cs = block["cross_space"]
    rows = [{"where": f"{cs['space']} segmentsemantic (other space)", "n": cs["n"],
             "found": cs["found"].get("kendall_mean"), "best_single": cs["best_single"]["name"],
             "best_single_tau": cs["best_single"]["kendall_mean"],
             **{n: m.get("kendall_mean") for n, m in cs["predictors"].items()}}]
    rows += [{"where": f"{t['space']} {t['task']}", "n": t["n"], "found": t["found"].get("kendall_mean"),
              "best_single": t["best_single"]["name"], "best_single_tau": t["best_single"]["kendall_mean"]}
             for t in block["cross_task"]]
    return rows
