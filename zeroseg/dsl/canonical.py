"""Canonical form and key of a proxy, so equivalent spellings deduplicate (DESIGN: problem.key).

Rewrites, each exact in floating point: ``noop(x) → x``; ``f(f(x)) → f(x)`` for idempotent f
(abs, relu, sign); ``gt(x, y) → lt(y, x)``; operands of commutative ops sorted by their text.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from .graph import Node, ProxyGraph
from .primitives import get_primitive

_Canon = tuple[list[Node], str]


@lru_cache(maxsize=1 << 14)
def canonical(graph: ProxyGraph) -> ProxyGraph:
    """The canonical graph equivalent to ``graph`` (same value on every input); cached per process, as a
    run asks for it for the key, then to evaluate (issue 15: it was 19% of a generation)."""
    return ProxyGraph(_canon(graph, 0)[0])


def graph_key(graph: ProxyGraph) -> str:
    """A short hash of the canonical text: equal keys mean equivalent proxies."""
    return hashlib.sha1(canonical(graph).text.encode()).hexdigest()[:16]


def _canon(g: ProxyGraph, i: int) -> _Canon:
    node = g.nodes[i]
    kids = [_canon(g, c) for c in g.children[i]]
    entry = get_primitive(node.op)
    if node.op == "noop":
        return kids[0]
    if entry.idempotent and kids[0][0][0].op == node.op:
        return kids[0]
    if node.op == "gt":
        node, kids = Node("lt", node.type, node.args), kids[::-1]
    elif entry.commutative:
        kids.sort(key=lambda k: k[1])
    nodes = [node] + [n for sub, _ in kids for n in sub]
    text = f"{node.op}({', '.join(t for _, t in kids)})" if kids else node.op
    return nodes, text
