"""The references a reviewer raises against a found proxy, every one chosen or fitted on train only.

Beside the single baselines (``report.baseline_block``):

* the best AVT pair and the best AVT triple of library proxies (SasWOT Eq. 3–4 with equal weights,
  each proxy's min/max taken on train), chosen by mean train τ over the run's train samples;
* predictors fitted on the train archs' accuracy: ridge on the proxies' ranks (RidgeCV) and
  gradient-boosted trees on their raw scores (NAS-Bench-Suite-Zero: zero-cost scores as *features*
  of a model-based predictor beat every single proxy), and both over a one-hot arch encoding.

A reference is ``self_contained`` when it uses zeroseg's own statistics only (``ours:`` and
``library:`` scores) and is a proxy or a linear model; the margin a report quotes is over the
strongest of those. Boosted trees, the encoding and Suite-Zero's columns are shown beside it.
scikit-learn fits the predictors (a well-kept implementation instead of hand-written solvers).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from scipy.stats import rankdata
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV

from zeroseg.discovery.combine import MIN_VALID, bounds
from zeroseg.discovery.fitness import sampled_tau
from zeroseg.proxies.avt import normalize

OWN_PREFIXES = ("ours:", "library:")
RIDGE_ALPHAS = tuple(np.logspace(-3, 3, 13))
# Suite-Zero-style boosted trees (REFERENCES.md: 300 trees, learning rate 0.03, 15 leaves).
GBT = dict(max_iter=300, learning_rate=0.03, max_leaf_nodes=15)


@dataclass(frozen=True)
class Reference:
    """One reference's scores on the train and test pools and how it was made."""

    name: str
    kind: str  # single | avt_pair | avt_triple | ridge | gbt
    train: np.ndarray
    test: np.ndarray
    self_contained: bool
    detail: dict[str, Any]


def is_own(name: str) -> bool:
    return name.startswith(OWN_PREFIXES)


def usable(vectors: Mapping[str, np.ndarray]) -> list[str]:
    """Names whose train vector has a finite range on at least ``MIN_VALID`` of the archs."""
    return sorted(n for n, v in vectors.items() if bounds(v) is not None and np.isfinite(v).mean() >= MIN_VALID)


def avt_scores(vectors: Mapping[str, np.ndarray], names: Sequence[str], lims: Mapping[str, tuple[float, float]],
               weights: Sequence[float] | None = None) -> np.ndarray:
    """Σ w·AVT(v) with fixed (min, max); an arch a term cannot score gets that term's minimum (0)."""
    weights = [1.0] * len(names) if weights is None else list(weights)
    parts = [w * np.nan_to_num(normalize(np.asarray(vectors[n], float), *lims[n]), nan=0.0)
             for n, w in zip(names, weights)]
    return np.sum(parts, axis=0)


def best_avt_combo(train: Mapping[str, np.ndarray], test: Mapping[str, np.ndarray], acc: np.ndarray,
                   samples: Sequence[Sequence[int]], k: int, candidates: Sequence[str]) -> Reference | None:
    """The k-subset of ``candidates`` whose equal-weight AVT sum has the best mean train τ."""
    lims = {n: bounds(train[n]) for n in candidates}
    best: tuple[float, tuple[str, ...]] | None = None
    for combo in itertools.combinations(sorted(candidates), k):
        tau, _ = sampled_tau(avt_scores(train, combo, lims), acc, samples)
        if np.isfinite(tau) and (best is None or tau > best[0]):
            best = (tau, combo)
    if best is None:
        return None
    combo = best[1]
    kind = {2: "avt_pair", 3: "avt_triple"}.get(k, f"avt_{k}")
    return Reference("+".join(combo), kind, avt_scores(train, combo, lims), avt_scores(test, combo, lims),
                     all(is_own(n) for n in combo),
                     {"terms": list(combo), "train_tau": best[0], "bounds": {n: list(lims[n]) for n in combo}})


def pool_ranks(matrix: np.ndarray) -> np.ndarray:
    """Each column's ranks within the pool scaled to [0, 1]; a NaN gets the middle rank 0.5."""
    out = np.full(matrix.shape, 0.5)
    for j in range(matrix.shape[1]):
        col, ok = matrix[:, j], np.isfinite(matrix[:, j])
        if ok.sum() > 1:
            out[ok, j] = (rankdata(col[ok]) - 1) / (ok.sum() - 1)
    return out


def one_hot(space: str, codes: Sequence[str]) -> np.ndarray:
    """One-hot op encoding of TNB101 codes: micro ``64-41414-a_bc_def`` → 6 edges × 4 ops; macro
    ``64-<digits>-basic`` → 6 layer slots × 5 (0: no layer, 1–4: the layer's kind)."""
    rows = []
    for code in codes:
        body = code.split("-")[2 if space == "micro" else 1]
        digits = [int(c) for c in body if c.isdigit()]
        width = 4 if space == "micro" else 5
        digits = digits + [0] * (6 - len(digits))
        row = np.zeros(6 * width)
        row[[i * width + d for i, d in enumerate(digits[:6])]] = 1.0
        rows.append(row)
    return np.asarray(rows)


def _matrix(vectors: Mapping[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
    return np.column_stack([np.asarray(vectors[n], float) for n in names]) if names else np.zeros((0, 0))


def fit_predictor(kind: str, x_train: np.ndarray, y: np.ndarray, x_test: np.ndarray,
                  seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Train and test predictions of a ridge (RidgeCV over ``RIDGE_ALPHAS``) or boosted-tree model."""
    if kind == "ridge":
        model = RidgeCV(alphas=RIDGE_ALPHAS).fit(x_train, y)
        detail = {"alpha": float(model.alpha_)}
    else:
        model = HistGradientBoostingRegressor(**GBT, random_state=seed).fit(x_train, y)
        detail = dict(GBT)
    return model.predict(x_train), model.predict(x_test), detail


def predictors(space: str, train: Mapping[str, np.ndarray], test: Mapping[str, np.ndarray],
               train_codes: Sequence[str], test_codes: Sequence[str], acc: np.ndarray,
               seed: int) -> list[Reference]:
    """Ridge on ranks and boosted trees on raw scores, over our scores, Suite-Zero's columns, the
    one-hot encoding alone and our scores with the encoding."""
    ours = [n for n in usable(train) if is_own(n)]
    suite = [n for n in usable(train) if n.startswith("suite_zero:")]
    enc_tr, enc_te = one_hot(space, train_codes), one_hot(space, test_codes)
    out = []
    for feats, names, with_enc in (("ours", ours, False), ("suite_zero", suite, False),
                                   ("encoding", [], True), ("ours+encoding", ours, True)):
        if not names and not with_enc:
            continue
        raw_tr, raw_te = _matrix(train, names), _matrix(test, names)
        for kind in ("ridge", "gbt"):
            x_tr = pool_ranks(raw_tr) if kind == "ridge" and names else raw_tr
            x_te = pool_ranks(raw_te) if kind == "ridge" and names else raw_te
            if with_enc:
                x_tr = np.hstack([x_tr, enc_tr]) if names else enc_tr
                x_te = np.hstack([x_te, enc_te]) if names else enc_te
            p_tr, p_te, detail = fit_predictor(kind, x_tr, acc, x_te, seed)
            own = feats == "ours" and kind == "ridge"
            out.append(Reference(f"{kind}[{feats}]", kind, p_tr, p_te, own,
                                 {**detail, "features": names + (["one-hot"] if with_enc else [])}))
    return out


def references(space: str, train: Mapping[str, np.ndarray], test: Mapping[str, np.ndarray],
               train_codes: Sequence[str], test_codes: Sequence[str], acc: np.ndarray,
               samples: Sequence[Sequence[int]], seed: int) -> list[Reference]:
    """Single baselines, the best own AVT pair and triple, and every predictor (see the module doc)."""
    names = usable(train)
    out = [Reference(n, "single", np.asarray(train[n], float), np.asarray(test[n], float), is_own(n), {})
           for n in names]
    own = [n for n in names if is_own(n)]
    for k in (2, 3):
        ref = best_avt_combo(train, test, acc, samples, k, own)
        if ref is not None:
            out.append(ref)
    return out + predictors(space, train, test, train_codes, test_codes, acc, seed)
