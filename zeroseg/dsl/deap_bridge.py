"""Conversion between proxy graphs and DEAP ``gp`` trees, so DEAP's generators, crossover and
mutation (genHalfAndHalf, cxOnePoint, mutUniform, mutNodeReplacement …) apply directly.

Each signature of a polymorphic primitive becomes one DEAP primitive named ``op__T1_T2``; DEAP's
typed operators then only ever swap subtrees of equal type, so their offspring stay well typed.
"""

from __future__ import annotations

from deap import gp

from .graph import Node, ProxyGraph
from .primitives import vocabulary
from .types import ROOT

SEP = "__"


def deap_name(op: str, args: tuple[type, ...]) -> str:
    """The DEAP primitive name of one signature of ``op`` (terminals keep their own name)."""
    return op + SEP + "_".join(t.__name__ for t in args) if args else op


def make_pset(root: type = ROOT, extra: tuple[str, ...] = ()) -> gp.PrimitiveSetTyped:
    """A fresh typed primitive set with every signature of the plain vocabulary plus the opt-in
    primitives named in ``extra``; trees have type ``root``."""
    pset = gp.PrimitiveSetTyped("proxy", [], root)
    for entry in vocabulary(extra):
        for args, ret in entry.sigs:
            if args:
                pset.addPrimitive(entry.obj, list(args), ret, name=deap_name(entry.name, args))
            else:
                pset.addTerminal(entry.name, ret, name=entry.name)
    return pset


def to_deap(graph: ProxyGraph, pset: gp.PrimitiveSetTyped) -> gp.PrimitiveTree:
    """The DEAP tree of ``graph`` (same prefix order) using ``pset``'s primitives."""
    return gp.PrimitiveTree([pset.mapping[deap_name(n.op, n.args)] for n in graph.nodes])


def from_deap(tree: gp.PrimitiveTree) -> ProxyGraph:
    """The proxy graph of a DEAP tree built from ``make_pset`` (re-checks the typing)."""
    nodes = []
    for n in tree:
        if isinstance(n, gp.Primitive):
            nodes.append(Node(n.name.split(SEP)[0], n.ret, tuple(n.args)))
        else:
            nodes.append(Node(n.name, n.ret))
    return ProxyGraph(nodes)
