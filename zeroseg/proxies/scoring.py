"""The scoring API: proxies (any reference) on one network, all through one ``Context``.

A found proxy is scored at the setup its AVT bounds were fitted at (its ``# setup:``) unless the
caller gives another input size or batch size (``fitted_setup``).

``score_network`` is NASLib's ``find_measures(net, dataloader, …)`` shape: a module (or factory),
a batch, a loss. ``score_many``/``score_arch`` do the same for a TNB101 code and
``score_genotype`` for a space's genotype. Several proxies on one network share one build, one
statistics collection and one gradient pass; each result's ``seconds`` is the time its evaluation
took, including any shared work it triggered first (``ctx.timings`` breaks that down).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable, Sequence

from torch import nn

from zeroseg.proxies.base import Proxy
from zeroseg.proxies.context import Context
from zeroseg.proxies.networks import BATCH_SIZE, RESOLUTION, Batch, genotype_context, module_context, tnb101_context
from zeroseg.proxies.passes import Loss
from zeroseg.proxies.reference import resolve_proxy
from zeroseg.proxies.result import ProxyResult

Ref = str | Proxy


def planned(proxies: Sequence[Ref]) -> tuple[list[Proxy], frozenset[str]]:
    """The resolved proxies and the union of their needs (so one shared pass records everything)."""
    made = [resolve_proxy(p) for p in proxies]
    return made, frozenset(n for p in made for n in p.needs)


def score_context(proxies: Sequence[Ref], ctx: Context) -> dict[str, ProxyResult]:
    """The one path: every proxy on ``ctx``, keyed by the reference as given."""
    made, _ = planned(proxies)
    return {str(ref) if not isinstance(ref, Proxy) else ref.name: ctx.value(p) for ref, p in zip(proxies, made)}


def fitted_setup(proxies: Sequence[Ref]) -> dict[str, Any]:
    """The input size and batch size the found proxies among ``proxies`` were fitted at (their
    ``# setup:``: their terms were chosen on statistics of that setup); {} when none carries one or
    they disagree. On a space the setup does not name, the terms' AVT bounds are that space's
    (``dsl_proxy.term_bounds``)."""
    return _fitted(planned(proxies)[0])


def _fitted(made: Sequence[Proxy]) -> dict[str, Any]:
    seen = set()
    for p in made:
        setup = p.contract.get("setup") or {}
        if "resolution" in setup and "batch_size" in setup:
            res = setup["resolution"]
            seen.add((res if isinstance(res, int) else tuple(res), int(setup["batch_size"])))
    if len(seen) != 1:
        return {}
    res, batch = seen.pop()
    return {"resolution": res, "batch_size": batch}


def scoring_setup(proxies: Sequence[Ref], resolution: Any = None, batch_size: int | None = None
                  ) -> tuple[dict[str, Any], str]:
    """The input size and batch size to score ``proxies`` with: the ones given, else the found proxies'
    own (``fitted_setup``), else the defaults; and a line saying which (empty: nothing was taken)."""
    own = fitted_setup(proxies)
    given = {"resolution": resolution, "batch_size": batch_size}
    defaults = {"resolution": RESOLUTION, "batch_size": BATCH_SIZE}
    out = {k: v if v is not None else own.get(k, defaults[k]) for k, v in given.items()}
    taken = [k for k, v in given.items() if v is None and k in own]
    why = (f"{', '.join(f'{k} {out[k]}' for k in taken)}: the setup the requested found proxies' AVT bounds were "
           f"fitted at" if taken else "")
    return out, why


def _planned_setup(proxies: Sequence[Ref], setup: dict[str, Any]) -> tuple[frozenset[str], dict[str, Any]]:
    """The proxies' needs, and ``setup`` with an input size or batch size not given (or None) taken from
    the found proxies' own (``fitted_setup``); the proxies are resolved once."""
    made, needs = planned(proxies)
    return needs, {**_fitted(made), **{k: v for k, v in setup.items() if v is not None}}


def make_context(net_code: str, proxies: Sequence[Ref] = (), **setup: Any) -> Context:
    """A TNB101 ``Context`` planned for the union of the proxies' needs; an input size or batch size not
    given (or None) is the found proxies' own (``fitted_setup``)."""
    needs, setup = _planned_setup(proxies, setup)
    return tnb101_context(net_code, planned_needs=needs, **setup)


def score_many(proxies: Sequence[Ref], net_code: str, **setup: Any) -> dict[str, ProxyResult]:
    """Score every proxy on the TNB101 arch ``net_code``; unknown references fail before any work.

    ``setup``: ``tnb101_context``'s keywords (resolution=256, batch_size=8, seed=0, device="cpu",
    cache=None, avt=None, and ``zeroseg.stats`` options dtype / max_rows / max_units).
    """
    return score_context(proxies, make_context(net_code, proxies, **setup))


def score_arch(proxy: Ref, net_code: str, **setup: Any) -> ProxyResult:
    """Score one proxy on one arch from a cold start; ``seconds`` = total wall time."""
    t0 = time.perf_counter()
    res = next(iter(score_many([proxy], net_code, **setup).values()))
    return replace(res, seconds=time.perf_counter() - t0)


def score_genotype(proxies: Sequence[Ref], space: str, genotype: Any, batch: Batch | None = None,
                   **setup: Any) -> dict[str, ProxyResult]:
    """Score proxies on a genotype (or its encoding) of a segmenter space (``genotype_context``'s keywords)."""
    needs, setup = _planned_setup(proxies, setup)
    return score_context(proxies, genotype_context(space, genotype, batch, planned_needs=needs, **setup))


def score_network(proxies: Sequence[Ref], model: nn.Module | Callable[[], nn.Module], batch: Batch | None = None, *,
                  loss: Loss | None = None, seed: int = 0, device: str = "cpu", **setup: Any) -> dict[str, ProxyResult]:
    """Score proxies on any network: ``model`` (used as is) or a factory (called under ``seed``), on
    ``batch`` = (images N×3×H×W, labels N×H×W int64; default: the shipped CamVid batch) with
    ``loss(logits, labels)`` (default: pixel-wise cross-entropy, label 255 ignored)."""
    needs, setup = _planned_setup(proxies, setup)
    ctx = module_context(model, batch, loss=loss, seed=seed, device=device, planned_needs=needs, **setup)
    return score_context(proxies, ctx)
