"""The honest part of discovery: found proxies scored on the *test* split, next to the baselines.

Selection used train samples only; here each hall-of-fame proxy, the library's DSL proxies (our
baselines, on the same statistics) and Suite-Zero's precomputed columns (jacov, nwot … from the
TNB101 table) are scored on the run's test pool: mean Kendall-τ / Spearman / Pearson over
``repeats`` random ``samples``-arch draws (SasWOT Table 3 protocol) and the full-pool Kendall-τ with
a percentile-bootstrap 95% interval. The reference baseline of issue 4 is jacov on micro and nwot
on macro; the report also names the best baseline on this pool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from zeroseg.correlation.metrics import bootstrap_ci, correlations, paired_bootstrap_diff, sampled_correlations
from zeroseg.discovery.archs import Pool
from zeroseg.discovery.combine import avt_sum
from zeroseg.discovery.fitness import score_matrix
from zeroseg.discovery.partners import choose_partner, table_baselines
from zeroseg.discovery.statstore import StatsSettings, memory_stats
from zeroseg.dsl import ProxyGraph, parse
from zeroseg.proxies.library import library_files, read_proxy_file

REFERENCE = {"micro": "jacov", "macro": "nwot"}


def metrics(scores: np.ndarray, acc: np.ndarray, samples: int, repeats: int, seed: int,
            n_boot: int = 0) -> dict[str, Any]:
    """Sampled means/stds (Table 3 protocol), full-pool correlations, and with ``n_boot`` > 0 a
    percentile-bootstrap 95% CI of the full-pool τ."""
    ok = np.isfinite(scores)
    if ok.sum() < 3:
        return {"valid": int(ok.sum()), "kendall_mean": float("nan"),
                "why_null": {"kendall_mean": f"only {int(ok.sum())} of {len(scores)} archs have a finite score (τ needs 3)"}}
    summ = sampled_correlations(scores, acc, samples=samples, repeats=repeats, seed=seed).as_dict()
    full = correlations(scores[ok], acc[ok])
    out = {**summ, "kendall_full": full["kendall"], "spearman_full": full["spearman"], "pearson_full": full["pearson"]}
    if n_boot > 0:
        out["kendall_ci95"] = list(bootstrap_ci(scores[ok], acc[ok], "kendall", n_boot=n_boot, seed=seed)[1:])
    return out


def pool_scores(graphs: Sequence[ProxyGraph], pool: Pool, settings: StatsSettings,
                device: str | None = None) -> tuple[np.ndarray, list[str | None]]:
    """Scores of ``graphs`` on every arch of ``pool`` (statistics from the cache, held in RAM); an arch
    a graph fails on is NaN (left out of its τ; ``metrics`` counts the valid archs), the rest are scored."""
    return score_matrix(graphs, pool.codes, memory_stats(settings, tuple(pool.codes)), device, keep_going=True)


FOUND = "zeroseg discover"  # provenance prefix of proxies found by discovery (not baselines)


def library_baselines() -> dict[str, tuple[ProxyGraph, int]]:
    """The proxy library's known DSL proxies (``proxies/*.proxy``): name → (graph, sign). Proxies
    that discovery itself wrote there (provenance starts with ``zeroseg discover``) are results, not
    baselines, so they are left out."""
    out = {}
    for path in library_files():
        pf = read_proxy_file(path)
        if not pf.provenance.startswith(FOUND) and not pf.terms:
            out[pf.name] = (parse(pf.expression, source=str(path)), pf.sign)
    return out


def baseline_vectors(space: str, pool: Pool, settings: StatsSettings, device: str | None = None,
                     scores_csv: str | Path | None = None) -> dict[str, np.ndarray]:
    """Every baseline's scores on ``pool`` (sign applied): ``suite_zero:<name>``, ``library:<name>``,
    and with ``scores_csv`` our built-ins as ``ours:<name>`` (``partners.table_baselines``)."""
    vectors = table_baselines(space, pool, scores_csv)
    lib = library_baselines()
    if lib:
        scores, _ = pool_scores([g for g, _ in lib.values()], pool, settings, device)
        vectors.update({f"library:{name}": sign * row for (name, (_, sign)), row in zip(lib.items(), scores)})
    return vectors


def baseline_block(space: str, vectors: dict[str, np.ndarray], acc: np.ndarray, samples: int, repeats: int,
                   seed: int, n_boot: int = 1000) -> dict[str, dict[str, Any]]:
    """Test metrics of every baseline; the reference and the best baseline also get the bootstrap CI."""
    out = {name: metrics(v, acc, samples, repeats, seed) for name, v in vectors.items()}
    for name in {best_baseline(out)[0], f"suite_zero:{REFERENCE[space]}"} & set(out):
        out[name] = metrics(vectors[name], acc, samples, repeats, seed, n_boot)
    return out


def best_baseline(baselines: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The baseline with the highest mean sampled τ (NaN counts as worst)."""
    def tau(item: tuple[str, dict[str, Any]]) -> float:
        v = item[1].get("kendall_mean", float("nan"))
        return v if np.isfinite(v) else -np.inf

    return max(sorted(baselines.items()), key=tau)


def proxies_block(texts: Sequence[str], train_values: Sequence[float], space: str, train: Pool, test: Pool,
                  settings: StatsSettings, samples: int, repeats: int, seed: int,
                  device: str | None = None, n_boot: int = 1000) -> list[dict[str, Any]]:
    """Train-pool and test-pool metrics of each found proxy (best first; the CI for the winner)."""
    graphs = [parse(t) for t in texts]
    tr, _ = pool_scores(graphs, train, settings, device)
    te, failed = pool_scores(graphs, test, settings, device)
    return [{"rank": i + 1, "proxy": text, "train_fitness": fit,
             "train": metrics(tr[i], train.acc, samples, repeats, seed),
             "test": metrics(te[i], test.acc, samples, repeats, seed, n_boot if i == 0 else 0),
             "test_failure": failed[i]}
            for i, (text, fit) in enumerate(zip(texts, train_values))]


def comparison(space: str, proxies: list[dict[str, Any]], baselines: dict[str, dict[str, Any]],
               combined: dict[str, Any] | None = None, forced: bool = False) -> dict[str, Any]:
    """Winner (alone, or AVT-combined when that was better on train, or ``forced``: the search
    optimised the combination) vs the reference baseline (jacov/nwot) and the best baseline, on test τ."""
    win = proxies[0]["test"]["kendall_mean"] if proxies else float("nan")
    use_combined = bool(combined) and (forced or combined["train_tau"] > proxies[0]["train_fitness"])
    if use_combined:
        win = combined["test"]["kendall_mean"]
    ref_name = f"suite_zero:{REFERENCE[space]}"
    ref = baselines.get(ref_name, {}).get("kendall_mean", float("nan"))
    best_name, best = best_baseline(baselines) if baselines else ("", {"kendall_mean": float("nan")})
    return {"found": "avt:" + combined["partner"] if use_combined else "alone", "found_test_tau": win,
            "reference": ref_name, "reference_test_tau": ref, "margin_vs_reference": win - ref,
            "best_baseline": best_name, "best_baseline_test_tau": best["kendall_mean"],
            "margin_vs_best": win - best["kendall_mean"]}


def combined_block(winner_train: np.ndarray, winner_test: np.ndarray, train_vectors: dict[str, np.ndarray],
                   test_vectors: dict[str, np.ndarray], train_acc: np.ndarray, train_samples: list[list[int]],
                   test_acc: np.ndarray, samples: int, repeats: int, seed: int,
                   n_boot: int = 1000, weights: Sequence[float] = (1.0,)
                   ) -> tuple[dict[str, Any] | None, np.ndarray | None]:
    """The winner AVT-combined with the partner (and weight) chosen on train
    (``partners.choose_partner``), scored on test: the report block and the combination's test scores."""
    pick = choose_partner(winner_train, train_vectors, train_acc, train_samples, weights)
    if pick is None:
        return None, None
    (wb, pb), partner = pick["bounds"], pick["partner"]
    test_scores = avt_sum(winner_test, test_vectors[partner], tuple(wb), tuple(pb), pick["weight"])
    return {**pick, "test": metrics(test_scores, test_acc, samples, repeats, seed, n_boot)}, test_scores


def paired_margin(found: np.ndarray, reference: np.ndarray, acc: np.ndarray, n_boot: int, seed: int) -> dict[str, Any]:
    """Full-test-pool τ(found) − τ(reference) with a paired bootstrap 95% CI over the test archs
    (NaN bounds with ``n_boot`` 0)."""
    return paired_bootstrap_diff(found, reference, acc, "kendall", n_boot=n_boot, seed=seed)
