"""The engine's whole state as JSON, written atomically after every generation.

Everything needed to continue a run bit-for-bit is here: the numpy bit-generator state (JSON-able),
the elites (keys into the memo), the memo of every evaluated key (encoded text, values or the
rejection reason), counters, restart records and the logbook. No pickle: a checkpoint is data,
never code. ``save`` writes to a temporary file in the same folder, fsyncs it and ``os.replace``s it
over the old one, so a kill -9 at any moment leaves either the previous or the new checkpoint.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from zeroseg.atomic import atomic_write
from zeroseg.evolution.problem import Fitness

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

    def valid_entries(self, keys: list[str] | None = None) -> list[tuple[str, Fitness]]:
        """``(key, fitness)`` of valid memo entries (all, or those among ``keys``)."""
        keys = list(self.memo) if keys is None else keys
        return [(k, self.memo[k].fitness) for k in keys if self.memo[k].invalid is None]


def save(state: EngineState, path: str | Path) -> None:
    """Atomic JSON write (tmp file in the same folder + fsync + os.replace)."""
    payload = {"format": FORMAT, **asdict(state)}
    atomic_write(path, json.dumps(payload, allow_nan=True))


def load(path: str | Path) -> EngineState:
    """Read a checkpoint written by :func:`save`; a clear error for anything else."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"checkpoint {path} is not valid JSON: {e}") from e
    found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
    if found != FORMAT:
        raise ValueError(f"checkpoint {path}: expected format {FORMAT!r}, got {found!r}")
    payload.pop("format")
    memo = {k: MemoEntry(**v) for k, v in payload.pop("memo").items()}
    return EngineState(memo=memo, **payload)
