"""The real scoring batch: a few train images of the dataset at the search's input size.

SasWOT scores a candidate on one real mini-batch; the images are drawn from the train split by
``numpy.random.default_rng(seed)`` (no replacement, sorted indices), resized to (H, W) (bilinear
image, nearest label) and normalised as in training. Loaded once per process (``lru_cache``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from zeroseg.data import create_dataset
from zeroseg.data.transforms import resize_image, resize_label, to_tensor


@lru_cache(maxsize=4)
def _cached(dataset: str, root: str | None, input_size: tuple[int, int], n: int,
            seed: int) -> tuple[torch.Tensor, torch.Tensor, tuple[int, ...]]:
    ds = create_dataset(dataset, root, "train")
    if not 1 <= n <= len(ds):
        raise ValueError(f"scoring batch of {n} images, but the {dataset} train split has {len(ds)}")
    index = tuple(int(i) for i in sorted(np.random.default_rng(seed).choice(len(ds), size=n, replace=False)))
    images, labels = [], []
    for i in index:
        img, lbl = ds.load(i)
        x, y = to_tensor(resize_image(img, input_size), resize_label(lbl, input_size))
        images.append(x)
        labels.append(y)
    return torch.stack(images).float(), torch.stack(labels).long(), index


def batch_name(dataset: str, seed: int) -> str:
    """The name of ``scoring_batch(dataset, …, seed)``'s images in AVT keys and statistics caches."""
    return f"{dataset}-train-seed{seed}"


def scoring_batch(dataset: str, root: str | None, input_size: tuple[int, int], n: int,
                  seed: int) -> tuple[torch.Tensor, torch.Tensor, tuple[int, ...]]:
    """(images N×3×H×W float, labels N×H×W int64, train indices used)."""
    return _cached(dataset, None if root is None else str(root), tuple(input_size), int(n), int(seed))
