"""CamVid loader on the real SegNet-layout data: splits, void → ignore, list-path mapping, errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from zeroseg.data import (IGNORE_INDEX, DataError, EvalTransform, MissingFileError, create_dataset,
                          list_datasets)
from zeroseg.registry import UnknownUnitError


def test_registry_lists_the_three_formats() -> None:
    assert {"camvid", "cityscapes", "folder"} <= set(list_datasets())
    with pytest.raises(UnknownUnitError, match="camvid"):
        create_dataset("nope", ".", "train")


def test_split_sizes_and_sample(camvid_root) -> None:
    sizes = {s: len(create_dataset("camvid", camvid_root, s)) for s in ("train", "val", "test")}
    assert sizes == {"train": 367, "val": 101, "test": 233}
    ds = create_dataset("camvid", camvid_root, "val", transform=EvalTransform((96, 128)), limit=2)
    x, y = ds[0]
    assert x.shape == (3, 96, 128) and y.shape == (360, 480) and ds.num_classes == 11
    assert set(np.unique(y.numpy())) <= set(range(11)) | {IGNORE_INDEX}


def test_void_becomes_ignore(camvid_root) -> None:
    ds = create_dataset("camvid", camvid_root, "train", limit=20)
    for i, (_, lbl_path) in enumerate(ds.pairs):
        raw = np.asarray(Image.open(lbl_path))
        if (raw == 11).any():
            y = ds[i][1].numpy()
            assert ((raw == 11) == (y == IGNORE_INDEX)).all()
            assert (y[raw != 11] == raw[raw != 11]).all()
            return
    pytest.fail("no void pixel in the first 20 CamVid train labels")


def test_absolute_looking_list_paths_map_onto_root(camvid_root, tmp_path) -> None:
    for sub in ("train", "trainannot"):
        (tmp_path / sub).symlink_to(camvid_root / sub)
    stem = "0001TP_006690.png"
    (tmp_path / "train.txt").write_text(f"/SegNet/CamVid/train/{stem} /SegNet/CamVid/trainannot/{stem}\n")
    ds = create_dataset("camvid", tmp_path, "train")
    assert ds.pairs[0] == (tmp_path / "train" / stem, tmp_path / "trainannot" / stem)
    assert ds[0][1].shape == (360, 480)


def test_missing_file_and_bad_list_name_the_problem(tmp_path, monkeypatch) -> None:
    (tmp_path / "val.txt").write_text("val/a.png valannot/a.png\n")
    with pytest.raises(MissingFileError, match=r"val/a\.png.*restore the file or fix the list"):
        create_dataset("camvid", tmp_path, "val")
    (tmp_path / "test.txt").write_text("only-one-field\n")
    with pytest.raises(DataError, match=r"test\.txt:1: expected 'image label'"):
        create_dataset("camvid", tmp_path, "test")
    with pytest.raises(MissingFileError, match="ZEROSEG_CAMVID"):
        create_dataset("camvid", tmp_path / "nowhere", "train")
    monkeypatch.delenv("ZEROSEG_CAMVID", raising=False)
    with pytest.raises(DataError, match="--data-root"):
        create_dataset("camvid", None, "train")


def test_env_variable_gives_the_root(camvid_root, monkeypatch) -> None:
    monkeypatch.setenv("ZEROSEG_CAMVID", str(camvid_root))
    assert len(create_dataset("camvid", None, "val", limit=3)) == 3
