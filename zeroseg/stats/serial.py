"""NetStats ⇄ bytes: a checked container around ``torch.save`` of plain tensors, lists and strings.

Layout: ``MAGIC`` (8 bytes) · payload length (8 bytes, little-endian) · sha256 of the payload
(32 bytes) · payload. The payload holds only tensors, numbers, strings, lists and dicts, read back
with ``torch.load(weights_only=True)`` (no arbitrary unpickling); ``meta`` travels as JSON text.
Any mismatch (truncation, garbage, wrong fields) raises ``CorruptStats``.
"""

from __future__ import annotations

import hashlib
import io
import json

import torch

from zeroseg.stats.types import LayerStats, NetStats

MAGIC = b"ZSSTATS1"
_HEADER = len(MAGIC) + 8 + 32
_LAYER_TENSORS = ("rows", "W", "G", "A", "units")
_OPTIONAL = ("input_jacobian", "input_units")


class CorruptStats(ValueError):
    """The bytes are not a complete, intact statistics entry."""


def to_state(stats: NetStats) -> dict:
    """Plain containers only (what ``weights_only`` loading accepts)."""
    try:
        meta = json.dumps(stats.meta, sort_keys=True)
    except (TypeError, ValueError) as e:
        raise ValueError(f"NetStats.meta must be JSON-serialisable to be cached: {e}") from e
    layers = [
        {"name": L.name, "kind": L.kind, "weight_shape": list(L.weight_shape), "act_units": L.act_units,
         "module_type": L.module_type, **{k: getattr(L, k) for k in _LAYER_TENSORS}}
        for L in stats.layers
    ]
    state = {"layers": layers, "KH": stats.KH, "input_grad": stats.input_grad, "loss": stats.loss, "meta": meta}
    state.update({k: getattr(stats, k) for k in _OPTIONAL if getattr(stats, k) is not None})
    return state


def from_state(state: dict) -> NetStats:
    try:
        layers = [
            LayerStats(name=d["name"], kind=d["kind"], weight_shape=tuple(d["weight_shape"]), act_units=int(d["act_units"]),
                       module_type=d["module_type"], **{k: _tensor(d[k], k) for k in _LAYER_TENSORS})
            for d in state["layers"]
        ]
        return NetStats(
            layers=layers, KH=_tensor(state["KH"], "KH"), input_grad=_tensor(state["input_grad"], "input_grad"),
            loss=float(state["loss"]), meta=json.loads(state["meta"]),
            **{k: _tensor(state[k], k) for k in _OPTIONAL if k in state},
        )
    except (KeyError, TypeError, ValueError) as e:
        raise CorruptStats(f"malformed statistics entry: {e!r}") from e


def _tensor(value: object, what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{what} is {type(value).__name__}, expected a tensor")
    return value


def encode(stats: NetStats) -> bytes:
    buf = io.BytesIO()
    torch.save(to_state(stats), buf)
    payload = buf.getvalue()
    return MAGIC + len(payload).to_bytes(8, "little") + hashlib.sha256(payload).digest() + payload


def decode(blob: bytes) -> NetStats:
    if len(blob) < _HEADER or blob[: len(MAGIC)] != MAGIC:
        raise CorruptStats("missing header (not a zeroseg statistics file)")
    length = int.from_bytes(blob[len(MAGIC) : len(MAGIC) + 8], "little")
    payload = blob[_HEADER:]
    if len(payload) != length:
        raise CorruptStats(f"payload is {len(payload)} bytes, header says {length} (truncated?)")
    if hashlib.sha256(payload).digest() != blob[len(MAGIC) + 8 : _HEADER]:
        raise CorruptStats("checksum mismatch")
    try:
        state = torch.load(io.BytesIO(payload), weights_only=True, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - any unpickling failure means a bad entry
        raise CorruptStats(f"unreadable payload: {e!r}") from e
    if not isinstance(state, dict):
        raise CorruptStats(f"payload is {type(state).__name__}, expected a dict")
    return from_state(state)
