"""Cityscapes in its official layout (Cordts et al. CVPR 2016): 34 labelIds → 19 trainIds.

``root/leftImg8bit/{split}/{city}/*_leftImg8bit.png`` with
``root/gtFine/{split}/{city}/*_gtFine_labelIds.png``; labelIds not among the 19 evaluated classes
map to 255 (ignored), as cityscapesScripts' ``labels.py`` does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zeroseg.data.base import SegDataset, Transform, check_exists, limit_pairs, make_lut
from zeroseg.data.camvid import dataset_root
from zeroseg.data.errors import DataError, MissingFileError
from zeroseg.data.registry import register_dataset

CLASSES = ("road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
           "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
           "motorcycle", "bicycle")
LABEL_IDS = (7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33)
PALETTE = np.array([[128, 64, 128], [244, 35, 232], [70, 70, 70], [102, 102, 156], [190, 153, 153],
                    [153, 153, 153], [250, 170, 30], [220, 220, 0], [107, 142, 35], [152, 251, 152],
                    [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142], [0, 0, 70], [0, 60, 100],
                    [0, 80, 100], [0, 0, 230], [119, 11, 32]], dtype=np.uint8)
ENV = "ZEROSEG_CITYSCAPES"
IMG_SUFFIX = "_leftImg8bit.png"
LBL_SUFFIX = "_gtFine_labelIds.png"


def label_table() -> np.ndarray:
    """labelIds 0..33 → trainId or ignore; anything else is not a Cityscapes labelId."""
    train = dict(zip(LABEL_IDS, range(len(LABEL_IDS))))
    return make_lut(train, ignore_raw=tuple(i for i in range(34) if i not in train) + (255,))


def find_pairs(root: Path, split: str) -> list[tuple[Path, Path]]:
    img_dir = root / "leftImg8bit" / split
    if not img_dir.is_dir():
        raise MissingFileError(img_dir, f"point --data-root (or {ENV}) at the Cityscapes folder holding "
                                        "leftImg8bit/ and gtFine/ (official layout)")
    pairs = []
    for img in sorted(img_dir.glob(f"*/*{IMG_SUFFIX}")):
        stem = img.name[: -len(IMG_SUFFIX)]
        pairs.append((img, root / "gtFine" / split / img.parent.name / f"{stem}{LBL_SUFFIX}"))
    if not pairs:
        raise DataError(f"no *{IMG_SUFFIX} files under {img_dir}/<city>/")
    return pairs


@register_dataset("cityscapes", num_classes=len(CLASSES), splits=("train", "val", "test"), env=ENV)
def cityscapes(root: str | Path | None, split: str, *, transform: Transform | None = None,
               limit: int | None = None) -> SegDataset:
    """Cityscapes ``split`` (fine annotations) under ``root`` (or ``$ZEROSEG_CITYSCAPES``)."""
    base = dataset_root(root, ENV, "Cityscapes")
    pairs = limit_pairs(find_pairs(base, split), limit)
    check_exists(pairs, "each leftImg8bit image needs its gtFine *_gtFine_labelIds.png "
                        "(run cityscapesScripts' createTrainIdLabelImgs only if you lack labelIds)")
    return SegDataset(pairs, label_table(), CLASSES, PALETTE, transform, name="cityscapes")
