"""The one scoring core: a network (an ``nn.Module`` factory or module), a batch and a loss.

Everything a proxy reads about one network is computed lazily and at most once here: the seeded
network (built once; proxies that change weights or BatchNorm statistics do so on stand-ins that
are put back, ``zeroseg.stats.scratch``), the batch on the device, ``zeroseg.stats`` (one
``collect``, through a ``StatsCache`` when the network has an ``arch`` identity), the shared
gradient pass per BN mode (in train mode the statistics pass itself, recording what the planned
proxies need: Fisher terms, the input Jacobian, differentiable gradients for GraSP, the FLOPs of
its forward) and the values of other proxies (SasWOT reuses SasWOT− and NWOT). A deep copy is made
only for a pass the statistics pass cannot serve (another BN mode, or statistics from the cache).
TNB101 codes, space genotypes and user modules are thin constructors of ``Context``
(``networks.py``); NASLib's ``find_measures(net, dataloader, …)`` is the shape.

A degenerate network (its output does not depend on its input, all weight gradients are zero,
or constant activations over the batch) is detected once from the statistics, and every proxy
then scores invalid with that reason (``Context.value``).
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

import torch
from torch import nn

from zeroseg.flop_count import forward_flops
from zeroseg.proxies.passes import EXTRAS, GradPass, GradRecorder, Loss, prepare, run_grad_pass
from zeroseg.proxies.result import ProxyFailure, ProxyResult
from zeroseg.stats.arch import seeded, through_cache
from zeroseg.stats.batch import batch_id
from zeroseg.stats.collect import collect, pixel_cross_entropy
from zeroseg.stats.types import NetStats


NO_PATH = "its output does not depend on its input (no path from input to output)"
PASS_FREE = frozenset({"model", "table"})  # needs that no forward/backward pass serves


@dataclass(frozen=True)
class Setup:
    """What scores are comparable under (AVT bounds are keyed by it): the space the network comes
    from, the input size, the batch size and the batch's name ("" = the shipped CamVid batch)."""

    space: str
    resolution: tuple[int, int]
    batch_size: int
    batch: str = ""

    @property
    def key(self) -> str:
        h, w = self.resolution
        size = f"{h}" if h == w else f"{h}x{w}"
        return f"{self.space}@{size}x{self.batch_size}" + (f"/{self.batch}" if self.batch else "")


@dataclass
class Context:
    """One network under one scoring setup. ``factory()`` builds it (called under ``seed``), or
    ``module`` is it; ``images`` (N, 3, H, W) and ``labels`` (N, H, W) are the batch."""

    factory: Callable[[], nn.Module] | None
    images: torch.Tensor | None  # None: ``batch_fn`` loads the batch on first use
    labels: torch.Tensor | None
    setup: Setup
    loss: Loss = pixel_cross_entropy
    seed: int = 0
    device: str = "cpu"
    module: nn.Module | None = None
    arch: str = ""  # the network's identity in the statistics cache ("" = never cached)
    cache: Any = None  # zeroseg.stats.StatsCache or None
    stats_options: dict = field(default_factory=dict)  # dtype / max_rows / max_units for collect
    planned_needs: frozenset[str] = frozenset()  # union of the needs of the proxies to be scored
    meta_factory: Callable[[], nn.Module] | None = None  # shapes only (FLOPs on the meta device)
    flops_input: tuple[int, int] | None = None  # (H, W) FLOPs are counted at; None = the batch's
    flops_scale_free: bool = False  # FLOPs ∝ H·W exactly at both sizes (TNB101 at multiples of its output stride)
    siblings: Callable[[int], Sequence["Context"]] | None = None  # n random networks of this setup (AVT)
    avt: dict[str, tuple[float, float]] = field(default_factory=dict)  # known AVT bounds (e.g. from a search)
    structure: Callable[[], str | None] | None = None  # why the network is degenerate, known without a pass
    batch_fn: Callable[[], tuple[torch.Tensor, torch.Tensor]] | None = None
    param_count: Callable[[], int] | None = None  # a fast count (TNB101: transnas.count_params), else the shapes'
    timings: dict[str, float] = field(default_factory=dict)
    _model: nn.Module | None = field(default=None, repr=False)
    _batch: tuple[torch.Tensor, torch.Tensor] | None = field(default=None, repr=False)
    _stats: Any = field(default=None, repr=False)
    _passes: dict[str, GradPass] = field(default_factory=dict, repr=False)
    _values: dict[str, ProxyResult] = field(default_factory=dict, repr=False)
    _degenerate: Any = field(default=False, repr=False)  # False = not checked yet
    _structural: Any = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if (self.factory is None) == (self.module is None):
            raise ValueError("a Context needs exactly one of factory (a callable building the network) or module")

    # -- what the proxies read ------------------------------------------------------------
    @property
    def space(self) -> str:
        return self.setup.space

    @property
    def resolution(self) -> tuple[int, int]:
        return self.setup.resolution

    @property
    def batch_size(self) -> int:
        return self.setup.batch_size

    @property
    def input_shape(self) -> tuple[int, ...]:
        """(N, C, H, W) of the batch."""
        return tuple(self.batch()[0].shape)

    def _timed(self, key: str, t0: float) -> None:
        self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - t0

    def base_model(self) -> nn.Module:
        """The network as initialised under ``seed`` (built once; do not modify it)."""
        if self._model is None:
            t0 = time.perf_counter()
            net = self.module if self.module is not None else seeded(self.factory, self.seed)
            self._model = net.to(self.device)
            self._timed("build", t0)
        return self._model

    def built_model(self) -> nn.Module | None:
        """The initialised network if a proxy already built it, else None (asking never builds it)."""
        return self._model

    def model(self) -> nn.Module:
        """A fresh copy of the initialised network, free for a proxy to modify."""
        return copy.deepcopy(self.base_model())

    def meta_model(self) -> nn.Module:
        """The network's shapes without storage when a meta factory is known, else the network."""
        if self.meta_factory is None:
            return self.base_model()
        with torch.device("meta"):
            return self.meta_factory()

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(images, labels)`` on ``device``."""
        if self._batch is None:
            images, labels = (self.images, self.labels) if self.images is not None else self.batch_fn()
            self._batch = (images.to(self.device), labels.to(self.device))
        return self._batch

    def stats(self) -> NetStats:
        """``zeroseg.stats.collect`` of the network on the batch, through ``cache`` when ``arch`` is set."""
        if self._stats is None:
            t0 = time.perf_counter()
            try:
                self._stats = self._collect()
            except Exception as exc:  # noqa: BLE001 - one network's failure is its invalid score, not a crash
                self._stats = ProxyFailure(f"statistics collection failed: {type(exc).__name__}: {exc}")
            self._timed("stats", t0)
        if isinstance(self._stats, ProxyFailure):
            raise self._stats
        return self._stats

    def _collect(self) -> NetStats:
        opts = dict(self.stats_options)
        settings = dict(seed=self.seed, dtype=opts.pop("dtype", torch.bfloat16), **opts)
        batch = self.setup.batch or batch_id(self.batch_size)
        custom = None if self.loss is pixel_cross_entropy else self.loss

        def compute() -> NetStats:  # the statistics pass is also the shared train-mode gradient pass
            recorder = GradRecorder(self.planned_needs)
            stats = collect(self.base_model(), *self.batch(), device=self.device, loss=custom, observer=recorder,
                            **settings)
            self._passes.setdefault("train", recorder.result)
            stats.meta.update(space=self.space, batch_id=batch, **({"net_code": self.arch} if self.arch else {}))
            return stats

        cache = self.cache if self.arch else None
        return through_cache(compute, cache, self.space, self.arch, self.resolution, batch, **settings)

    def grad_pass(self, bn: str, extras: frozenset[str] = frozenset()) -> GradPass:
        """The shared forward+backward of the loss, memoised per BN mode: in train mode the statistics
        pass itself (the base network keeps its gradients) unless the statistics came from a cache,
        else ``passes.run_grad_pass`` on a fresh copy. Extras (``activations``, ``input_jacobian``)
        planned for other proxies are recorded in the same pass."""
        want = (extras | self.planned_needs) & EXTRAS
        if bn == "train" and self._stats is None:
            self.stats()
        have = self._passes.get(bn)
        if have is None or not want <= have.extras:
            t0 = time.perf_counter()
            self._passes[bn] = run_grad_pass(prepare(self.model(), bn), *self.batch(), self.loss, want)
            self._timed(f"grad_pass_{bn}", t0)
        return self._passes[bn]

    def flops(self) -> int:
        """FLOPs of one forward at batch 1 and ``flops_input`` (else the batch's size), counted from the
        shapes of a forward that already ran (``GradPass.flops`` / batch size), else of one batch-1
        eval forward of the base network at the batch's size (``flop_count.forward_flops``). A count
        at the batch's size stands for ``flops_input`` only when ``flops_scale_free`` (×pixel ratio)."""
        (h, w), target = self.resolution, self.flops_input or self.resolution
        if tuple(target) != (h, w) and not self.flops_scale_free:
            return forward_flops(self.base_model(), target)
        ran = next((p.flops for p in self._passes.values() if p.flops), None)
        per_image = ran // len(self.batch()[0]) if ran is not None else forward_flops(self.base_model(), (h, w))
        scale, rest = divmod(per_image * target[0] * target[1], h * w)
        if rest:
            raise ValueError(f"FLOPs at {h}x{w} do not scale to {target[0]}x{target[1]} exactly")
        return scale

    # -- scoring -------------------------------------------------------------------------
    def degenerate(self, needs: Sequence[str] = ("stats",)) -> str | None:
        """Why this network cannot be scored (see the module docstring), or None. Proxies that need
        no pass (``needs`` ⊆ {model, table}: params, flops …) get only the structural check, so they
        stay pass-free."""
        if self._structural is False:
            self._structural = self.structure() if self.structure is not None else None
        if self._structural or set(needs) <= PASS_FREE:
            return self._structural
        if self._degenerate is False:
            try:
                self._degenerate = degeneracy(self.stats())
            except ProxyFailure as exc:
                self._degenerate = str(exc)
        return self._degenerate

    def value(self, proxy: Any) -> ProxyResult:
        """The result of ``proxy`` (a ``base.Proxy``) on this network, memoised by ``proxy.key``."""
        if proxy.key not in self._values:
            t0 = time.perf_counter()
            reason = self.degenerate(proxy.needs)
            res = proxy(self) if reason is None else ProxyResult(proxy.name, math.nan, f"degenerate network: {reason}")
            self._values[proxy.key] = replace(res, seconds=time.perf_counter() - t0)  # shared work it triggered too
        return self._values[proxy.key]


def degeneracy(stats: NetStats) -> str | None:
    """The reason a network's statistics make every proxy meaningless, or None."""
    if not stats.layers:
        return "no convolution or linear layer ran"
    if stats.meta.get("input_independent", not bool(stats.input_grad.ne(0).any())):
        return NO_PATH
    if all(not bool(L.G.ne(0).any()) for L in stats.layers):
        return "every weight gradient is zero"
    if stats.batch_size > 1 and all(bool((L.A == L.A[:1]).all()) for L in stats.layers):
        return "every activation is constant over the batch"
    return None
