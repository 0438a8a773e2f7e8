"""From a finished search to the run's found proxy: candidates, fit on train, references, transfer.

The candidates are the search's best distinct evaluated expressions (read from its checkpoint)
plus the self-contained baselines; ``honest.honest_block`` fits the found proxy on train and
scores it against every reference on test; with ``transfer`` the same proxy, unchanged, is scored
on the other space and on the other TNB101 tasks (``transfer``). The statistics those need are
collected into the cache first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from zeroseg.discovery import report as rep
from zeroseg.discovery.archs import Pool
from zeroseg.discovery.ensemble import POOL_TIERS, combine, terms_of
from zeroseg.discovery.honest import DSL, honest_block, top_distinct
from zeroseg.discovery.statstore import StatsSettings, precompute
from zeroseg.discovery.transfer import OTHER, TRANSFER_TASKS, task_pool, transfer_block
from zeroseg.dsl import parse
from zeroseg.evolution import checkpoint as ckpt
from zeroseg.proxies.library import write_found_proxy


def evaluated(checkpoint: Path) -> list[tuple[str, float]]:
    """(text, train fitness) of every valid candidate the search evaluated."""
    state = ckpt.load(checkpoint)
    return [(e.text, float(e.values[0])) for e in state.memo.values() if e.invalid is None and e.values]


def pool_tiers(most: int) -> list[int]:
    """The evolved-candidate counts of the nested pools compared on folds: ``POOL_TIERS`` below ``most``, and ``most``."""
    return [k for k in POOL_TIERS if k < most] + [most]


SEARCHES = ("checkpoint.json", "checkpoint_random.json")  # a run's evolution and, with --compare-random, its random search


def search_checkpoints(runs: Sequence[Path | str]) -> list[Path]:
    """The checkpoints of every search in ``runs`` (folders of ``zeroseg discover`` runs), in order."""
    for run in runs:
        if not (Path(run) / SEARCHES[0]).is_file():
            raise FileNotFoundError(f"{Path(run) / SEARCHES[0]}: missing (give run folders of zeroseg discover)")
    return [Path(run) / name for run in runs for name in SEARCHES if (Path(run) / name).is_file()]


def pooled_texts(runs: Sequence[Path | str], per_search: int) -> list[str]:
    """The union, in order, of the ``per_search`` best distinct expressions of each search in ``runs``
    (``search_checkpoints``)."""
    texts: list[str] = []
    for path in search_checkpoints(runs):
        texts += [t for t in top_distinct(evaluated(path), per_search) if t not in texts]
    return texts


def dsl_vectors(texts: Sequence[str], pool: Pool, settings: StatsSettings, device: str | None) -> dict[str, np.ndarray]:
    """``dsl:<text>`` → scores on ``pool`` (NaN where a text fails on an arch)."""
    if not texts:
        return {}
    scores, _ = rep.pool_scores([parse(t) for t in texts], pool, settings, device)
    return {DSL + t: row for t, row in zip(texts, scores)}


def term_vectors(space: str, texts: Sequence[str], pool: Pool, settings: StatsSettings, device: str | None,
                 scores_csv: str | None) -> dict[str, np.ndarray]:
    """Every candidate term and baseline on ``pool``: evolved texts, library, ours, Suite-Zero."""
    return {**rep.baseline_vectors(space, pool, settings, device, scores_csv),
            **dsl_vectors(texts, pool, settings, device)}


def found_block(space: str, checkpoint: Path, train: Pool, test: Pool, samples: Sequence[Sequence[int]],
                settings: StatsSettings, metrics: Callable[[np.ndarray, np.ndarray], dict[str, Any]],
                baselines: tuple[Mapping[str, np.ndarray], Mapping[str, np.ndarray]], *, pool_size: int = 30,
                max_terms: int = 4, folds: int = 5, n_boot: int = 1000, seed: int = 0,
                device: str | None = None) -> dict[str, Any]:
    """The found proxy and its references (``honest.honest_block``) for the search in ``checkpoint``;
    ``baselines``: every baseline's scores on (train, test), scored once per report by the caller."""
    texts = top_distinct(evaluated(checkpoint), pool_size)
    train_v = {**baselines[0], **dsl_vectors(texts, train, settings, device)}
    test_v = {**baselines[1], **dsl_vectors(texts, test, settings, device)}
    block = honest_block(space, train_v, test_v, train.codes, test.codes, train.acc, test.acc, samples, metrics,
                         max_terms=max_terms, folds=folds, n_boot=n_boot, seed=seed,
                         tiers=[texts[:k] for k in pool_tiers(len(texts))])
    block["candidate_texts"] = texts
    block["_train_vectors"] = train_v
    return block


def transfer_for(space: str, block: Mapping[str, Any], train_acc: np.ndarray, settings: StatsSettings,
                 metrics: Callable[[np.ndarray, np.ndarray], dict[str, Any]], scores_for: Callable[[str], str | None],
                 executor: Any = None, seed: int = 0, device: str | None = None,
                 log: Callable[[str], None] = print) -> dict[str, Any]:
    """Cross-space and cross-task rows of the found proxy (statistics collected first)."""
    terms = terms_of(block["found"])
    texts = [t.name[len(DSL):] for t in terms if t.name.startswith(DSL)]
    pools = [task_pool(OTHER[space], "segmentsemantic")] + [
        task_pool(sp, task) for sp in (space, OTHER[space]) for task in TRANSFER_TASKS]
    codes = sorted({c for p in pools for c in p.codes})
    log(f"[discover] transfer: statistics of {len(codes)} archs of both spaces")
    failures = precompute(settings, codes, executor)
    if failures:
        log(f"[discover] transfer: statistics failed for {len(failures)} archs (left out of their τ)")

    def score(sp: str, pool: Pool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        vectors = term_vectors(sp, texts, pool, settings, device, scores_for(sp))
        found = combine(terms, {t.name: vectors.get(t.name, np.full(len(pool), np.nan)) for t in terms})
        missing = [t.name for t in terms if t.name not in vectors]
        if missing:  # a term without scores on this space (e.g. no built-in scores there): no score
            found = np.full(len(pool), np.nan)
        return found, {n: v for n, v in vectors.items() if not n.startswith(DSL)}

    own_train = {n: v for n, v in block["_train_vectors"].items() if n.startswith("ours:")}
    return transfer_block(space, score, own_train, train_acc, metrics, seed)


def term_expression(name: str) -> str:
    """The file text of a candidate term: evolved DSL as is; ``library:``/``ours:`` as the proxy's name
    (scored by the core with its sign applied, as the report's vectors are)."""
    return name[len(DSL):] if name.startswith(DSL) else name.split(":", 1)[1]


def found_setup(spaces: Sequence[str], o: Any) -> dict[str, Any]:
    """The ``# setup:`` of a found proxy fitted on ``spaces`` under the options ``o``: where its AVT
    bounds hold (elsewhere the library normalises its terms at the scoring setup, ``dsl_proxy``)."""
    return dict(space="+".join(spaces), resolution=o.resolution, batch_size=o.batch_size, seed=o.data_seed)


def write_found(path: Path, block: Mapping[str, Any], setup: Mapping[str, Any], provenance: str) -> Path:
    """The found proxy as one ``.proxy`` file: its terms, weights, AVT bounds and statistics setup, so
    ``zeroseg score`` and ``zeroseg search --scorer`` use it unchanged on any network."""
    terms = [(t.weight, t.lo, t.hi, term_expression(t.name)) for t in terms_of(block["found"])]
    f = block["found"]
    how = (f"candidate pool and size chosen on {f['fold_repeats']} × {f['folds']} train folds" if f.get("pools")
           else f"size chosen on {f['folds']} train folds")
    notes = (f"train τ {f['train']['kendall_mean']:.4f}, test τ {f['test']['kendall_mean']:.4f}; {how}",)
    return write_found_proxy(path, terms, setup, provenance, notes=notes)
