"""Reading ``.pt`` files safely: ``torch.load(weights_only=True)`` with one clear line per failure.

Why: torch's own messages for a refused pickle advise re-running with ``weights_only=False``
(arbitrary code execution); zeroseg never does that and never relays the advice. A truncated,
empty or garbled file, a folder in its place, or a file holding Python objects other than tensors
and plain values each become a ``ValueError`` naming the file. ``file_sha256`` is the checksum that
zeroseg stores beside the tensors (training checkpoints, latency models) to detect flipped bytes.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from pathlib import Path
from typing import Any

import torch

_CHUNK = 1 << 20
_UNPICKLED_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")


class UnsafeFile(ValueError):
    """The file needs unpickling arbitrary Python objects, which zeroseg refuses."""


def load_tensors(path: str | Path, what: str = "checkpoint", device: str | torch.device = "cpu") -> Any:
    """``torch.load(path, weights_only=True)``; a ``ValueError`` naming ``what`` and the file otherwise."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{what} {path} is a folder, not a file")
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} not found")
    if path.stat().st_size == 0:
        raise ValueError(f"{what} {path} is empty (0 bytes)")
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as exc:
        found = _UNPICKLED_GLOBAL.search(str(exc))
        obj = f" (it needs {found.group(1)})" if found else ""
        raise UnsafeFile(f"{what} {path} is not a zeroseg file: it holds Python objects other than tensors and "
                         f"plain values{obj}, and zeroseg never unpickles those (unsafe)") from None
    except (RuntimeError, EOFError, OSError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"{what} {path} is truncated or damaged: torch cannot read it "
                         f"({type(exc).__name__})") from None


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of the file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def verify_sha256(path: str | Path, expected: str, what: str = "checkpoint") -> None:
    """``ValueError`` when the file's bytes do not hash to ``expected`` (a flipped bit, a truncation)."""
    if file_sha256(path) != expected:
        raise ValueError(f"{what} {path} is damaged: its sha256 does not match the one stored when it was written")
