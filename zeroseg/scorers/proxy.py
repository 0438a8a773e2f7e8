"""Training-free scoring of a segmenter: a DSL proxy on the network at random initialisation.

SasWOT (papers/saswot.md, §Method, Eq. 3-4): build the candidate at random init (weights drawn
under the search seed, so a genotype always gets the same network), run one forward + backward of
the pixel-wise cross-entropy on a real batch of the dataset (``batch.scoring_batch``), collect
``zeroseg.stats`` and evaluate the proxy's DSL expression(s). A composite proxy (a ``components``
contract, e.g. ``saswot`` = AVT(SasWOT−) + AVT(NWOT)) is normalised by AVT min/max estimated once per
search from ``avt_samples`` random genotypes of the same space at the same input size and batch
(SasWOT: "pre-selecting a certain number of architectures in the search space at random");
``calibrate`` does that, and the bounds travel to workers in ``options()``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from zeroseg.scorers.base import ScoreResult, ScoringSetup, register_scorer


@dataclass(frozen=True)
class Term:
    """One DSL expression the score is made of."""

    name: str
    expression: str
    sign: int


def proxy_terms(proxy: str) -> tuple[list[Term], int, bool]:
    """(terms, sign, avt?) of a registered proxy name or a ``.proxy`` file (e.g. a discovery winner)."""
    from zeroseg.proxies import PROXIES
    from zeroseg.proxies.library import read_proxy_file

    if proxy.endswith(".proxy"):
        pf = read_proxy_file(Path(proxy))
        return [Term(pf.name, pf.expression, pf.sign)], 1, False
    contract = PROXIES.entry(proxy).contract
    if "components" in contract:
        parts = [proxy_terms(c)[0][0] for c in contract["components"]]
        return [Term(t.name, t.expression, 1) for t in parts], int(contract["sign"]), True
    if "expression" in contract:
        return [Term(proxy, contract["expression"], int(contract["sign"]))], 1, False
    raise ValueError(f"proxy {proxy!r} is computed on TNB101 networks only; the segmenter search evaluates "
                     f"DSL proxies (kind='dsl', a .proxy file) or AVT composites of them (e.g. saswot)")


@register_scorer("proxy", needs=("dataset",), training=False,
                 cost="one build + one forward/backward on the scoring batch per candidate",
                 smoke={"avt_samples": 3},
                 flags={"avt_samples": "random genotypes for the AVT min/max of a composite proxy"})
class ProxyScorer:
    """Scores genotypes of ``setup.space`` with ``proxy`` (a name or a ``.proxy`` file)."""

    def __init__(self, setup: ScoringSetup, proxy: str = "saswot", avt_samples: int = 30,
                 avt: dict[str, list[float]] | None = None):
        self.setup, self.proxy, self.avt_samples = setup, proxy, int(avt_samples)
        self.terms, self.sign, self.needs_avt = proxy_terms(proxy)
        self.avt = avt
        if self.needs_avt and self.avt_samples < 2:
            raise ValueError(f"avt_samples must be >= 2 to estimate AVT min/max, got {avt_samples}")

    def options(self) -> dict[str, Any]:
        return {"proxy": self.proxy, "avt_samples": self.avt_samples, "avt": self.avt}

    @cached_property
    def space(self):
        from zeroseg.spaces import create_space

        return create_space(self.setup.space)

    @cached_property
    def graphs(self) -> list:
        from zeroseg.dsl import parse

        return [parse(t.expression) for t in self.terms]

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        from zeroseg.scorers.batch import scoring_batch

        s = self.setup
        x, y, _ = scoring_batch(s.dataset, s.data_root, s.input_size, s.batch_size, s.seed)
        return x, y

    def raw(self, g: Any) -> dict[str, float] | str:
        """Each term's value on ``g``'s network, or the reason there is none."""
        from zeroseg.dsl import evaluate_many
        from zeroseg.stats import collect

        s = self.setup
        x, y = self.batch()
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(s.seed)
                net = self.space.build(g, s.num_classes)
            stats = collect(net, x, y, seed=s.seed, device=s.device)
        except (RuntimeError, ValueError, TypeError) as exc:  # this network's failure, not the search's
            return f"statistics: {type(exc).__name__}: {exc}"
        scores = evaluate_many(self.graphs, stats)
        bad = [f"{t.name}: {sc.invalid}" for t, sc in zip(self.terms, scores) if sc.invalid]
        return "; ".join(bad) if bad else {t.name: t.sign * float(sc.value) for t, sc in zip(self.terms, scores)}

    def calibrate(self, log: Callable[[str], None] = print) -> dict[str, Any]:
        """AVT min/max of each term over ``avt_samples`` random genotypes (rng seeded by ``[seed, 4]``)."""
        if not self.needs_avt or self.avt is not None:
            return {"avt": self.avt}
        t0, rng = time.perf_counter(), np.random.default_rng([self.setup.seed, 4])
        genotypes = [self.space.sample(rng) for _ in range(self.avt_samples)]
        log(f"[search] AVT min/max of {self.proxy} from {len(genotypes)} random {self.setup.space} genotypes")
        values: dict[str, list[float]] = {t.name: [] for t in self.terms}
        for g in genotypes:
            r = self.raw(g)
            for name, v in (r.items() if isinstance(r, dict) else ()):
                values[name].append(v)
        short = [n for n, v in values.items() if len(v) < 2 or min(v) == max(v)]
        if short:
            raise RuntimeError(f"AVT estimate of {short} has fewer than 2 distinct valid values in {len(genotypes)} samples")
        self.avt = {n: [min(v), max(v)] for n, v in values.items()}
        return {"avt": self.avt, "samples": len(genotypes), "valid": {n: len(v) for n, v in values.items()},
                "seed": [self.setup.seed, 4], "seconds": round(time.perf_counter() - t0, 2),
                "genotypes": [self.space.encode(g) for g in genotypes]}

    def score(self, g: Any) -> ScoreResult:
        from zeroseg.proxies.avt import normalize

        r = self.raw(g)
        if isinstance(r, str):
            return ScoreResult(invalid=r)
        info = {f"raw_{k}": v for k, v in r.items()}
        if not self.needs_avt:
            return ScoreResult(sum(r.values()), info=info)
        if self.avt is None:
            raise RuntimeError(f"proxy {self.proxy!r} needs AVT bounds: call calibrate() once per search first")
        return ScoreResult(self.sign * sum(normalize(v, *self.avt[k]) for k, v in r.items()), info=info)
