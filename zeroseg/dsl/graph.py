"""The typed expression graph of a proxy: a networkx DiGraph whose nodes carry (op, type).

Typing is checked when a graph is built, so an ill-typed proxy cannot exist (SasWOT's early
rejection, done statically). Internally the graph is kept as its prefix order (root first), which
is also DEAP's ``PrimitiveTree`` order; the networkx view is built on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import networkx as nx

from .primitives import result_type, signature_table
from .types import ProxyTypeError, type_name


@dataclass(frozen=True)
class Node:
    """One operation: its name, result type and argument types (its signature)."""

    op: str
    type: type
    args: tuple[type, ...] = ()


class ProxyGraph:
    """A well-typed proxy expression (a tree in prefix order). Equal graphs print equally."""

    __slots__ = ("nodes", "children", "_texts", "_nx")

    def __init__(self, nodes: Sequence[Node]) -> None:
        self.nodes: tuple[Node, ...] = tuple(nodes)
        self.children: tuple[tuple[int, ...], ...] = _link(self.nodes)
        self._texts: list[str] | None = None
        self._nx: nx.DiGraph | None = None

    @classmethod
    def terminal(cls, name: str) -> "ProxyGraph":
        return cls([Node(name, result_type(name, ()))])

    @classmethod
    def apply(cls, op: str, *args: "ProxyGraph") -> "ProxyGraph":
        """``op(args…)``; raises ProxyTypeError when no signature of ``op`` fits the operand types."""
        types = tuple(a.type for a in args)
        return cls([Node(op, result_type(op, types), types)] + [n for a in args for n in a.nodes])

    @property
    def type(self) -> type:
        return self.nodes[0].type

    @property
    def subtexts(self) -> list[str]:
        """The text of the subtree rooted at every node (index = prefix position)."""
        if self._texts is None:
            texts = [""] * len(self.nodes)
            for i in range(len(self.nodes) - 1, -1, -1):
                kids = self.children[i]
                op = self.nodes[i].op
                texts[i] = f"{op}({', '.join(texts[c] for c in kids)})" if kids else op
            self._texts = texts
        return self._texts

    @property
    def text(self) -> str:
        return self.subtexts[0]

    def subtree(self, i: int) -> "ProxyGraph":
        end = i + 1
        pending = len(self.children[i])
        while pending:
            pending += len(self.children[end]) - 1
            end += 1
        return ProxyGraph(self.nodes[i:end])

    def height(self) -> int:
        depth = [0] * len(self.nodes)
        for i, kids in enumerate(self.children):
            for c in kids:
                depth[c] = depth[i] + 1
        return max(depth)

    @property
    def nx(self) -> nx.DiGraph:
        """networkx view: node i has ``op`` and ``type`` (a type name); edge (parent, child) has ``arg``."""
        if self._nx is None:
            g = nx.DiGraph()
            for i, n in enumerate(self.nodes):
                g.add_node(i, op=n.op, type=type_name(n.type))
            for i, kids in enumerate(self.children):
                for k, c in enumerate(kids):
                    g.add_edge(i, c, arg=k)
            self._nx = g
        return self._nx

    @classmethod
    def from_nx(cls, g: nx.DiGraph) -> "ProxyGraph":
        """Rebuild from a networkx tree with ``op`` on nodes and ``arg`` on edges (types are re-inferred)."""
        roots = [v for v in g.nodes if g.in_degree(v) == 0]
        if len(roots) != 1 or not nx.is_arborescence(g):
            raise ProxyTypeError("a proxy graph must be a tree with one root")

        def build(v) -> list[Node]:
            subs = [build(c) for c in sorted(g.successors(v), key=lambda c: g.edges[v, c]["arg"])]
            args = tuple(sub[0].type for sub in subs)
            op = g.nodes[v]["op"]
            return [Node(op, result_type(op, args), args)] + [n for sub in subs for n in sub]

        return cls(build(roots[0]))

    def __len__(self) -> int:
        return len(self.nodes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProxyGraph) and self.nodes == other.nodes

    def __hash__(self) -> int:
        return hash(self.nodes)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"ProxyGraph({self.text!r}: {type_name(self.type)})"


def _link(nodes: tuple[Node, ...]) -> tuple[tuple[int, ...], ...]:
    """Children of every node of a prefix sequence, checking arity and operand types."""
    if not nodes:
        raise ProxyTypeError("empty proxy graph")
    children: list[list[int]] = [[] for _ in nodes]
    open_: list[int] = []
    table = signature_table()
    for i, n in enumerate(nodes):
        if table.get((n.op, n.args)) is not n.type:
            raise ProxyTypeError(f"{n.op}{_sig(n.args)} gives {result_type(n.op, n.args).__name__}, not {n.type.__name__}")
        if i:
            if not open_:
                raise ProxyTypeError(f"node {i} ({n.op}) is left over after a complete expression")
            p = open_[-1]
            children[p].append(i)
            want = nodes[p].args[len(children[p]) - 1]
            if n.type is not want:
                raise ProxyTypeError(
                    f"argument {len(children[p])} of {nodes[p].op} is {n.op}: {n.type.__name__}, expected {want.__name__}"
                )
            if len(children[p]) == len(nodes[p].args):
                open_.pop()
        if n.args:
            open_.append(i)
    if open_:
        raise ProxyTypeError(f"{nodes[open_[-1]].op} is missing arguments")
    return tuple(tuple(c) for c in children)


def _sig(args: tuple[type, ...]) -> str:
    return "(" + ", ".join(a.__name__ for a in args) + ")"


__all__ = ["Node", "ProxyGraph"]
