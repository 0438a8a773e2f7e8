"""Folder-of-pairs datasets for users' own data, and its clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zeroseg.data import CorruptFileError, DataError, LabelValueError, MissingFileError, create_dataset


def make_folder(root: Path, n: int = 3, classes: int = 3, size: tuple[int, int] = (12, 16)) -> Path:
    rng = np.random.default_rng(1)
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (*size, 3), dtype=np.uint8)).save(root / "images" / f"s{i}.jpg")
        Image.fromarray(rng.integers(0, classes, size, dtype=np.uint8)).save(root / "labels" / f"s{i}.png")
    return root


def test_pairs_by_stem(tmp_path) -> None:
    ds = create_dataset("folder", make_folder(tmp_path), "train", num_classes=3)
    assert len(ds) == 3 and ds.num_classes == 3 and ds.palette.shape == (3, 3)
    x, y = ds[1]
    assert x.shape == (3, 12, 16) and set(np.unique(y.numpy())) <= {0, 1, 2}


def test_per_split_subfolder(tmp_path) -> None:
    make_folder(tmp_path / "val", n=2)
    make_folder(tmp_path / "train", n=3)
    assert len(create_dataset("folder", tmp_path, "val", num_classes=3)) == 2


def test_label_outside_class_set(tmp_path) -> None:
    make_folder(tmp_path)
    lbl = np.zeros((12, 16), dtype=np.uint8)
    lbl[3, 4] = 7
    Image.fromarray(lbl).save(tmp_path / "labels" / "s2.png")
    ds = create_dataset("folder", tmp_path, "train", num_classes=3)
    with pytest.raises(LabelValueError, match=r"s2\.png holds value\(s\) 7 outside the class set \(0\.\.2"):
        ds[2]


def test_corrupt_and_missing_files(tmp_path) -> None:
    make_folder(tmp_path)
    (tmp_path / "images" / "s0.jpg").write_bytes(b"not a jpeg at all")
    ds = create_dataset("folder", tmp_path, "train", num_classes=3)
    with pytest.raises(CorruptFileError, match=r"s0\.jpg.*re-download"):
        ds[0]
    (tmp_path / "labels" / "s1.png").unlink()
    with pytest.raises(MissingFileError, match=r"labels/s1\.png.*same stem"):
        create_dataset("folder", tmp_path, "train", num_classes=3)


def test_colour_label_and_missing_num_classes(tmp_path) -> None:
    make_folder(tmp_path)
    Image.fromarray(np.zeros((12, 16, 3), dtype=np.uint8)).save(tmp_path / "labels" / "s0.png")
    with pytest.raises(DataError, match="single-channel"):
        create_dataset("folder", tmp_path, "train", num_classes=3)[0]
    with pytest.raises(DataError, match="--num-classes"):
        create_dataset("folder", tmp_path, "train")
