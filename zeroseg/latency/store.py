"""On-disk latency measurements: one JSON file, rewritten atomically after every measurement.

Resuming means reloading the file and skipping what it already holds; the ``meta`` block (space,
device, input size, protocol, torch version) must match, so measurements from different setups
never mix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zeroseg.jsonio import read_json, write_json
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
        write_json(path, doc, indent=1, checksum=True)

    @classmethod
    def load(cls, path: Path) -> "LatencyData":
        """The file's data after its checksum (when it has one) and every value's range are checked."""
        doc = read_json(path, "latency file", checksum=True)
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
        data.check_values(path)
        return data

    def check_values(self, path: Path) -> None:
        """Times are finite and >= 0, calibrations ``[a, b]`` have a finite ``a > 0`` and finite ``b``."""
        bad = [f"block {k[:60]} ms={r.ms}" for k, r in self.blocks.items() if not (math.isfinite(r.ms) and r.ms >= 0)]
        bad += [f"network ms={v}" for v in self.networks.values() if not (math.isfinite(v) and v >= 0)]
        bad += [f"calibration {m}={ab}" for m, ab in self.calibration.items() if not _valid_calibration(ab)]
        if bad:
            raise ValueError(f"{path}: impossible values (damaged or edited): {', '.join(bad[:3])}"
                             + (f" and {len(bad) - 3} more" if len(bad) > 3 else ""))

    def check_meta(self, meta: dict[str, Any], path: Path) -> None:
        """Refuse to resume into a file measured under a different setup."""
        diff = {k: (self.meta.get(k), v) for k, v in meta.items() if self.meta.get(k) != v}
        if diff:
            raise ValueError(f"{path}: measured under a different setup, cannot resume: "
                             + ", ".join(f"{k} was {a!r}, now {b!r}" for k, (a, b) in diff.items()))


def _valid_calibration(ab: list[float]) -> bool:
    """``a·Σ + b`` with a positive finite factor and a finite offset (``[-1, 0]`` or NaN are refused)."""
    return len(ab) == 2 and all(math.isfinite(x) for x in ab) and ab[0] > 0
