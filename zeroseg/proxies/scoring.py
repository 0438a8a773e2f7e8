"""The common scoring API: one proxy or many on one TNB101 arch, sharing one ``ArchContext``.

``score_arch`` is the cold-start path (build the seeded network, load the real batch, collect the
statistics once, evaluate); its ``seconds`` is the whole wall time. ``score_many`` scores several
proxies with one build, one batch, one statistics collection and one shared gradient pass; each
result's ``seconds`` is the time its evaluation took, including any shared work it triggered
first (``ctx.timings`` breaks the shared work down).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Sequence

from zeroseg.proxies.base import ProxyResult, create_proxy
from zeroseg.proxies.context import ArchContext


def make_context(
    net_code: str,
    proxies: Sequence[str] = (),
    *,
    resolution: int = 256,
    batch_size: int = 8,
    seed: int = 0,
    device: str = "cpu",
    cache: Any = None,
    **stats_options: Any,
) -> ArchContext:
    """An ``ArchContext`` that plans for the union of the proxies' needs (one shared pass)."""
    needs = frozenset(n for p in proxies for n in create_proxy(p).needs)
    return ArchContext(net_code, resolution=resolution, batch_size=batch_size, seed=seed, device=device,
                       cache=cache, stats_options=dict(stats_options), planned_needs=needs)


def score_many(proxies: Sequence[str], net_code: str, **setup: Any) -> dict[str, ProxyResult]:
    """Score every proxy in ``proxies`` on ``net_code``; unknown names fail before any work.

    ``setup``: ``make_context``'s keywords (resolution=256, batch_size=8, seed=0, device="cpu",
    cache=None, and ``zeroseg.stats`` options dtype / max_rows / max_units).
    """
    ctx = make_context(net_code, proxies, **setup)
    return {p: ctx.value(p) for p in proxies}


def score_arch(proxy: str, net_code: str, **setup: Any) -> ProxyResult:
    """Score one proxy on one arch from a cold start; ``seconds`` = total wall time."""
    t0 = time.perf_counter()
    res = score_many([proxy], net_code, **setup)[proxy]
    return replace(res, seconds=time.perf_counter() - t0)
