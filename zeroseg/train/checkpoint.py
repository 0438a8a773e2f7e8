"""Checkpoints: tensors-only ``.pt`` files (loaded with ``weights_only=True``) plus a JSON sidecar.

The sidecar (same stem, ``.json``) holds what rebuilds the model without unpickling anything:
space name, genotype text, number of classes, input size, class names, and the sha256 of the
``.pt`` bytes (the sidecar carries its own checksum too), so a flipped bit in the weights is
refused instead of silently giving other weights. Files are written to a temporary name and
renamed, so a run killed mid-save leaves the previous checkpoint intact; on resume a damaged
newest checkpoint falls back to the newest intact one, with a note.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

import torch
from torch import nn

from zeroseg.atomic import atomic_write
from zeroseg.jsonio import read_json, write_json
from zeroseg.spaces import create_space, get_space
from zeroseg.tensorfile import file_sha256, load_tensors, verify_sha256

CKPT_DIR = "checkpoints"
FINAL = "model.pt"
SHA = "weights_sha256"


def sidecar(path: Path) -> Path:
    return Path(path).with_suffix(".json")


def save(path: Path, state: dict[str, Any], meta: dict[str, Any]) -> Path:
    """Atomically write ``state`` (tensors, numbers, dicts) and its JSON sidecar ``meta`` + sha256."""
    path = Path(path)

    def write(tmp: Path) -> None:  # the sidecar (with the weights' sha256) lands before the weights
        torch.save(state, tmp)
        write_json(sidecar(path), {**meta, SHA: file_sha256(tmp)}, checksum=True)

    return atomic_write(path, write, fsync=False)


def read_meta(path: Path) -> dict[str, Any]:
    """The sidecar of checkpoint ``path`` (checksum verified), without the weights' sha256."""
    side = sidecar(path)
    if not side.is_file():
        raise FileNotFoundError(f"checkpoint {path} has no sidecar {side}: it was not written by zeroseg train")
    meta = read_json(side, "checkpoint sidecar", checksum=True)
    if not isinstance(meta, dict):
        raise ValueError(f"checkpoint sidecar {side} is damaged: not a JSON object")
    return meta


def verify(path: Path) -> dict[str, Any]:
    """The sidecar of ``path`` after checking the weights' bytes against the sha256 stored in it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} not found")
    meta = read_meta(path)
    expected = meta.pop(SHA, None)
    if expected is None:
        print(f"note: checkpoint {path} has no sha256 (written by an older zeroseg); its bytes are not verified",
              file=sys.stderr)
    else:
        verify_sha256(path, expected)
    return meta


def load(path: Path, device: str | torch.device = "cpu") -> tuple[dict[str, Any], dict[str, Any]]:
    """(state, meta) of a verified checkpoint; never unpickles arbitrary objects."""
    meta = verify(path)
    state = load_tensors(path, "checkpoint", device)
    if not isinstance(state, dict):
        raise ValueError(f"checkpoint {path} holds {type(state).__name__}, not a dict of tensors")
    return state, meta


def iter_path(out: Path, iteration: int) -> Path:
    return Path(out) / CKPT_DIR / f"iter_{iteration:08d}.pt"


def latest(out: Path, intact: bool = False) -> Path | None:
    """The training checkpoint with the highest iteration under ``out/checkpoints`` (or None); with
    ``intact`` the newest that passes :func:`verify` (each damaged newer one is named in a note)."""
    found = sorted((Path(out) / CKPT_DIR).glob("iter_*.pt"))
    if not intact:
        return found[-1] if found else None
    for path in reversed(found):
        try:
            verify(path)
            return path
        except (ValueError, FileNotFoundError) as exc:
            print(f"note: skipping damaged checkpoint: {exc}", file=sys.stderr)
    if found:
        raise ValueError(f"no intact checkpoint in {Path(out) / CKPT_DIR}: all {len(found)} are damaged")
    return None


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
    """Rebuild a network through the space protocol (decode validates the genotype). With ``options``,
    a network the space cannot build (e.g. ``channels=-3``) is a ValueError naming them."""
    space = make_space(space_name, options)
    genotype = space.decode(genotype_text.strip())
    if not options:
        return space.build(genotype, num_classes)
    try:
        return space.build(genotype, num_classes)
    except (RuntimeError, ValueError, TypeError, ZeroDivisionError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"space {space_name!r} cannot build a network with options {options}: {first}") from None


def make_space(name: str, options: dict[str, Any] | None = None) -> Any:
    """The registered space with constructor ``options``; a rejected option (unknown name, or a value
    whose type the constructor's annotation does not allow) is a ValueError."""
    hints = _constructor_hints(get_space(name)) if options else {}
    for key, value in (options or {}).items():
        if key in hints and not _fits(value, hints[key]):
            raise ValueError(f"space option {key}={json.dumps(value)[:60]} has the wrong type: {name} expects "
                             f"{_hint_name(hints[key])}")
    try:
        return create_space(name, **(options or {}))
    except TypeError as exc:
        raise ValueError(f"space {name!r} rejects options {options}: {exc}") from None


def _hint_name(hint: Any) -> str:
    return str(hint) if typing.get_args(hint) else getattr(hint, "__name__", str(hint))


def _constructor_hints(cls: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls.__init__)
    except (NameError, TypeError, AttributeError):
        return {}


def _fits(value: Any, hint: Any) -> bool:
    """Does a JSON value fit a constructor annotation (int, float, str, bool, tuple[...], unions)?"""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            return False
        inner = [a for a in args if a is not Ellipsis]
        return not inner or all(_fits(v, inner[0] if Ellipsis in args or len(inner) == 1 else inner[min(i, len(inner) - 1)])
                                for i, v in enumerate(value))
    return True


def load_model(path: Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """Model in eval mode with trained weights, and the sidecar metadata."""
    file = resolve(path)
    state, meta = load(file, device)
    for key, kind in (("space", str), ("genotype", str), ("num_classes", int), ("space_options", (dict, type(None)))):
        if key not in meta and key != "space_options":
            raise ValueError(f"sidecar of {file} lacks {key!r}; cannot rebuild the model")
        if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool):
            raise ValueError(f"sidecar of {file}: {key} has the wrong type ({type(meta.get(key)).__name__})")
    model = build_model(meta["space"], meta["genotype"], int(meta["num_classes"]), meta.get("space_options"))
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:
        first = str(exc).splitlines()[1].strip() if len(str(exc).splitlines()) > 1 else str(exc)
        raise ValueError(f"{file} does not fit the network space {meta['space']!r} now builds for its genotype "
                         f"({first}); the space's code or defaults changed since training: pin them "
                         "with --space-opt KEY=VALUE when training") from None
    return model.to(device).eval(), meta
