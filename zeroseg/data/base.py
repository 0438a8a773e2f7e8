"""The dataset every loader returns: (image, label) file pairs, a label look-up table, a transform.

Labels are mapped through a 256-entry table (raw value → class index, ``IGNORE_INDEX`` or
``INVALID``), so CamVid's void, Cityscapes' labelIds → trainIds and a folder's plain indices share
one code path, and a value outside the class set is an error naming the file, not silent garbage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from zeroseg.data.errors import CorruptFileError, DataError, LabelValueError, MissingFileError
from zeroseg.data.sample import IGNORE_INDEX, Sample
from zeroseg.data.transforms import to_tensor

INVALID = -1
Transform = Callable[[np.ndarray, np.ndarray, np.random.Generator], Sample]


def make_lut(mapping: dict[int, int], ignore_raw: Sequence[int] = (IGNORE_INDEX,)) -> np.ndarray:
    """Table raw value → class; ``ignore_raw`` values → ``IGNORE_INDEX``; all others ``INVALID``."""
    lut = np.full(256, INVALID, dtype=np.int16)
    for raw in ignore_raw:
        lut[raw] = IGNORE_INDEX
    for raw, cls in mapping.items():
        lut[raw] = cls
    return lut


def check_exists(pairs: Sequence[tuple[Path, Path]], fix: str) -> None:
    """Fail early (before training starts) on the first listed file that is not there."""
    for pair in pairs:
        for path in pair:
            if not path.is_file():
                raise MissingFileError(path, fix)


def read_image(path: Path) -> np.ndarray:
    """RGB uint8 H×W×3; a file PIL cannot decode raises ``CorruptFileError`` naming it."""
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()
    except FileNotFoundError:
        raise MissingFileError(path, "check the dataset root and the list file") from None
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise CorruptFileError(path, str(exc) or type(exc).__name__) from None


def read_label(path: Path, lut: np.ndarray, allowed: str) -> np.ndarray:
    """Class-index map (int64 H×W) after the look-up table; bad values raise ``LabelValueError``."""
    try:
        with Image.open(path) as im:
            raw = np.asarray(im)
    except FileNotFoundError:
        raise MissingFileError(path, "check the dataset root and the list file") from None
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise CorruptFileError(path, str(exc) or type(exc).__name__) from None
    if raw.ndim != 2:
        raise DataError(f"label {path} has shape {raw.shape}; expected a single-channel class-index PNG")
    if raw.min() < 0 or raw.max() > 255:
        bad = sorted({int(v) for v in np.unique(raw) if v < 0 or v > 255})
        raise LabelValueError(path, bad, allowed)
    mapped = lut[raw.astype(np.uint8)]
    if (mapped == INVALID).any():
        raise LabelValueError(path, sorted(int(v) for v in np.unique(raw[mapped == INVALID])), allowed)
    return mapped.astype(np.int64)


class SegDataset(torch.utils.data.Dataset):
    """Image/label pairs with a label table; ``ds[i]`` or ``ds[(i, seed)]`` → (C×H×W float, H×W long).

    The augmentation generator is derived from the key alone (index, or the draw seed a sampler
    gives), never from worker state, so any number of loader workers yields the same batches.
    """

    def __init__(self, pairs: Sequence[tuple[Path, Path]], lut: np.ndarray, class_names: Sequence[str],
                 palette: np.ndarray, transform: Transform | None = None, name: str = "") -> None:
        self.pairs = [(Path(a), Path(b)) for a, b in pairs]
        self.lut = lut
        self.class_names = list(class_names)
        self.palette = np.asarray(palette, dtype=np.uint8)
        self.transform = transform
        self.name = name
        self.ignore_index = IGNORE_INDEX
        if not self.pairs:
            raise DataError(f"dataset {name!r} has no samples")

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __len__(self) -> int:
        return len(self.pairs)

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Raw image (uint8 H×W×3) and mapped label (int64 H×W), sizes checked."""
        img_path, lbl_path = self.pairs[index]
        img = read_image(img_path)
        lbl = read_label(lbl_path, self.lut, f"0..{self.num_classes - 1} or ignore {IGNORE_INDEX}")
        if img.shape[:2] != lbl.shape:
            raise DataError(f"image {img_path} is {img.shape[:2]} but label {lbl_path} is {lbl.shape}")
        return img, lbl

    def __getitem__(self, key: int | tuple[int, int]) -> Sample:
        index, seed = key if isinstance(key, tuple) else (key, key)
        img, lbl = self.load(int(index))
        if self.transform is None:
            return to_tensor(img, lbl)
        return self.transform(img, lbl, np.random.default_rng(int(seed)))


def limit_pairs(pairs: list[tuple[Path, Path]], limit: int | None) -> list[tuple[Path, Path]]:
    """First ``limit`` pairs (smoke runs, tests); all when None."""
    if limit is not None and limit < 1:
        raise DataError(f"limit must be >= 1, got {limit}")
    return pairs if limit is None else pairs[:limit]
