"""The found proxy's candidate pool chosen on held-out train folds (``ensemble.fit_pools``).

With many evolved candidates the forward selection on K−1 folds finds terms that hold only there;
comparing nested pools on the held-out folds keeps such terms out, and still takes an evolved term
that carries what the library lacks."""

from __future__ import annotations

import numpy as np
import pytest

from zeroseg.discovery.ensemble import FOLD_REPEATS, fit_pools, held_out_curve, held_out_curve_parts
from zeroseg.discovery.found import pool_tiers
from zeroseg.discovery.honest import DSL, candidate_pools

N = 120


def data(seed: int = 0, real_b: bool = False) -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
    """Accuracy a + b + noise; the library scores a (and a weak copy), evolved texts 0… are noise, except
    text 'b' (first, when ``real_b``) which scores b."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=N), rng.normal(size=N)
    acc = a + (b if real_b else 0.3 * b) + 0.5 * rng.normal(size=N)
    cands = {"library:a": a, "ours:weak": a + rng.normal(size=N)}
    texts = (["b"] if real_b else []) + [f"noise{i}" for i in range(60)]
    for t in texts:
        cands[DSL + t] = b + 0.3 * rng.normal(size=N) if t == "b" else rng.normal(size=N)
    return cands, acc, texts


def test_pool_tiers_are_nested_and_end_at_the_pool():
    assert pool_tiers(30) == [0, 3, 10, 30]
    assert pool_tiers(5) == [0, 3, 5]
    assert pool_tiers(0) == [0]


def test_candidate_pools_keep_the_library_and_add_each_tier():
    cands, _, texts = data()
    pools = candidate_pools(cands, [texts[:k] for k in (0, 3)])
    assert set(pools[0]) == {"library:a", "ours:weak"}
    assert set(pools[1]) == {"library:a", "ours:weak", *(DSL + t for t in texts[:3])}


def test_noise_candidates_lose_on_held_out_folds():
    cands, acc, texts = data()
    pools = candidate_pools(cands, [texts[:k] for k in pool_tiers(len(texts))])
    block = fit_pools(pools, acc, max_terms=3, folds=5, seed=0)
    assert block["pool_chosen"] == 0, block["pools"]
    assert all(not t["name"].startswith(DSL) for t in block["terms"])
    peaks = [p["peak"] for p in block["pools"]]
    assert peaks[0] == max(peaks) and block["fold_repeats"] == FOLD_REPEATS


def test_an_evolved_term_that_carries_signal_is_kept():
    cands, acc, texts = data(real_b=True)
    pools = candidate_pools(cands, [texts[:k] for k in pool_tiers(len(texts))])
    block = fit_pools(pools, acc, max_terms=3, folds=5, seed=0)
    assert block["pool_chosen"] >= 1
    assert DSL + "b" in {t["name"] for t in block["terms"]}


def test_repeated_folds_average_the_splits():
    cands, acc, _ = data()
    lib = {n: v for n, v in cands.items() if not n.startswith(DSL)}
    one = [held_out_curve(lib, acc, 2, 5, s) for s in (0, 1, 2)]
    assert held_out_curve_parts([(lib, acc)], 2, 5, 0, repeats=3) == list(np.mean(one, axis=0))


def test_pooled_texts_take_the_random_search_only_where_a_run_has_one(tmp_path):
    """A run of ``zeroseg discover`` without ``--compare-random`` gives its evolution's candidates; a folder
    without a checkpoint is refused, naming the file."""
    import shutil
    from pathlib import Path

    from zeroseg.discovery.found import evaluated, pooled_texts
    from zeroseg.discovery.honest import top_distinct

    full = Path(__file__).resolve().parents[1] / "experiments" / "discovery" / "budget" / "macro_seed0"
    alone = tmp_path / "evolution_only"
    alone.mkdir()
    shutil.copy(full / "checkpoint.json", alone / "checkpoint.json")
    evo = top_distinct(evaluated(full / "checkpoint.json"), 3)
    rnd = top_distinct(evaluated(full / "checkpoint_random.json"), 3)
    assert pooled_texts([alone], 3) == evo
    assert pooled_texts([full], 3) == evo + [t for t in rnd if t not in evo]
    with pytest.raises(FileNotFoundError, match=f"{tmp_path}/checkpoint.json: missing"):
        pooled_texts([alone, tmp_path], 3)
