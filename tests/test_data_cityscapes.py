"""Cityscapes loader on a tiny fixture written here in the official layout (labelIds → trainIds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zeroseg.data import IGNORE_INDEX, LabelValueError, MissingFileError, create_dataset

# labelId → expected trainId (cityscapesScripts labels.py): road 7→0, car 26→13, bicycle 33→18,
# unlabeled 0 and ground 6 → ignore.
CASES = {7: 0, 26: 13, 33: 18, 0: IGNORE_INDEX, 6: IGNORE_INDEX, 21: 8}


def write_sample(root: Path, split: str, city: str, stem: str, label: np.ndarray) -> None:
    img_dir, gt_dir = root / "leftImg8bit" / split / city, root / "gtFine" / split / city
    img_dir.mkdir(parents=True, exist_ok=True)
    gt_dir.mkdir(parents=True, exist_ok=True)
    rgb = np.random.default_rng(0).integers(0, 255, (*label.shape, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(img_dir / f"{stem}_leftImg8bit.png")
    Image.fromarray(label.astype(np.uint8)).save(gt_dir / f"{stem}_gtFine_labelIds.png")


def label_map() -> np.ndarray:
    ids = np.array(list(CASES), dtype=np.uint8)
    return np.tile(np.repeat(ids, 4), (8, 1))  # 8 × 24, each labelId in a 4-pixel band


def test_label_ids_map_to_train_ids(tmp_path) -> None:
    write_sample(tmp_path, "val", "aachen", "aachen_000000_000019", label_map())
    write_sample(tmp_path, "val", "bremen", "bremen_000001_000019", label_map()[:, ::-1])
    ds = create_dataset("cityscapes", tmp_path, "val")
    assert len(ds) == 2 and ds.num_classes == 19
    assert ds.pairs[0][0].parent.name == "aachen"
    x, y = ds[0]
    assert x.shape == (3, 8, 24)
    expected = np.vectorize(CASES.get)(label_map())
    assert (y.numpy() == expected).all()


def test_unknown_label_id_is_an_error_naming_file_and_value(tmp_path) -> None:
    bad = label_map()
    bad[0, 0] = 40
    write_sample(tmp_path, "train", "ulm", "ulm_000000_000019", bad)
    ds = create_dataset("cityscapes", tmp_path, "train")
    with pytest.raises(LabelValueError, match=r"ulm_000000_000019_gtFine_labelIds\.png holds value\(s\) 40"):
        ds[0]


def test_missing_label_and_layout(tmp_path) -> None:
    write_sample(tmp_path, "train", "ulm", "ulm_000000_000019", label_map())
    (tmp_path / "gtFine" / "train" / "ulm" / "ulm_000000_000019_gtFine_labelIds.png").unlink()
    with pytest.raises(MissingFileError, match="ulm_000000_000019_gtFine_labelIds.png"):
        create_dataset("cityscapes", tmp_path, "train")
    with pytest.raises(MissingFileError, match="official layout"):
        create_dataset("cityscapes", tmp_path, "val")
