"""Which architectures a discovery run looks at, fixed by the seed (SasWOT: random 50-arch samples).

Selection sees only the *train* split (``zeroseg.correlation.split``): ``repeats`` samples of
``samples`` archs each, drawn once per run. The *test* split is for the report only. ``limit``
caps each pool (train and test) to a seeded random subset so a small run needs statistics of few
archs; ``None`` uses the whole split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zeroseg.correlation.split import split_table

ACCURACY = "val_acc"


@dataclass(frozen=True)
class Pool:
    """Archs of one split part: ``codes[i]`` has accuracy ``accuracy[i]`` (tuples: hashable, comparable)."""

    codes: tuple[str, ...]
    accuracy: tuple[float, ...]

    @property
    def acc(self) -> np.ndarray:
        return np.asarray(self.accuracy, dtype=np.float64)

    def __len__(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class ArchPlan:
    """The train pool with its fixed samples (indices into ``train``), and the test pool."""

    space: str
    train: Pool
    test: Pool
    samples: tuple[tuple[int, ...], ...]

    @property
    def used(self) -> tuple[int, ...]:
        """Sorted indices of the train archs in any sample (the archs fitness needs)."""
        return tuple(sorted({i for s in self.samples for i in s}))


def _pool(space: str, part: str, limit: int | None, rng: np.random.Generator) -> Pool:
    table = split_table(space, part)
    idx = np.arange(len(table))
    if limit is not None and limit < len(table):
        idx = np.sort(rng.choice(len(table), size=limit, replace=False))
    rows = table.iloc[idx]
    return Pool(tuple(rows["net_code"]), tuple(float(v) for v in rows[ACCURACY]))


def plan_archs(space: str, samples: int = 50, repeats: int = 5, limit: int | None = None, seed: int = 0) -> ArchPlan:
    """Pools and samples for ``space``; a sample larger than the pool is the whole pool."""
    if samples < 3 or repeats < 1:
        raise ValueError(f"need samples >= 3 and repeats >= 1, got samples={samples}, repeats={repeats}")
    if limit is not None and limit < 3:
        raise ValueError(f"archs limit must be >= 3, got {limit}")
    rng = np.random.default_rng([seed, 0xA5C4])
    train, test = _pool(space, "train", limit, rng), _pool(space, "test", limit, rng)
    k = min(samples, len(train))
    draws = tuple(tuple(sorted(int(i) for i in rng.choice(len(train), size=k, replace=False)))
                  for _ in range(repeats))
    return ArchPlan(space, train, test, draws)
