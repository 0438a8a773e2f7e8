"""Training-free scoring of a segmenter: any proxy on the network at random initialisation.

SasWOT (papers/saswot.md, §Method, Eq. 3-4): build the candidate at random init (weights drawn
under the search seed, so a genotype always gets the same network), run one forward + backward of
the pixel-wise cross-entropy on a real batch of the dataset (``batch.scoring_batch``) and score
the proxy, all through the proxy core (``zeroseg.proxies.genotype_context``): a registered name,
a ``.proxy`` file (a discovery winner, multi-term found proxies included) or DSL text. A proxy
built from AVT-normalised components (a ``components`` contract, e.g. ``saswot``) needs their
min/max under this search's setup: ``calibrate`` takes them from the shipped or cached bounds
(``zeroseg.proxies.avt``) or estimates them once from ``avt_samples`` random genotypes (SasWOT:
"pre-selecting a certain number of architectures in the search space at random") into the user's
cache; the bounds travel to workers in ``options()``.
"""

from __future__ import annotations

import time
from functools import cached_property
from typing import Any, Callable

import numpy as np

from zeroseg.proxies import Context, genotype_context, resolve_proxy
from zeroseg.proxies.avt import bounds_for, shipped_bounds, stored_bounds
from zeroseg.proxies.avt_cache import cache_file
from zeroseg.proxies.networks import AVT_SAMPLE_SEED, Batch
from zeroseg.scorers.base import ScoreResult, ScoringSetup, register_scorer
from zeroseg.scorers.batch import batch_name, scoring_batch
from zeroseg.spaces import create_space


@register_scorer("proxy", needs=("dataset",), training=False,
                 cost="one build + one forward/backward on the scoring batch per candidate",
                 smoke={"avt_samples": 3},
                 flags={"avt_samples": "random genotypes for the AVT min/max of a composite proxy"})
class ProxyScorer:
    """Scores genotypes of ``setup.space`` with ``proxy`` (a name, a ``.proxy`` file or DSL text)."""

    def __init__(self, setup: ScoringSetup, proxy: str = "saswot", avt_samples: int = 30,
                 avt: dict[str, list[float]] | None = None):
        self.setup, self.proxy_ref, self.avt_samples = setup, str(proxy), int(avt_samples)
        self.proxy = resolve_proxy(self.proxy_ref)
        self.components = tuple(self.proxy.contract.get("components", ()))
        self.avt = avt
        if self.components and self.avt_samples < 2:
            raise ValueError(f"avt_samples must be >= 2 to estimate AVT min/max, got {avt_samples}")

    def options(self) -> dict[str, Any]:
        return {"proxy": self.proxy_ref, "avt_samples": self.avt_samples, "avt": self.avt}

    @cached_property
    def space(self):
        return create_space(self.setup.space)

    def batch(self) -> Batch:
        s = self.setup
        x, y, _ = scoring_batch(s.dataset, s.data_root, s.input_size, s.batch_size, s.seed)
        return x, y

    def context(self, g: Any) -> Context:
        """The proxy core's context of ``g`` under this search's setup."""
        s = self.setup
        return genotype_context(s.space, g, self.batch(), num_classes=s.num_classes,
                                batch_name=batch_name(s.dataset, s.seed), seed=s.seed, device=s.device,
                                planned_needs=frozenset(self.proxy.needs), avt=self.avt)

    def calibrate(self, log: Callable[[str], None] = print) -> dict[str, Any]:
        """AVT min/max of each component under this setup: shipped or cached (``zeroseg.proxies.avt_cache``:
        a second search under the same setup scores no calibration genotype), else estimated from
        ``avt_samples`` random genotypes (rng ``default_rng([seed, 4])``) into the user's cache."""
        if not self.components or self.avt is not None:
            return {"avt": self.avt}
        t0 = time.perf_counter()
        ctx = self.context(self.space.sample(np.random.default_rng([self.setup.seed, AVT_SAMPLE_SEED])))
        key, n, seed = ctx.setup.key, self.avt_samples, self.setup.seed
        shipped = all(shipped_bounds(key, c) is not None for c in self.components)
        stored = all(stored_bounds(key, c, n, seed, log=None) is not None for c in self.components)
        bounds = bounds_for(ctx, self.components, n=n, log=log)
        self.avt = {c: [lo, hi] for c, (lo, hi) in bounds.items()}
        info = {"avt": self.avt, "key": key, "seconds": round(time.perf_counter() - t0, 2), "scored_genotypes": 0}
        if stored:
            where = "shipped bounds (zeroseg/proxies/data/avt.json)" if shipped else f"user cache ({cache_file()})"
            return {**info, "source": where}
        return {**info, "source": "estimated", "scored_genotypes": n, "samples": n, "seed": [seed, AVT_SAMPLE_SEED],
                "genotypes": [c.arch for c in ctx.siblings(n)]}

    def score(self, g: Any) -> ScoreResult:
        if self.components and self.avt is None:
            raise RuntimeError(f"proxy {self.proxy_ref!r} needs AVT bounds: call calibrate() once per search first")
        ctx = self.context(g)
        res = ctx.value(self.proxy)
        if not res.ok:
            return ScoreResult(invalid=res.invalid)
        parts = {f"raw_{c}": ctx.value(resolve_proxy(c)).value for c in self.components}
        return ScoreResult(self.proxy.sign * res.value, info={"raw": res.value, **parts, **built_params(ctx)})


def built_params(ctx: Context) -> dict[str, int]:
    """``params`` of the network the proxy built (free; equal to ``SearchSpace.cost``'s count), so the
    report's size check needs no cost model; {} when the proxy never built it (e.g. ``flops``)."""
    net = ctx.built_model()
    return {} if net is None else {"params": int(sum(p.numel() for p in net.parameters()))}
