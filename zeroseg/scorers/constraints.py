"""Hard constraints on a candidate, checked before it is built or scored whenever possible.

FLOPs and parameters come from ``SearchSpace.cost`` (counted on the meta device: nothing is
allocated), latency from a latency model or a measurement; a candidate over any limit is rejected
with a reason naming the limit (a stable string, so the engine's rejection counts group by limit;
the candidate's own value goes to the result table).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Constraints:
    """Upper limits; ``None`` means unconstrained. FLOPs as ``Cost.flops`` (2 × MACs, batch 1)."""

    max_flops: float | None = None
    max_params: float | None = None
    max_latency_ms: float | None = None

    def __post_init__(self) -> None:
        for name, v in asdict(self).items():
            if v is not None and not v > 0:
                raise ValueError(f"{name} must be positive, got {v}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def needs_cost(self) -> bool:
        return self.max_flops is not None or self.max_params is not None

    @property
    def needs_latency(self) -> bool:
        return self.max_latency_ms is not None

    def cost_violation(self, flops: float, params: float) -> str | None:
        """The first broken FLOPs/params limit, or None."""
        if self.max_flops is not None and flops > self.max_flops:
            return f"flops > max {self.max_flops:.3g}"
        if self.max_params is not None and params > self.max_params:
            return f"params > max {self.max_params:.3g}"
        return None

    def latency_violation(self, latency_ms: float) -> str | None:
        if self.max_latency_ms is not None and latency_ms > self.max_latency_ms:
            return f"latency > max {self.max_latency_ms:.3g} ms"
        return None

    def satisfied(self, info: dict[str, Any]) -> bool:
        """Does a result-table row (``flops``, ``params``, ``latency_ms``) meet every limit?"""
        checks = [(self.max_flops, "flops"), (self.max_params, "params"), (self.max_latency_ms, "latency_ms")]
        return all(lim is None or (info.get(col) is not None and info[col] <= lim) for lim, col in checks)
