"""An endless, seeded stream of (index, draw seed) keys for iteration-based training.

Like mmsegmentation's InfiniteSampler, epochs are reshuffled permutations; unlike a plain sampler,
each draw carries its own augmentation seed derived from (seed, position). A run resumed at
iteration k starts the stream at position k·batch and sees exactly the batches an uninterrupted
run would, with any number of loader workers.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch


def draw_seed(seed: int, position: int) -> int:
    return int(np.random.SeedSequence([seed, position]).generate_state(1)[0])


class SeededStream(torch.utils.data.Sampler):
    """Yields ``(index, draw_seed)`` forever, starting at stream position ``start``."""

    def __init__(self, size: int, seed: int, start: int = 0) -> None:
        if size < 1:
            raise ValueError("cannot sample from an empty dataset")
        self.size, self.seed, self.start = size, seed, start

    def permutation(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, epoch]).permutation(self.size)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        pos = self.start
        epoch, perm = -1, np.empty(0, dtype=np.int64)
        while True:
            e, i = divmod(pos, self.size)
            if e != epoch:
                epoch, perm = e, self.permutation(e)
            yield int(perm[i]), draw_seed(self.seed, pos)
            pos += 1
