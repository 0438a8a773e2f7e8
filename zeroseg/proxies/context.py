"""Everything proxies read about one arch, each piece computed lazily and at most once.

``ArchContext`` builds the seeded TNB101 network once (each proxy gets a fresh deep copy, since
some change weights or BatchNorm), loads the real CamVid batch once, collects ``zeroseg.stats``
once (or reads it from a ``StatsCache``) and memoises the shared gradient pass and the values of
other proxies (so SasWOT reuses SasWOT− and NWOT). This is what lets ``score_many`` evaluate many
proxies on one arch with one collection.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from zeroseg.proxies.base import ProxyFailure, ProxyResult, create_proxy
from zeroseg.transnas.build import NUM_CLASSES

if TYPE_CHECKING:
    from zeroseg.proxies.passes import GradPass
    from zeroseg.stats.types import NetStats


@dataclass
class ArchContext:
    """One arch (``net_code``) under one scoring setup (resolution, batch, seed, device)."""

    net_code: str
    resolution: int = 256
    batch_size: int = 8
    seed: int = 0
    device: str = "cpu"
    cache: Any = None  # zeroseg.stats.StatsCache or None
    stats_options: dict = field(default_factory=dict)  # dtype / max_rows / max_units for collect
    planned_needs: frozenset[str] = frozenset()  # union of the needs of the proxies to be scored
    timings: dict[str, float] = field(default_factory=dict)
    _model: nn.Module | None = field(default=None, repr=False)
    _batch: tuple[torch.Tensor, torch.Tensor] | None = field(default=None, repr=False)
    _stats: Any = field(default=None, repr=False)
    _passes: dict[str, "GradPass"] = field(default_factory=dict, repr=False)
    _values: dict[str, ProxyResult] = field(default_factory=dict, repr=False)

    @property
    def space(self) -> str:
        from zeroseg.transnas import space_of

        return space_of(self.net_code)

    def _timed(self, key: str, t0: float) -> None:
        self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - t0

    def base_model(self) -> nn.Module:
        """The network as initialised under ``seed`` (built once; do not modify it)."""
        if self._model is None:
            from zeroseg.stats.arch import build_seeded

            t0 = time.perf_counter()
            self._model = build_seeded(self.net_code, self.seed).to(self.device)
            self._timed("build", t0)
        return self._model

    def model(self) -> nn.Module:
        """A fresh copy of the initialised network, free for a proxy to modify."""
        return copy.deepcopy(self.base_model())

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The real batch ``(images, labels)`` on ``device`` (``zeroseg.stats.load_batch``)."""
        if self._batch is None:
            from zeroseg.stats.batch import load_batch

            t0 = time.perf_counter()
            x, y = load_batch(self.resolution, self.batch_size, num_classes=NUM_CLASSES)
            self._batch = (x.to(self.device), y.to(self.device))
            self._timed("batch", t0)
        return self._batch

    def stats(self) -> "NetStats":
        """``zeroseg.stats.arch_stats`` (its own seeded build + collect), through ``cache``."""
        if self._stats is None:
            from zeroseg.stats.arch import arch_stats

            t0 = time.perf_counter()
            try:
                self._stats = arch_stats(self.net_code, resolution=self.resolution, batch_size=self.batch_size,
                                         seed=self.seed, device=self.device, cache=self.cache,
                                         **self.stats_options)
            except Exception as exc:  # noqa: BLE001 - one arch's failure is its invalid score, not a crash
                self._stats = ProxyFailure(f"statistics collection failed: {type(exc).__name__}: {exc}")
            self._timed("stats", t0)
        if isinstance(self._stats, ProxyFailure):
            raise self._stats
        return self._stats

    def grad_pass(self, bn: str, extras: frozenset[str] = frozenset()) -> "GradPass":
        """The shared forward+backward of the cross-entropy (``passes.GradPass``), memoised per
        BN mode; extras (``activations``, ``input_jacobian``) planned for other proxies are
        recorded in the same pass."""
        from zeroseg.proxies.passes import EXTRAS, run_grad_pass

        want = (extras | self.planned_needs) & EXTRAS
        have = self._passes.get(bn)
        if have is None or not want <= have.extras:
            t0 = time.perf_counter()
            self._passes[bn] = run_grad_pass(self, bn, want)
            self._timed(f"grad_pass_{bn}", t0)
        return self._passes[bn]

    def value(self, name: str) -> ProxyResult:
        """The result of proxy ``name`` on this arch (memoised: composite proxies reuse it)."""
        if name not in self._values:
            self._values[name] = create_proxy(name)(self)
        return self._values[name]
