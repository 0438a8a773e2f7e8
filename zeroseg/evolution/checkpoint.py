"""The engine's whole state as JSON, written atomically after every generation.

Everything needed to continue a run bit-for-bit is here: the numpy bit-generator state (JSON-able),
the elites (keys into the memo), the memo of every evaluated key (encoded text, values or the
rejection reason), counters, restart records, the logbook and the provenance (settings and code
versions that produced the run, compared on resume). No pickle: a checkpoint is data, never code.
``save`` writes atomically (a kill -9 at any moment leaves the previous or the new checkpoint) with
a sha256 of its body; ``load`` verifies it and checks every field's type and range, so a flipped
byte is refused naming the file instead of resuming from wrong counters or values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from zeroseg import provenance
from zeroseg.evolution.problem import Fitness
from zeroseg.jsonio import read_json, write_json

FORMAT = "zeroseg.evolution/1"


@dataclass
class MemoEntry:
    """One evaluated individual: its text, and values or the reason it was rejected."""

    text: str
    values: list[float] = field(default_factory=list)
    invalid: str | None = None
    info: dict[str, Any] | None = None
    generation: int = 0

    @property
    def fitness(self) -> Fitness:
        return Fitness(tuple(self.values), self.invalid, self.info)


@dataclass
class EngineState:
    """Mutable run state; ``generation`` counts completed generations."""

    rng_state: dict[str, Any]
    config: dict[str, Any]
    generation: int = 0
    evaluations: int = 0
    episode: int = 0
    stale: int = 0
    elites: list[str] = field(default_factory=list)
    memo: dict[str, MemoEntry] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    restarts: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    wall_time: float = 0.0
    provenance: dict[str, Any] = field(default_factory=dict)  # settings + code versions (``provenance``)

    def valid_entries(self, keys: list[str] | None = None) -> list[tuple[str, Fitness]]:
        """``(key, fitness)`` of valid memo entries (all, or those among ``keys``)."""
        keys = list(self.memo) if keys is None else keys
        return [(k, self.memo[k].fitness) for k in keys if self.memo[k].invalid is None]


def save(state: EngineState, path: str | Path) -> None:
    """Atomic, checksummed JSON write (``jsonio.write_json``: tmp file + fsync + os.replace)."""
    write_json(path, {"format": FORMAT, **asdict(state)}, indent=None, checksum=True, reasons=False)


def load(path: str | Path) -> EngineState:
    """Read a checkpoint written by :func:`save`: checksum, then schema; one clear error naming the file."""
    path = Path(path)
    payload = read_json(path, "checkpoint", checksum=True)
    found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
    if found != FORMAT:
        raise ValueError(f"checkpoint {path}: expected format {FORMAT!r}, got {found!r}")
    try:
        return _validated(payload)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"checkpoint {path} is damaged: {exc}") from None


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(what)


def _count(payload: dict[str, Any], key: str) -> int:
    v = payload[key]
    _check(isinstance(v, int) and not isinstance(v, bool) and v >= 0, f"{key} must be an integer >= 0, got {v!r}")
    return v


def _entry(key: str, v: Any) -> MemoEntry:
    """A memo entry from its JSON form; ``null`` values were non-finite floats (stored as standard JSON)."""
    _check(isinstance(v, dict) and set(v) <= _MEMO_FIELDS and isinstance(v.get("text"), str),
           f"memo entry {key[:40]!r} is not an entry ({_MEMO_FIELDS} with a text)")
    values = v.get("values", [])
    _check(isinstance(values, list) and all(x is None or isinstance(x, (int, float)) for x in values),
           f"memo entry {key[:40]!r}: values must be numbers")
    _check(v.get("invalid") is None or isinstance(v["invalid"], str), f"memo entry {key[:40]!r}: bad 'invalid'")
    _check(v.get("info") is None or isinstance(v["info"], dict), f"memo entry {key[:40]!r}: bad 'info'")
    gen = v.get("generation", 0)
    _check(isinstance(gen, int) and gen >= 0, f"memo entry {key[:40]!r}: generation must be >= 0")
    return MemoEntry(v["text"], [float("nan") if x is None else float(x) for x in values], v.get("invalid"),
                     v.get("info"), gen)


def _validated(p: dict[str, Any]) -> EngineState:
    """The state, after checking every field's type and range (a flipped byte must not pass as data)."""
    _check(set(p) - {"format"} <= _STATE_FIELDS, f"unknown fields {sorted(set(p) - _STATE_FIELDS - {'format'})}")
    _check({"rng_state", "config", "memo"} <= set(p), f"missing {sorted({'rng_state', 'config', 'memo'} - set(p))}")
    memo = p["memo"]
    _check(isinstance(memo, dict), "memo must be an object")
    entries = {str(k): _entry(k, v) for k, v in memo.items()}
    counts = {k: _count(p, k) for k in ("generation", "evaluations", "episode", "stale") if k in p}
    elites = p.get("elites", [])
    _check(isinstance(elites, list) and all(k in entries for k in elites), "elites must be keys of the memo")
    _check(counts.get("evaluations", 0) <= len(entries), "more evaluations than memo entries")
    for key in ("config", "rng_state", "rejected", "provenance"):
        _check(isinstance(p.get(key, {}), dict), f"{key} must be an object")
    for key in ("restarts", "log"):
        _check(isinstance(p.get(key, []), list), f"{key} must be a list")
    wall = p.get("wall_time", 0.0)
    _check(isinstance(wall, (int, float)) and wall >= 0, "wall_time must be >= 0")
    rng_from_state(p["rng_state"])
    rest = {k: v for k, v in p.items() if k not in ("format", "memo", *counts)}
    return EngineState(memo=entries, **counts, **rest)


def check_resume(path: str | Path, current: dict[str, Any]) -> None:
    """Before any work: refuse to resume ``path`` (when it exists) if it was written under another
    provenance than ``current`` (``zeroseg.provenance.record``), naming each differing setting."""
    path = Path(path)
    if path.exists():
        provenance.check(load(path).provenance, current, f"checkpoint {path}")


def rng_from_state(state: dict[str, Any]) -> np.random.Generator:
    """The numpy generator a checkpoint's ``rng_state`` describes."""
    cls = getattr(np.random, str(state["bit_generator"]), None)
    if not (isinstance(cls, type) and issubclass(cls, np.random.BitGenerator)):
        raise ValueError(f"rng_state names no numpy bit generator: {str(state['bit_generator'])[:40]!r}")
    bit_gen = cls()
    bit_gen.state = state
    return np.random.Generator(bit_gen)


_MEMO_FIELDS = {f.name for f in fields(MemoEntry)}
_STATE_FIELDS = {f.name for f in fields(EngineState)}
