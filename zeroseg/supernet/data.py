"""Batches for supernet training, candidate fine-tuning and candidate validation.

Training and fine-tuning draw augmented train batches from the trainer's seeded stream
(``SeededStream`` + ``TrainTransform``, GAS §4.2 recipe), so a seed fixes every batch. The
fine-tuning batches and the validation subset are the same for every candidate of a search and
are loaded once per process. Validation: ``n`` val images evenly spaced over the split (CamVid's
neighbouring frames are near duplicates), image and label resized to the input size.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

import numpy as np
import torch

from zeroseg.data import create_dataset
from zeroseg.data.sampler import SeededStream
from zeroseg.data.transforms import TrainTransform, resize_image, resize_label, to_tensor

Batch = tuple[torch.Tensor, torch.Tensor]


def train_batches(dataset: str, root: str | None, input_size: tuple[int, int], batch_size: int,
                  seed: int) -> Iterator[Batch]:
    """Endless augmented train batches (images B×3×H×W, labels B×H×W) of the seeded stream."""
    ds = create_dataset(dataset, root, "train", transform=TrainTransform(tuple(input_size)))
    loader = torch.utils.data.DataLoader(ds, batch_size=batch_size, sampler=SeededStream(len(ds), seed),
                                         drop_last=True)
    return iter(loader)


@lru_cache(maxsize=4)
def finetune_batches(dataset: str, root: str | None, input_size: tuple[int, int], batch_size: int, steps: int,
                     seed: int) -> tuple[Batch, ...]:
    """The first ``steps`` batches of the stream seeded by ``seed`` (kept in memory: reused per candidate)."""
    it = train_batches(dataset, root, input_size, batch_size, seed)
    return tuple(next(it) for _ in range(steps))


@lru_cache(maxsize=4)
def val_subset(dataset: str, root: str | None, input_size: tuple[int, int], n: int) -> Batch:
    """``n`` val images evenly spaced over the split, image and label resized to ``input_size``."""
    ds = create_dataset(dataset, root, "val")
    if not 1 <= n <= len(ds):
        raise ValueError(f"supernet_val_images is {n}, but the {dataset} val split has {len(ds)} images")
    images, labels = [], []
    for i in np.linspace(0, len(ds) - 1, n).round().astype(int):
        img, lbl = ds.load(int(i))
        x, y = to_tensor(resize_image(img, input_size), resize_label(lbl, input_size))
        images.append(x)
        labels.append(y)
    return torch.stack(images).float(), torch.stack(labels).long()
