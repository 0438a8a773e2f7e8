"""Supernet checkpoints: a plain dict of tensors (``torch.save``) + a JSON sidecar of the settings.

The file name is ``<space>-<digest of the settings>.pt`` under a cache folder, so a search with the
same settings finds and reuses the supernet. Both files are written to a temporary name and moved
into place (``os.replace``), so a killed run never leaves a half-written checkpoint; the tensors are
read with ``torch.load(weights_only=True)`` (no unpickling of arbitrary objects). A file that cannot
be read, or whose sidecar names other settings, is a ``SupernetCheckpointError`` naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from zeroseg.atomic import atomic_write
from zeroseg.paths import cache_dir
from zeroseg.supernet.store import WeightStore
from zeroseg.tensorfile import load_tensors
from zeroseg.supernet.train import SupernetSettings

DEFAULT_DIR = cache_dir("supernet")


class SupernetCheckpointError(ValueError):
    """A supernet checkpoint that is unreadable, incomplete or made for other settings."""


def checkpoint_path(directory: str | Path, s: SupernetSettings) -> Path:
    return Path(directory).expanduser().resolve() / f"{s.space}-{s.digest()}.pt"


def sidecar(path: Path) -> Path:
    return Path(path).with_suffix(".json")


def save(path: Path, store: WeightStore, s: SupernetSettings, summary: dict[str, Any]) -> Path:
    """Write the tensors, then the sidecar (its presence marks a complete checkpoint)."""
    path = Path(path)
    atomic_write(path, lambda tmp: torch.save(store.state_dict(), tmp))
    doc = {"settings": s.to_dict(), "summary": summary, "tensors": path.name}
    atomic_write(sidecar(path), json.dumps(doc, indent=1))
    return path


def read_sidecar(path: Path) -> dict[str, Any]:
    side = sidecar(path)
    try:
        doc = json.loads(side.read_text())
    except FileNotFoundError:
        raise SupernetCheckpointError(f"supernet checkpoint {path} has no sidecar {side.name}: it is incomplete; "
                                      "delete it to retrain") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SupernetCheckpointError(f"supernet sidecar {side} is not valid JSON ({exc}); "
                                      "delete it to retrain") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("settings"), dict):
        raise SupernetCheckpointError(f"supernet sidecar {side} lacks its 'settings' object; delete it to retrain")
    return doc


def load(path: Path, s: SupernetSettings, device: str | torch.device = "cpu") -> tuple[WeightStore, dict[str, Any]]:
    """The store saved at ``path`` for settings ``s``, and its sidecar document."""
    path = Path(path)
    if not path.is_file():
        raise SupernetCheckpointError(f"supernet checkpoint {path} does not exist; run calibrate() (or the search) "
                                      "to train it")
    doc = read_sidecar(path)
    if doc["settings"] != s.to_dict():
        diff = sorted(k for k in set(doc["settings"]) | set(s.to_dict())
                      if doc["settings"].get(k) != s.to_dict().get(k))
        raise SupernetCheckpointError(f"supernet checkpoint {path} was trained with other settings "
                                      f"(differs in {', '.join(diff)}); expected {s.to_dict()}")
    try:
        state = load_tensors(path, "supernet checkpoint", device)
    except ValueError as exc:  # never torch's advice to unpickle with weights_only=False
        why = str(exc).removeprefix(f"supernet checkpoint {path} ")
        raise SupernetCheckpointError(f"supernet checkpoint {path} is unreadable (it {why}); "
                                      "delete it to retrain") from None
    if not isinstance(state, dict) or not state:
        raise SupernetCheckpointError(f"supernet checkpoint {path} holds {type(state).__name__}, "
                                      "not a dict of tensors")
    try:
        return WeightStore.from_state(state, device), doc
    except ValueError as exc:
        raise SupernetCheckpointError(f"supernet checkpoint {path}: {exc}") from None
