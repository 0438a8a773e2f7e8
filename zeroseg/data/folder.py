"""A folder of pairs for users' own data: ``images/<stem>.{png,jpg,jpeg}`` + ``labels/<stem>.png``.

Labels hold class indices ``0..num_classes-1`` and 255 for ignore. A split may have its own
sub-folder (``root/<split>/images``); otherwise ``root/images`` serves every split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from zeroseg.data.base import SegDataset, Transform, check_exists, limit_pairs, make_lut
from zeroseg.data.errors import DataError, MissingFileError
from zeroseg.data.registry import register_dataset

IMAGE_EXTS = (".png", ".jpg", ".jpeg")


def default_palette(n: int) -> np.ndarray:
    """Distinct colours from the PASCAL VOC bit-interleaving scheme."""
    pal = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        c, j = i + 1, 0
        while c:
            for ch in range(3):
                pal[i, ch] |= ((c >> ch) & 1) << (7 - j)
            c >>= 3
            j += 1
    return pal


@register_dataset("folder", num_classes=None, splits=None, env=None)
def folder(root: str | Path | None, split: str, *, num_classes: int | None = None,
           class_names: Sequence[str] | None = None, transform: Transform | None = None,
           limit: int | None = None) -> SegDataset:
    """Pairs under ``root/<split>/`` or ``root/``; ``num_classes`` is required."""
    if root is None:
        raise DataError("the folder dataset needs --data-root PATH (with images/ and labels/)")
    if not num_classes or num_classes < 1 or num_classes > 255:
        raise DataError(f"the folder dataset needs --num-classes between 1 and 255, got {num_classes}")
    names = list(class_names) if class_names else [f"class{i}" for i in range(num_classes)]
    if len(names) != num_classes:
        raise DataError(f"{len(names)} class names given for {num_classes} classes")
    base = Path(root).expanduser()
    base = base / split if (base / split / "images").is_dir() else base
    img_dir = base / "images"
    if not img_dir.is_dir():
        raise MissingFileError(img_dir, "a folder dataset needs images/ and labels/ with matching stems")
    images = sorted(p for p in img_dir.iterdir() if p.suffix.lower() in IMAGE_EXTS)
    if not images:
        raise DataError(f"no {'/'.join(IMAGE_EXTS)} images in {img_dir}")
    pairs = limit_pairs([(p, base / "labels" / f"{p.stem}.png") for p in images], limit)
    check_exists(pairs, "every image needs labels/<same stem>.png holding class indices")
    lut = make_lut({i: i for i in range(num_classes)})
    return SegDataset(pairs, lut, names, default_palette(num_classes), transform, name="folder")
