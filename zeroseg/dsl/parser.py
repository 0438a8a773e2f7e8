"""Text syntax of proxies: a hand-written recursive-descent parser and the printer (no ``eval``).

Grammar: ``expr := NAME | NAME "(" expr ("," expr)* ")"``; whitespace is free. Names are the
registered primitives and terminals. Types are inferred bottom-up and checked at every call, so a
bad text fails with the position of the offending operand and the types that would fit there.
"""

from __future__ import annotations

from .graph import Node, ProxyGraph
from .primitives import PRIMITIVES, get_primitive, signature_table
from .types import ROOT, ProxyError, ProxySyntaxError, ProxyTypeError, type_name

MAX_LENGTH = 20_000
MAX_NESTING = 100


def to_text(graph: ProxyGraph) -> str:
    """The canonical spelling of ``graph`` (``parse(to_text(g)) == g``)."""
    return graph.text


def parse(text: str, root: type | None = ROOT, source: str | None = None) -> ProxyGraph:
    """Parse ``text`` into a typed graph whose root has type ``root`` (None: any type); errors start with
    ``source`` (the proxy's name or ``.proxy`` file) when given."""
    if source is None:
        return _parse(text, root)
    try:
        return _parse(text, root)
    except ProxyError as exc:
        raise type(exc)(f"{source}: {exc.msg}", exc.pos) from None


def _parse(text: str, root: type | None) -> ProxyGraph:
    if not isinstance(text, str):
        raise ProxySyntaxError(f"proxy text must be a str, got {type(text).__name__}", 0)
    if len(text) > MAX_LENGTH:
        raise ProxySyntaxError(f"proxy text longer than {MAX_LENGTH} characters", MAX_LENGTH)
    p = _Parser(text)
    nodes, pos = p.expr(0)
    p.skip()
    if p.i < len(text):
        raise ProxySyntaxError(f"unexpected {text[p.i]!r} after a complete expression", p.i)
    if root is not None and nodes[0].type is not root:
        hint = " (lift layer values with sum_layers or mean_layers)" if nodes[0].type.level != root.level else ""
        raise ProxyTypeError(f"the expression has type {type_name(nodes[0].type)}, expected {type_name(root)}{hint}", pos)
    return ProxyGraph(nodes)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.i = text, 0

    def skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def name(self) -> tuple[str, int]:
        self.skip()
        start = self.i
        t = self.text
        if start >= len(t):
            raise ProxySyntaxError("expected a name, got the end of the text", start)
        if not (t[start].isalpha() or t[start] == "_"):
            raise ProxySyntaxError(f"expected a name, got {t[start]!r}", start)
        # Read the whole word (non-ASCII letters too), so 'rélu' is reported as an unknown name, not as 'r'.
        while self.i < len(t) and (t[self.i].isalnum() or t[self.i] == "_"):
            self.i += 1
        return t[start : self.i], start

    def peek(self) -> str:
        self.skip()
        return self.text[self.i] if self.i < len(self.text) else ""

    def expect(self, ch: str) -> None:
        got = self.peek()
        if got != ch:
            raise ProxySyntaxError(f"expected {ch!r}, got {got!r}" if got else f"expected {ch!r}, got the end", self.i)
        self.i += 1

    def expr(self, depth: int) -> tuple[list[Node], int]:
        """Parse one expression; returns its prefix nodes and its start position."""
        if depth > MAX_NESTING:
            raise ProxySyntaxError(f"nesting deeper than {MAX_NESTING}", self.i)
        op, pos = self.name()
        if op not in PRIMITIVES:
            raise ProxySyntaxError(f"unknown primitive {op!r}; known: {', '.join(PRIMITIVES.list())}", pos)
        arity = get_primitive(op).arity
        args: list[tuple[list[Node], int]] = []
        if self.peek() == "(":
            self.i += 1
            if arity == 0:
                raise ProxyTypeError(f"{op} is a terminal and takes no arguments", pos)
            args.append(self.expr(depth + 1))
            while self.peek() == ",":
                self.i += 1
                args.append(self.expr(depth + 1))
            self.expect(")")
        if len(args) != arity:
            raise ProxyTypeError(f"{op} takes {arity} argument(s), got {len(args)}", pos)
        types = tuple(a[0][0].type for a in args)
        _check_operands(op, args, pos)
        nodes = [Node(op, signature_table()[(op, types)], types)]
        for sub, _ in args:
            nodes.extend(sub)
        return nodes, pos


def _check_operands(op: str, args: list[tuple[list[Node], int]], pos: int) -> None:
    """Raise ProxyTypeError at the first operand no signature of ``op`` accepts after the previous ones."""
    sigs = [a for a, _ in get_primitive(op).sigs]
    for k, (sub, at) in enumerate(args):
        t = sub[0].type
        fits = [a for a in sigs if a[k] is t]
        if not fits:
            want = sorted({type_name(a[k]) for a in sigs})
            given = ", ".join(type_name(s[0].type) for s, _ in args[:k])
            ctx = f" after ({given})" if given else ""
            raise ProxyTypeError(
                f"argument {k + 1} of {op} has type {type_name(t)}; expected {' or '.join(want)}{ctx}", at
            )
        sigs = fits
