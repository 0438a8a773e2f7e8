"""Augmentation and sampling are fixed by a seed, independent of loader workers, and pad with ignore."""

from __future__ import annotations

import itertools

import numpy as np
import torch

from zeroseg.data import IGNORE_INDEX, TrainTransform, create_dataset
from zeroseg.data.sampler import SeededStream


def sample(h: int = 40, w: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return rng.integers(0, 255, (h, w, 3), dtype=np.uint8), rng.integers(0, 5, (h, w)).astype(np.int64)


def test_same_seed_same_sample_other_seed_differs() -> None:
    img, lbl = sample()
    t = TrainTransform((32, 48))
    a = t(img, lbl, np.random.default_rng(7))
    b = t(img, lbl, np.random.default_rng(7))
    c = t(img, lbl, np.random.default_rng(8))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])
    assert a[0].shape == (3, 32, 48) and a[1].shape == (32, 48)


def test_small_scale_pads_label_with_ignore() -> None:
    img, lbl = sample()
    x, y = TrainTransform((32, 48), scale=(0.5, 0.5), jitter=0.0)(img, lbl, np.random.default_rng(0))
    assert (y == IGNORE_INDEX).float().mean() > 0.7  # 16×24 of 32×48 holds data
    assert ((y != IGNORE_INDEX).sum()) == 16 * 24
    assert torch.all(x[:, y == IGNORE_INDEX] == 0)


def test_flip_and_labels_stay_aligned() -> None:
    img = np.zeros((20, 30, 3), dtype=np.uint8)
    img[:, :10] = 255
    lbl = np.zeros((20, 30), dtype=np.int64)
    lbl[:, :10] = 1
    t = TrainTransform((20, 30), scale=(1.0, 1.0), jitter=0.0)
    flipped = 0
    for s in range(8):
        x, y = t(img, lbl, np.random.default_rng(s))
        assert torch.equal(x[0] > 0, y == 1)
        flipped += int(y[0, -1] == 1)
    assert 0 < flipped < 8


def test_stream_resumes_at_any_position() -> None:
    full = list(itertools.islice(SeededStream(7, seed=5), 30))
    assert list(itertools.islice(SeededStream(7, seed=5, start=12), 18)) == full[12:]
    assert sorted(i for i, _ in full[:7]) == list(range(7))  # each epoch is a permutation
    assert full != list(itertools.islice(SeededStream(7, seed=6), 30))


def test_loader_batches_identical_with_workers(camvid_root) -> None:
    ds = create_dataset("camvid", camvid_root, "train", transform=TrainTransform((32, 48)), limit=4)

    def batches(workers: int) -> list[torch.Tensor]:
        dl = torch.utils.data.DataLoader(ds, batch_size=2, sampler=SeededStream(4, 1), num_workers=workers)
        return [x for x, _ in itertools.islice(dl, 3)]

    assert all(torch.equal(a, b) for a, b in zip(batches(0), batches(2)))
