"""Checkpoints: tensors-only ``.pt`` files (loaded with ``weights_only=True``) plus a JSON sidecar.

The sidecar (same stem, ``.json``) holds what rebuilds the model without unpickling anything:
space name, genotype text, number of classes, input size, class names. Files are written to a
temporary name and renamed, so a run killed mid-save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from zeroseg.atomic import atomic_write

CKPT_DIR = "checkpoints"
FINAL = "model.pt"


def sidecar(path: Path) -> Path:
    return Path(path).with_suffix(".json")


def save(path: Path, state: dict[str, Any], meta: dict[str, Any]) -> Path:
    """Atomically write ``state`` (tensors, numbers, dicts) and its JSON sidecar ``meta``."""
    path = Path(path)
    atomic_write(sidecar(path), json.dumps(meta, indent=2), fsync=False)
    return atomic_write(path, lambda tmp: torch.save(state, tmp), fsync=False)


def load(path: Path, device: str | torch.device = "cpu") -> tuple[dict[str, Any], dict[str, Any]]:
    """(state, meta) of a checkpoint; never unpickles arbitrary objects."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} not found")
    side = sidecar(path)
    if not side.is_file():
        raise FileNotFoundError(f"checkpoint {path} has no sidecar {side}: it was not written by zeroseg train")
    state = torch.load(path, map_location=device, weights_only=True)
    return state, json.loads(side.read_text())


def iter_path(out: Path, iteration: int) -> Path:
    return Path(out) / CKPT_DIR / f"iter_{iteration:08d}.pt"


def latest(out: Path) -> Path | None:
    """The training checkpoint with the highest iteration under ``out/checkpoints`` (or None)."""
    found = sorted((Path(out) / CKPT_DIR).glob("iter_*.pt"))
    return found[-1] if found else None


def prune(out: Path, keep: int) -> None:
    """Delete all but the ``keep`` newest training checkpoints (and their sidecars)."""
    for old in sorted((Path(out) / CKPT_DIR).glob("iter_*.pt"))[:-keep]:
        old.unlink(missing_ok=True)
        sidecar(old).unlink(missing_ok=True)


def resolve(path: Path) -> Path:
    """A checkpoint file, or a training ``--out`` folder → its final model, else its latest checkpoint."""
    path = Path(path)
    if path.is_dir():
        found = path / FINAL if (path / FINAL).is_file() else latest(path)
        if found is None:
            raise FileNotFoundError(f"no {FINAL} or {CKPT_DIR}/iter_*.pt in {path}")
        return found
    return path


def parse_options(items: list[str] | None) -> dict[str, Any]:
    """``["channels=16", "heads=[\"aspp\"]"]`` → dict; values are JSON (else kept as text), never eval'd."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"space option {item!r} is not KEY=VALUE")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def build_model(space_name: str, genotype_text: str, num_classes: int,
                options: dict[str, Any] | None = None) -> nn.Module:
    """Rebuild a network through the space protocol (decode validates the genotype)."""
    space = make_space(space_name, options)
    return space.build(space.decode(genotype_text.strip()), num_classes)


def make_space(name: str, options: dict[str, Any] | None = None) -> Any:
    """The registered space with constructor ``options``; a rejected option is a ValueError."""
    from zeroseg.spaces import create_space

    try:
        return create_space(name, **(options or {}))
    except TypeError as exc:
        raise ValueError(f"space {name!r} rejects options {options}: {exc}") from None


def load_model(path: Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """Model in eval mode with trained weights, and the sidecar metadata."""
    file = resolve(path)
    state, meta = load(file, device)
    for key in ("space", "genotype", "num_classes"):
        if key not in meta:
            raise ValueError(f"sidecar of {file} lacks {key!r}; cannot rebuild the model")
    model = build_model(meta["space"], meta["genotype"], int(meta["num_classes"]), meta.get("space_options"))
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:
        first = str(exc).splitlines()[1].strip() if len(str(exc).splitlines()) > 1 else str(exc)
        raise ValueError(f"{file} does not fit the network space {meta['space']!r} now builds for its genotype "
                         f"({first}); the space's code or defaults changed since training: pin them "
                         "with --space-opt KEY=VALUE when training") from None
    return model.to(device).eval(), meta
