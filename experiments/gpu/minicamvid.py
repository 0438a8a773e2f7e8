"""CamVid-layout folders the GPU check can run on where ``../shared`` is not there.

The device machine receives the repository only (``../shared`` stays behind, and what is carried
along is at most 64 MiB), so ``carry_copy`` writes CamVid's train and val splits into an ignored
folder of the repository, images re-encoded as JPEG (quality 95: ~40 MiB instead of ~130 MiB of
PNG; labels stay lossless PNG). ``shipped_camvid`` writes zeroseg's shipped batch (16 real CamVid
train images at 256×256, ``zeroseg/stats/data``) in the same layout, so the smoke mode needs no
dataset at all. Both write SegNet-style ``<split>.txt`` lists that ``zeroseg.data.camvid`` reads.

    python experiments/gpu/minicamvid.py SRC DST     # the carry copy (experiments/gpu/prepare.sh)
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Iterable

import numpy as np
from PIL import Image

from zeroseg.data.camvid import read_list
from zeroseg.data.transforms import denormalize
from zeroseg.stats.batch import load_batch

SHIPPED_SPLITS = {"train": range(0, 12), "val": range(12, 16), "test": range(12, 16)}


def write_list(root: Path, split: str, rows: Iterable[tuple[str, str]]) -> None:
    (root / f"{split}.txt").write_text("".join(f"{img} {lbl}\n" for img, lbl in rows))


def shipped_camvid(root: Path) -> Path:
    """The shipped batch as a CamVid folder: 12 train, 4 val (= test) images; void is label 255."""
    images, labels = load_batch(256, 16, num_classes=11)
    for split, idx in SHIPPED_SPLITS.items():
        (root / split).mkdir(parents=True, exist_ok=True)
        (root / f"{split}annot").mkdir(exist_ok=True)
        rows = []
        for i in idx:
            img, lbl = f"{split}/shipped{i:02d}.png", f"{split}annot/shipped{i:02d}.png"
            Image.fromarray(denormalize(images[i])).save(root / img)
            Image.fromarray(labels[i].numpy().astype(np.uint8)).save(root / lbl)
            rows.append((img, lbl))
        write_list(root, split, rows)
    return root


def carry_copy(src: Path, dst: Path, splits: tuple[str, ...] = ("train", "val"), quality: int = 95) -> int:
    """CamVid ``splits`` of ``src`` under ``dst`` (JPEG images, PNG labels); returns the bytes written."""
    total = 0
    for split in splits:
        (dst / split).mkdir(parents=True, exist_ok=True)
        (dst / f"{split}annot").mkdir(exist_ok=True)
        rows = []
        for img_path, lbl_path in read_list(src, split):
            img, lbl = f"{split}/{img_path.stem}.jpg", f"{split}annot/{lbl_path.name}"
            with Image.open(img_path) as im:
                im.convert("RGB").save(dst / img, quality=quality)
            shutil.copyfile(lbl_path, dst / lbl)
            total += (dst / img).stat().st_size + (dst / lbl).stat().st_size
            rows.append((img, lbl))
        write_list(dst, split, rows)
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description="JPEG copy of CamVid train+val to carry to the device machine")
    ap.add_argument("src", type=Path, help="SegNet-layout CamVid folder (with train.txt, val.txt)")
    ap.add_argument("dst", type=Path, help="output folder (ignored by git, e.g. .cache/gpu_carry/camvid)")
    args = ap.parse_args()
    size = carry_copy(args.src, args.dst)
    print(f"wrote {args.dst} ({size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
