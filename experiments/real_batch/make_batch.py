"""Regenerate ``zeroseg/stats/data/camvid_batch.npz``: the real input batch statistics are collected on.

Deterministic: 16 CamVid train images picked evenly along ``train.txt`` (so all three driving
sequences appear), centre-cropped to a square, resized to 256×256 (PIL bilinear with antialiasing
for images, nearest for labels), void (11) mapped to 255. Images and labels are PNG-encoded inside
one ``.npz`` (no pickles) to stay under 2 MB. Usage::

    python experiments/real_batch/make_batch.py [--camvid ../shared/data/camvid] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import io
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CAMVID = REPO.parent / "shared" / "data" / "camvid"
DEFAULT_OUT = Path("runs/real_batch/camvid_batch.npz")  # the shipped one: --out zeroseg/stats/data/camvid_batch.npz
COUNT, SIZE, VOID, IGNORE = 16, 256, 11, 255


def _pairs(camvid: Path) -> list[tuple[str, str]]:
    lines = [ln.split() for ln in (camvid / "train.txt").read_text().splitlines() if ln.strip()]
    bad = [i + 1 for i, ln in enumerate(lines) if len(ln) != 2]
    if bad:
        raise ValueError(f"{camvid / 'train.txt'}: lines {bad[:5]} are not 'image label'")
    picks = np.linspace(0, len(lines) - 1, COUNT).round().astype(int)
    return [(lines[i][0], lines[i][1]) for i in picks]


def _square(im: Image.Image, resample: int) -> Image.Image:
    w, h = im.size
    s = min(w, h)
    left, top = (w - s) // 2, (h - s) // 2
    return im.crop((left, top, left + s, top + s)).resize((SIZE, SIZE), resample)


def _png(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def make(camvid: Path, out: Path) -> str:
    """Write the batch file; returns its sha256."""
    blobs, names = [], []
    for img_rel, lab_rel in _pairs(camvid):
        img = np.asarray(_square(Image.open(camvid / img_rel).convert("RGB"), Image.BILINEAR))
        lab = np.asarray(_square(Image.open(camvid / lab_rel), Image.NEAREST)).copy()
        if lab.ndim != 2 or lab.max() > VOID:
            raise ValueError(f"{camvid / lab_rel}: expected a class-index PNG with values ≤ {VOID}")
        lab[lab == VOID] = IGNORE
        blobs += [_png(img), _png(lab)]
        names.append(img_rel)
    sizes = np.array([len(b) for b in blobs], dtype=np.int64)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:  # plain np.savez: PNG payloads are already compressed
        np.savez(f, png=np.frombuffer(b"".join(blobs), dtype=np.uint8), sizes=sizes,
                 names=np.array(names), size=np.array([SIZE, SIZE]))
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--camvid", type=Path, default=DEFAULT_CAMVID, help="CamVid folder (SegNet layout)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output .npz")
    args = p.parse_args()
    digest = make(args.camvid, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, sha256 {digest})")


if __name__ == "__main__":
    main()
