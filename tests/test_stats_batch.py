"""The shipped CamVid batch: shapes, normalisation, label range, resizing, reproducibility."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from zeroseg.stats import batch_id, load_batch
from zeroseg.stats.batch import IMAGENET_MEAN, IMAGENET_STD

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "zeroseg" / "stats" / "data" / "camvid_batch.npz"


@pytest.mark.parametrize("resolution", [256, 64, (96, 128), 320])
def test_shapes_dtypes_and_label_range(resolution) -> None:
    x, y = load_batch(resolution, 8)
    hw = (resolution, resolution) if isinstance(resolution, int) else resolution
    assert x.shape == (8, 3, *hw) and x.dtype == torch.float32
    assert y.shape == (8, *hw) and y.dtype == torch.int64
    values = set(y.unique().tolist())
    assert values <= set(range(11)) | {255} and len(values - {255}) >= 8  # real scenes: many classes
    raw = x * torch.tensor(IMAGENET_STD).view(1, 3, 1, 1) + torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    assert raw.min() >= -1e-5 and raw.max() <= 1 + 1e-5 and raw.std() > 0.1


def test_batches_are_prefixes_and_deterministic() -> None:
    x8, y8 = load_batch(64, 8)
    x4, y4 = load_batch(64, 4)
    assert torch.equal(x8[:4], x4) and torch.equal(y8[:4], y4)
    assert not torch.equal(x8[0], x8[1])
    assert batch_id(8) != batch_id(4) and batch_id(8) == batch_id(8)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="batch_size must be in 1..16"):
        load_batch(64, 17)
    with pytest.raises(ValueError, match="num_classes=5"):
        load_batch(64, 2, num_classes=5)
    with pytest.raises(ValueError, match="resolution"):
        load_batch((64,), 2)


def test_shipped_file_is_small_and_regenerates_bit_for_bit(camvid_root: Path, tmp_path: Path) -> None:
    assert SHIPPED.stat().st_size < 2 * 1024 * 1024
    out = tmp_path / "batch.npz"
    script = REPO / "experiments" / "real_batch" / "make_batch.py"
    subprocess.run([sys.executable, str(script), "--camvid", str(camvid_root), "--out", str(out)], check=True)
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(SHIPPED.read_bytes()).digest()
