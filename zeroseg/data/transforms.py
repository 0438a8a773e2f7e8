"""Augmentation with numpy/PIL only (no torchvision), as in GAS/FasterSeg training recipes.

Train: random scale of the network input size (GAS §4.2: scale 0.5–2.0), colour jitter, horizontal
flip, random crop padded with the ignore label. Eval: resize the image to the network input size
and keep the label at full resolution (logits are upsampled to it, the papers' convention).
All randomness comes from the generator passed in, so a seed fixes every sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from zeroseg.data.sample import IGNORE_INDEX, Sample

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32) * 255.0
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32) * 255.0
GRAY = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def resize_image(img: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    return np.asarray(Image.fromarray(img).resize((hw[1], hw[0]), Image.BILINEAR))


def resize_label(lbl: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    out = Image.fromarray(lbl.astype(np.uint8)).resize((hw[1], hw[0]), Image.NEAREST)
    return np.asarray(out).astype(np.int64)


def normalize(img: np.ndarray) -> np.ndarray:
    return (img.astype(np.float32) - MEAN) / STD


def denormalize(img: torch.Tensor) -> np.ndarray:
    """C×H×W normalized tensor → uint8 H×W×3 (for panels)."""
    arr = img.detach().cpu().float().permute(1, 2, 0).numpy() * STD + MEAN
    return np.clip(arr, 0, 255).astype(np.uint8)


def to_tensor(img: np.ndarray, lbl: np.ndarray) -> Sample:
    """uint8/float H×W×3 image (normalised here if uint8) and label → tensors."""
    arr = normalize(img) if img.dtype == np.uint8 else img
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1))), torch.from_numpy(
        np.ascontiguousarray(lbl, dtype=np.int64))


def colour_jitter(img: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Brightness, contrast and saturation factors drawn from [1-s, 1+s], applied in that order."""
    x = img.astype(np.float32)
    b, c, s = rng.uniform(1.0 - strength, 1.0 + strength, size=3)
    x = x * b
    x = (x - (x @ GRAY).mean()) * c + (x @ GRAY).mean()
    gray = (x @ GRAY)[..., None]
    x = gray + (x - gray) * s
    return np.clip(x, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class TrainTransform:
    """Random scale → jitter → flip → pad/crop to ``size`` (H, W)."""

    size: tuple[int, int]
    scale: tuple[float, float] = (0.5, 2.0)
    flip: bool = True
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if min(self.size) < 1 or not 0 < self.scale[0] <= self.scale[1]:
            raise ValueError(f"bad train transform: size {self.size}, scale {self.scale}")

    def __call__(self, img: np.ndarray, lbl: np.ndarray, rng: np.random.Generator) -> Sample:
        s = rng.uniform(*self.scale)
        hw = (max(1, round(self.size[0] * s)), max(1, round(self.size[1] * s)))
        img, lbl = resize_image(img, hw), resize_label(lbl, hw)
        if self.jitter > 0:
            img = colour_jitter(img, self.jitter, rng)
        if self.flip and rng.random() < 0.5:
            img, lbl = img[:, ::-1], lbl[:, ::-1]
        x, y = normalize(img), lbl
        ph, pw = max(0, self.size[0] - hw[0]), max(0, self.size[1] - hw[1])
        if ph or pw:
            x = np.pad(x, ((0, ph), (0, pw), (0, 0)))
            y = np.pad(y, ((0, ph), (0, pw)), constant_values=IGNORE_INDEX)
        top = int(rng.integers(0, x.shape[0] - self.size[0] + 1))
        left = int(rng.integers(0, x.shape[1] - self.size[1] + 1))
        x = x[top:top + self.size[0], left:left + self.size[1]]
        y = y[top:top + self.size[0], left:left + self.size[1]]
        return to_tensor(x, y)


@dataclass(frozen=True)
class EvalTransform:
    """Resize the image to ``size`` (None keeps it); the label stays at full resolution."""

    size: tuple[int, int] | None = None

    def __call__(self, img: np.ndarray, lbl: np.ndarray, rng: np.random.Generator) -> Sample:
        if self.size is not None:
            img = resize_image(img, self.size)
        return to_tensor(img, lbl)
