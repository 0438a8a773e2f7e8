"""The shipped real input batch: 16 CamVid images with labels (``data/camvid_batch.npz``).

Statistics are collected on real images so that proxies never depend on random noise or on the
dataset being present (issue 2, item 6). How the file was made: ``experiments/real_batch/``.
CamVid has 11 classes (0..10) and void → 255 (ignored); any model with ``num_classes ≥ 11``
(TNB101 segmentsemantic has 17) takes these labels as valid targets of its cross-entropy.
"""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from importlib import resources

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAMVID_CLASSES = 11
IGNORE_INDEX = 255
BATCH_FILE = "camvid_batch.npz"


def _read_bytes() -> bytes:
    return resources.files("zeroseg.stats").joinpath("data", BATCH_FILE).read_bytes()


@lru_cache(maxsize=1)
def _decoded() -> tuple[np.ndarray, np.ndarray]:
    """All shipped images (M, S, S, 3) uint8 and labels (M, S, S) uint8, decoded once."""
    with np.load(io.BytesIO(_read_bytes()), allow_pickle=False) as z:
        png, sizes = z["png"].tobytes(), z["sizes"]
    ends = np.cumsum(sizes)
    blobs = [png[e - s : e] for s, e in zip(sizes, ends)]
    decode = [np.asarray(Image.open(io.BytesIO(b))) for b in blobs]
    return np.stack(decode[0::2]), np.stack(decode[1::2])


@lru_cache(maxsize=1)
def batch_file_sha256() -> str:
    """Identity of the shipped batch: part of every statistics cache key (see ``batch_id``)."""
    return hashlib.sha256(_read_bytes()).hexdigest()


def batch_id(batch_size: int) -> str:
    """A short, stable name of ``load_batch(…, batch_size)``'s inputs for ``cache_key``."""
    return f"camvid{batch_size}-{batch_file_sha256()[:12]}"


def _resolution(resolution: int | tuple[int, int]) -> tuple[int, int]:
    hw = (resolution, resolution) if isinstance(resolution, int) else tuple(resolution)
    if len(hw) != 2 or not all(isinstance(v, int) and v > 0 for v in hw):
        raise ValueError(f"resolution must be a positive int or (H, W) of ints, got {resolution!r}")
    return hw  # type: ignore[return-value]


def load_batch(
    resolution: int | tuple[int, int] = 256, batch_size: int = 8, *, num_classes: int = 17
) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``batch_size`` shipped images at ``resolution``.

    Returns images float32 (N, 3, H, W) normalised with ImageNet mean/std and labels int64
    (N, H, W) in 0..10 or 255 (ignore). Resizing from the stored 256×256 happens here: bilinear
    (antialiased when shrinking) for images, nearest for labels. ``num_classes`` is the model's
    number of classes; it must be ≥ 11 so every CamVid label is a valid target.
    """
    h, w = _resolution(resolution)
    images, labels = _decoded()
    if not 1 <= batch_size <= len(images):
        raise ValueError(f"batch_size must be in 1..{len(images)} (images shipped), got {batch_size}")
    if num_classes < CAMVID_CLASSES:
        raise ValueError(f"num_classes={num_classes}: the CamVid batch uses {CAMVID_CLASSES} classes (0..10)")
    x = torch.from_numpy(images[:batch_size].copy()).permute(0, 3, 1, 2).float().div_(255.0)
    y = torch.from_numpy(labels[:batch_size].copy()).long()
    if (h, w) != tuple(x.shape[-2:]):
        shrink = h < x.shape[-2] or w < x.shape[-1]
        x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=shrink)
        y = F.interpolate(y[:, None].float(), size=(h, w), mode="nearest")[:, 0].long()
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous(), y.contiguous()  # NCHW, not the decoder's NHWC strides
