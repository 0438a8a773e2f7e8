"""Fixed, seeded random subsets ("sketches") of weight rows and activation units.

A sketch keeps the statistics of hundreds of architectures in memory (DESIGN.md, "Where the time
goes"): W and G keep ≤ ``max_rows`` output channels with all their ``in·kh·kw`` columns (so any
per-row reduction is exact on the kept rows), A keeps ≤ ``max_units`` of the ``C·H·W`` units per
input. The subset depends only on (seed, layer index, shape), so two architectures whose k-th layers
have equal shapes are sketched alike, and the same seed always gives the same subset.

Defaults (``DEFAULT_MAX_ROWS`` = 8, ``DEFAULT_MAX_UNITS`` = 512), sized so that one architecture
costs ~1–3 MB at 16 bits (proxy discovery holds hundreds in memory). NetStats bytes at 256²,
batch 8, over every row of the TNB101 tables (W+G dominate: r·Σ in·kh·kw·2 tensors·2 B):

    max_rows      4            8            16          (min / median / max, MB)
    micro    0.8/1.7/3.5  1.2/2.6/5.9  2.0/4.4/10.6
    macro    1.0/1.4/2.4  1.5/2.3/4.2  2.5/3.9/7.7

A keeps 512 units per input per layer (8 kB at batch 8). The input gradient keeps
``INPUT_UNITS_FACTOR``·max_units = 8192 of the 3·H·W input units (jacov needs the correlation of N
rows, well estimated from thousands of pixels). ``None`` keeps everything.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import torch

DEFAULT_MAX_ROWS = 8
DEFAULT_MAX_UNITS = 512
INPUT_UNITS_FACTOR = 16


def derived_seed(seed: int, salt: str, index: int, shape: tuple[int, ...]) -> int:
    """A stable 63-bit seed from (seed, salt, layer index, shape): unlike ``hash``, never salted."""
    text = f"{seed}|{salt}|{index}|{tuple(int(s) for s in shape)}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


@lru_cache(maxsize=4096)
def _subset(n: int, k: int, seed: int) -> torch.Tensor:
    """``k`` distinct sorted indices of ``range(n)``, uniformly at random under ``seed``.

    For k ≪ n, draws with replacement and de-duplicates (O(k log k), no n-sized permutation:
    activations have up to millions of units); a random subset of the distinct draws is kept so
    small indices are not favoured.
    """
    g = torch.Generator().manual_seed(seed)
    if 4 * k >= n:
        return torch.randperm(n, generator=g)[:k].sort().values
    picked = torch.empty(0, dtype=torch.int64)
    while picked.numel() < k:
        draws = torch.randint(n, (k + k // 4 + 16,), generator=g)
        picked = torch.cat([picked, draws]).unique()
    return picked[torch.randperm(picked.numel(), generator=g)[:k]].sort().values


def pick(n: int, limit: int | None, seed: int, salt: str, index: int, shape: tuple[int, ...]) -> torch.Tensor | None:
    """Indices to keep out of ``n`` (int64, sorted), or ``None`` when all are kept."""
    if limit is None or limit >= n:
        return None
    if limit < 1:
        raise ValueError(f"sketch size must be ≥ 1 or None, got {limit}")
    return _subset(n, limit, derived_seed(seed, salt, index, shape))


def input_limit(max_units: int | None) -> int | None:
    """How many input units the input gradient / Jacobian keep."""
    return None if max_units is None else INPUT_UNITS_FACTOR * max_units
