"""AVT combination of the found proxy with a baseline (SasWOT Eq. 3–4: SasWOT = AVT(SasWOT−) + AVT(NWOT)).

Everything is chosen on the train archs: each proxy's min/max (Eq. 4) is taken over the train
archs the fitness used, and the partner is the baseline whose sum with the winner has the best
mean τ over the run's train samples (``partners.choose_partner``). SasWOT adds the two with equal
weights; a search may also offer a few weights w for w·AVT(winner) + AVT(partner)
(``--partner-weights``), the best chosen on train the same way. The test archs are only scored, with
the train min/max and weight.
"""

from __future__ import annotations

import numpy as np

from zeroseg.proxies.avt import normalize, value_bounds

MIN_VALID = 0.9  # a partner must score at least this share of the train archs


def bounds(v: np.ndarray) -> tuple[float, float] | None:
    """(min, max) of the finite values, or None when there are none or all are equal."""
    return value_bounds(v)


def avt_sum(a: np.ndarray, b: np.ndarray, bounds_a: tuple[float, float], bounds_b: tuple[float, float],
            weight: float = 1.0) -> np.ndarray:
    """weight·AVT(a) + AVT(b) with fixed (min, max) per proxy. An arch the partner ``b`` cannot score (NaN,
    e.g. jacov's constant Jacobian rows) gets the partner's minimum, 0: the partner ranks it last;
    the winner's NaN stays NaN (the arch is invalid for the combination, as for the winner)."""
    na = normalize(np.asarray(a, dtype=float), *bounds_a)
    return weight * na + np.nan_to_num(normalize(np.asarray(b, dtype=float), *bounds_b), nan=0.0)

