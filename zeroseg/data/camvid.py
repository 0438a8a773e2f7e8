"""CamVid, 11 classes, in the SegNet layout (Brostow et al. ECCV 2008; Badrinarayanan et al. 2017).

``root/{train,val,test}.txt`` list ``image label`` paths; SegNet's own lists use absolute-looking
paths (``/SegNet/CamVid/train/x.png``), which are mapped onto ``root`` by their longest existing
suffix. Label 11 (void) is ignored.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import numpy as np

from zeroseg.data.base import SegDataset, Transform, check_exists, limit_pairs, make_lut
from zeroseg.data.errors import DataError, MissingFileError
from zeroseg.data.registry import register_dataset

CLASSES = ("Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car",
           "Pedestrian", "Bicyclist")
PALETTE = np.array([[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222],
                    [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                    [0, 128, 192]], dtype=np.uint8)
VOID = 11
ENV = "ZEROSEG_CAMVID"


def dataset_root(root: str | Path | None, env: str, what: str) -> Path:
    """``root`` if given, else the environment variable ``env``; a clear error when neither is."""
    text = root if root is not None else os.environ.get(env)
    if not text:
        raise DataError(f"no {what} folder: pass --data-root PATH or set {env}")
    return Path(text).expanduser()


def resolve(root: Path, text: str) -> Path:
    """Map a list entry onto ``root``: relative as is, absolute-looking by its longest existing suffix."""
    parts = [p for p in PurePosixPath(text.replace("\\", "/")).parts if p != "/"]
    for i in range(len(parts)):
        cand = root.joinpath(*parts[i:])
        if cand.is_file():
            return cand
    return root.joinpath(*parts[-2:])


def read_list(root: Path, split: str) -> list[tuple[Path, Path]]:
    """Pairs from ``root/split.txt``; a malformed line raises naming the file and line number."""
    path = root / f"{split}.txt"
    if not path.is_file():
        raise MissingFileError(path, f"point --data-root (or {ENV}) at the SegNet-layout CamVid folder "
                                     "that holds train.txt, val.txt and test.txt")
    pairs = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise DataError(f"{path}:{n}: expected 'image label', got {line!r}")
        pairs.append((resolve(root, fields[0]), resolve(root, fields[1])))
    return pairs


@register_dataset("camvid", num_classes=len(CLASSES), splits=("train", "val", "test"), env=ENV)
def camvid(root: str | Path | None, split: str, *, transform: Transform | None = None,
           limit: int | None = None) -> SegDataset:
    """CamVid ``split`` under ``root`` (or ``$ZEROSEG_CAMVID``)."""
    if split not in ("train", "val", "test"):
        raise DataError(f"CamVid split {split!r} unknown; use train, val or test")
    base = dataset_root(root, ENV, "CamVid")
    pairs = limit_pairs(read_list(base, split), limit)
    check_exists(pairs, f"the list {base / (split + '.txt')} names it; restore the file or fix the list")
    lut = make_lut({i: i for i in range(len(CLASSES))}, ignore_raw=(VOID, 255))
    return SegDataset(pairs, lut, CLASSES, PALETTE, transform, name="camvid")
