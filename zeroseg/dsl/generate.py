"""Random well-typed proxy graphs, deterministic given a numpy ``Generator``.

Mirrors DEAP's genHalfAndHalf (half the trees full, half grown; a grown branch stops early with the
ratio terminals/(terminals + primitives) of the whole set) but draws from the caller's ``rng`` instead
of Python's global ``random``, so one seed fixes the whole discovery run.

Uniform choice has a bias worth knowing: most NS producers are net-level ops, so only ~9% of
uniform NS trees (depth 2–5) read W, G or A. To sample SasWOT-like per-layer proxies, draw
``ProxyGraph.apply("sum_layers", random_graph(rng, lo, hi, type_=S))``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .graph import Node, ProxyGraph
from .primitives import vocabulary
from .types import ROOT


@lru_cache(maxsize=8)
def _tables(extra: tuple[str, ...] = ()) -> tuple[dict[type, list[Node]], dict[type, list[Node]], float]:
    terms: dict[type, list[Node]] = {}
    prims: dict[type, list[Node]] = {}
    sigs = [((e.name, args), ret) for e in vocabulary(extra) for args, ret in e.sigs]
    for (op, args), ret in sorted(sigs, key=lambda kv: (kv[0][0], [t.__name__ for t in kv[0][1]])):
        (prims if args else terms).setdefault(ret, []).append(Node(op, ret, args))
    n_terms = sum(map(len, terms.values()))
    return terms, prims, n_terms / (n_terms + sum(map(len, prims.values())))


def random_graph(
    rng: np.random.Generator, min_depth: int = 1, max_depth: int = 4, type_: type = ROOT, method: str = "half",
    extra: tuple[str, ...] = (),
) -> ProxyGraph:
    """A random graph of type ``type_`` and height in [min_depth, max_depth] (method: full, grow, half),
    drawn from the plain vocabulary plus the opt-in primitives named in ``extra``."""
    if method not in ("full", "grow", "half"):
        raise ValueError(f"method must be full, grow or half, got {method!r}")
    terms, prims, ratio = _tables(tuple(sorted(extra)))
    height = int(rng.integers(min_depth, max_depth + 1))
    grow = method == "grow" or (method == "half" and rng.random() < 0.5)
    nodes: list[Node] = []
    stack = [(0, type_)]
    while stack:
        depth, t = stack.pop()
        leaf = depth >= height or (grow and depth >= min_depth and rng.random() < ratio)
        choices = terms[t] if leaf or t not in prims else prims[t]
        node = choices[int(rng.integers(len(choices)))]
        nodes.append(node)
        stack.extend((depth + 1, a) for a in reversed(node.args))
    return ProxyGraph(nodes)
