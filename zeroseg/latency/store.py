"""On-disk latency measurements: one JSON file, rewritten atomically after every measurement.

Resuming means reloading the file and skipping what it already holds; the ``meta`` block (space,
device, input size, protocol, torch version) must match, so measurements from different setups
never mix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zeroseg.atomic import atomic_write
from zeroseg.latency.spec import BlockSpec

FORMAT = "zeroseg-latency/1"


@dataclass
class BlockRecord:
    """One measured block: its spec, median latency (ms) and multiply-adds."""

    spec: BlockSpec
    ms: float
    macs: int


@dataclass
class LatencyData:
    """Everything ``zeroseg latency build`` measured for one space on one device."""

    meta: dict[str, Any]
    blocks: dict[str, BlockRecord] = field(default_factory=dict)
    networks: dict[str, float] = field(default_factory=dict)  # genotype text → whole-network ms
    calibration: dict[str, list[float]] = field(default_factory=dict)  # model → [a, b] of a·Σ + b
    pending: dict[str, list[float]] = field(default_factory=dict)  # unfinished item → its timed runs so far

    def save(self, path: Path) -> None:
        doc = {"format": FORMAT, "meta": self.meta,
               "blocks": [{"spec": r.spec.to_json(), "ms": r.ms, "macs": r.macs} for r in self.blocks.values()],
               "networks": self.networks, "calibration": self.calibration, "pending": self.pending}
        atomic_write(path, json.dumps(doc, indent=1), fsync=False)

    @classmethod
    def load(cls, path: Path) -> "LatencyData":
        try:
            doc = json.loads(Path(path).read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"{path}: not a zeroseg latency file (expected format {FORMAT!r})")
        try:
            data = cls(dict(doc["meta"]), networks={str(k): float(v) for k, v in doc.get("networks", {}).items()},
                       calibration={str(k): [float(x) for x in v] for k, v in doc.get("calibration", {}).items()},
                       pending={str(k): [float(x) for x in v] for k, v in doc.get("pending", {}).items()})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{path}: malformed meta/networks/calibration/pending ({exc})") from None
        for i, rec in enumerate(doc.get("blocks", [])):
            try:
                spec = BlockSpec.from_json(rec["spec"])
                data.blocks[spec.key()] = BlockRecord(spec, float(rec["ms"]), int(rec["macs"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}: block record {i} is malformed ({exc})") from None
        return data

    def check_meta(self, meta: dict[str, Any], path: Path) -> None:
        """Refuse to resume into a file measured under a different setup."""
        diff = {k: (self.meta.get(k), v) for k, v in meta.items() if self.meta.get(k) != v}
        if diff:
            raise ValueError(f"{path}: measured under a different setup, cannot resume: "
                             + ", ".join(f"{k} was {a!r}, now {b!r}" for k, (a, b) in diff.items()))
