"""The found proxy of a run and every reference a reviewer raises, scored once on the test split.

The found proxy is a small weighted sum of AVT-normalised terms (``ensemble.fit_ensemble``) whose
candidates are self-contained only: the search's best distinct DSL expressions, the library's DSL
proxies (``library:``) and zeroseg's own built-ins (``ours:``). Suite-Zero's columns are never
terms; they appear as baselines and as features of reference predictors (``references``). All
choices use the train archs; then each reference's test metrics and the paired bootstrap CI of
τ(found) − τ(reference) on the whole test split are reported. The margin quoted is over the
strongest self-contained reference (a proxy or a linear model over our own scores).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from zeroseg.correlation.metrics import paired_bootstrap_diff
from zeroseg.discovery.ensemble import combine, fit_ensemble, fit_pools, terms_of
from zeroseg.discovery.references import Reference, is_own, references

DSL = "dsl:"


def own_candidates(vectors: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The self-contained term candidates among ``vectors`` (evolved ``dsl:``, ``library:``, ``ours:``)."""
    return {n: v for n, v in vectors.items() if n.startswith(DSL) or is_own(n)}


def top_distinct(entries: Sequence[tuple[str, float]], n: int) -> list[str]:
    """The ``n`` best texts by train fitness (ties by text), each once."""
    best: dict[str, float] = {}
    for text, fit in entries:
        if np.isfinite(fit) and fit > best.get(text, -np.inf):
            best[text] = fit
    return [t for t, _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def reference_rows(refs: Sequence[Reference], found_test: np.ndarray, test_acc: np.ndarray,
                   metrics: Callable[[np.ndarray, np.ndarray], dict[str, Any]], n_boot: int,
                   seed: int) -> list[dict[str, Any]]:
    """Each reference's test metrics and the paired CI of found − reference (best first)."""
    rows = []
    for ref in refs:
        m = metrics(ref.test, test_acc)
        paired = paired_bootstrap_diff(found_test, ref.test, test_acc, "kendall", n_boot=n_boot, seed=seed)
        rows.append({"name": ref.name, "kind": ref.kind, "self_contained": ref.self_contained,
                     "test": m, "found_minus_reference": paired, "detail": ref.detail})
    return sorted(rows, key=lambda r: -np.nan_to_num(r["test"].get("kendall_mean", np.nan), nan=-np.inf))


def strongest(rows: Sequence[dict[str, Any]], self_contained: bool) -> dict[str, Any] | None:
    """The reference with the highest mean test τ among the (non-)self-contained ones."""
    pick = [r for r in rows if r["self_contained"] == self_contained
            and np.isfinite(r["test"].get("kendall_mean", np.nan))]
    return pick[0] if pick else None


def candidate_pools(candidates: Mapping[str, np.ndarray], tiers: Sequence[Sequence[str]]) -> list[dict[str, np.ndarray]]:
    """Nested candidate pools: every non-evolved candidate plus the evolved texts of each tier."""
    fixed = {n: v for n, v in candidates.items() if not n.startswith(DSL)}
    return [{**fixed, **{DSL + t: candidates[DSL + t] for t in tier if DSL + t in candidates}} for tier in tiers]


def honest_block(space: str, train_vectors: Mapping[str, np.ndarray], test_vectors: Mapping[str, np.ndarray],
                 train_codes: Sequence[str], test_codes: Sequence[str], train_acc: np.ndarray,
                 test_acc: np.ndarray, samples: Sequence[Sequence[int]],
                 metrics: Callable[[np.ndarray, np.ndarray], dict[str, Any]], max_terms: int = 4, folds: int = 5,
                 n_boot: int = 1000, seed: int = 0, tiers: Sequence[Sequence[str]] | None = None) -> dict[str, Any]:
    """Fit the found proxy on train, score it and every reference on test (see the module doc).
    ``tiers``: nested lists of evolved texts (best first); the candidate pool is then chosen among them on
    held-out train folds (``ensemble.fit_pools``), else every candidate is one pool."""
    candidates = own_candidates(train_vectors)
    if tiers is None:
        fitted = fit_ensemble(candidates, train_acc, max_terms=max_terms, folds=folds, seed=seed)
    else:
        fitted = fit_pools(candidate_pools(candidates, tiers), train_acc, max_terms=max_terms, folds=folds, seed=seed)
        fitted["pool_tiers"] = [len(t) for t in tiers]
    return judged(space, fitted, train_vectors, test_vectors, train_codes, test_codes, train_acc, test_acc, samples,
                  metrics, n_boot, seed)


def judged(space: str, fitted: Mapping[str, Any], train_vectors: Mapping[str, np.ndarray],
           test_vectors: Mapping[str, np.ndarray], train_codes: Sequence[str], test_codes: Sequence[str],
           train_acc: np.ndarray, test_acc: np.ndarray, samples: Sequence[Sequence[int]],
           metrics: Callable[[np.ndarray, np.ndarray], dict[str, Any]], n_boot: int = 1000,
           seed: int = 0) -> dict[str, Any]:
    """A found proxy fitted on train (``fitted``: ``fit_ensemble``'s block) against every reference of
    ``space``, fitted on the same train archs, all scored once on test."""
    terms = terms_of(fitted)
    found_train = combine(terms, train_vectors)
    found_test = combine(terms, test_vectors)
    baselines = {n: v for n, v in train_vectors.items() if not n.startswith(DSL)}
    refs = references(space, baselines, {n: test_vectors[n] for n in baselines}, train_codes, test_codes,
                      train_acc, samples, seed)
    rows = reference_rows(refs, found_test, test_acc, metrics, n_boot, seed)
    own, other = strongest(rows, True), strongest(rows, False)
    found_m, train_m = metrics(found_test, test_acc), metrics(found_train, train_acc)
    margin = None
    if own is not None:
        margin = {"over": own["name"], "kind": own["kind"],
                  "estimate_sampled": found_m["kendall_mean"] - own["test"]["kendall_mean"],
                  "paired_full_pool": own["found_minus_reference"]}
    return {"found": {**fitted, "train": train_m, "test": found_m,
                      "train_test_gap": train_m["kendall_mean"] - found_m["kendall_mean"]},
            "references": rows, "margin": margin,
            "strongest_other": None if other is None else {"name": other["name"], "kind": other["kind"],
                                                          "test_tau": other["test"]["kendall_mean"],
                                                          "paired": other["found_minus_reference"]},
            "_found_test": found_test}
