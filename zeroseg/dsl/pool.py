"""Evaluate proxies on a pool of networks at once: each primitive runs once per shape group of the pool.

Issue 15 (DESIGN.md, where the time goes): arch by arch, a (candidate, arch) pair cost ~200 µs, almost all
per-operation overhead. Here the layers of *every* net of the pool whose W and A shapes agree form one
batch (net-major, each net's layers in execution order), so a primitive runs once per pool shape group
(TNB101 micro: 11 groups for 50 archs, instead of 550 calls); terminals are cast and stacked once per
pool and kept; canonical forms are taken once per graph; finiteness is checked once per group result.

Each net's result equals ``Evaluator`` on that net alone, bit for bit and with the same failure text:
failures are tracked per net (its first failing node; within a node its first failing group, in its own
group order, and layer); aggregators sum each net's layers in its own order (nets of equal layer count
together, along the axis torch reduces exactly as it does one net); ``positional`` primitives and any
call that raises are re-run on each net's own slice, as ``Evaluator`` runs them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from zeroseg.heap import kept_memory
from zeroseg.stats.types import NetStats

from .canonical import canonical
from .graph import Node, ProxyGraph
from .memo import SubexpressionMemo
from .primitives import ALIGN, Invalid, get_primitive
from .types import At, SqW, Wt

Fails = list  # per net: None, or the reason it has no value (Evaluator's Invalid reason)
Data = tuple  # layer level: one tensor per pool group; net level: a 1-tuple of an (n_nets, …) tensor
TORCH_ERRORS = (RuntimeError, ValueError, ArithmeticError)
DEAD = "not evaluated: an earlier net failed"  # ``first_only``: never a graph's first failure


class PoolEvaluator(SubexpressionMemo):
    """Graphs evaluated on ``stats`` (one ``NetStats`` per net) at once; see the module doc."""

    def __init__(self, stats: Sequence[NetStats], device: str | torch.device | None = None) -> None:
        super().__init__()
        self.stats = list(stats)
        self.n = len(self.stats)
        self.device = torch.device(device) if device is not None else self.stats[0].KH.device
        keyed: dict[tuple, int] = {}
        self.rows: list[list[tuple[int, int]]] = []  # per pool group: (net, layer) rows, net-major
        self.spans: list[list[tuple[int, int, int]]] = []  # per net: (group, start, stop), its own group order
        for a, s in enumerate(self.stats):
            local: dict[tuple, list[int]] = {}
            for i, layer in enumerate(s.layers):
                local.setdefault((tuple(layer.W.shape), tuple(layer.A.shape)), []).append(i)
            spans = []
            for key, idx in local.items():
                g = keyed.setdefault(key, len(keyed))
                if g == len(self.rows):
                    self.rows.append([])
                spans.append((g, len(self.rows[g]), len(self.rows[g]) + len(idx)))
                self.rows[g].extend((a, i) for i in idx)
            self.spans.append(spans)
        self.row_net = [np.array([a for a, _ in r]) for r in self.rows]
        self.group_nets = [sorted(set(r.tolist())) for r in self.row_net]
        self.scales = [self._group_scales(r) for r in self.rows]
        self._unit = (torch.ones(self.n, device=self.device),) * 2
        self._classes = self._layer_classes()
        self._terms: dict[str, tuple[Data, Fails]] = {}
        self._first_only = False

    # --- layout ----------------------------------------------------------------------------------
    def _group_scales(self, rows: list[tuple[int, int]]) -> dict[type | None, tuple[torch.Tensor, torch.Tensor]]:
        layers = [self.stats[a].layers[i] for a, i in rows]
        r = torch.tensor([1.0 / l.row_fraction for l in layers], device=self.device)
        u = torch.tensor([1.0 / l.unit_fraction for l in layers], device=self.device)
        one = torch.ones_like(r)
        return {Wt: (r, one), At: (one, u), SqW: (r, r), None: (one, one)}

    def _layer_classes(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(nets, (n_L, L) row indices into the concatenated groups in each net's order) per layer count L."""
        offsets = np.cumsum([0] + [len(r) for r in self.rows])
        order: dict[int, tuple[list[int], list[list[int]]]] = {}
        for a, spans in enumerate(self.spans):
            idx = [int(offsets[g]) + k for g, start, stop in spans for k in range(start, stop)]
            nets, rows = order.setdefault(len(idx), ([], []))
            nets.append(a)
            rows.append(idx)
        return [(torch.tensor(nets, device=self.device), torch.tensor(rows, dtype=torch.long, device=self.device))
                for L, (nets, rows) in order.items() if L]

    # --- graphs ----------------------------------------------------------------------------------
    def scores(self, graphs: Sequence[ProxyGraph], first_only: bool = False) -> tuple[np.ndarray, list[Fails]]:
        """``values[i, a]`` of each NS graph on each net (NaN where it failed) and the per-net reasons.

        ``first_only`` (fitness: a graph that fails on a net is rejected with its first failing net's
        reason): once a value has failed on net j, the nets after j are marked ``DEAD`` and their work
        skipped; the first failing net and its reason, and every net before it, are as without it."""
        self._first_only = first_only
        self._memo.clear()
        self._refs.clear()
        canon = [canonical(g) for g in graphs]
        self._count_refs(canon)
        values = np.full((len(graphs), self.n), np.nan)
        fails = []
        try:
            with kept_memory():  # freed intermediates are reused, not page-faulted anew (zeroseg.heap)
                for k, g in enumerate(canon):
                    data, f = self._value(g, 0)
                    ok = [a for a in range(self.n) if f[a] is None]
                    if ok:
                        values[k, ok] = data[0].double().cpu().numpy()[ok]
                    fails.append(f)
                    self._release(g.text)
        finally:  # a skipped subtree leaves its kids' counts behind: nothing outlives the call
            self._memo.clear()
            self._refs.clear()
        return values, fails

    def _value(self, g: ProxyGraph, i: int) -> tuple[Data, Fails]:
        """The memoised value of node ``i``; kids in order, and none after one with which every net has
        failed (a net's reason is its first failing kid's, so later kids cannot change it)."""
        key = g.subtexts[i]
        if key not in self._memo:
            kids: list[tuple[Data, Fails]] = []
            for c in g.children[i]:
                kids.append(self._value(g, c))
                if self._all_failed(kids):
                    break
            node = g.nodes[i]
            val = self._failed(node, kids) if kids and self._all_failed(kids) else self._apply(node, kids)
            self._memo[key] = self._cut(val)
            for c in g.children[i]:
                self._release(g.subtexts[c])
        return self._memo[key]

    def _all_failed(self, kids: list[tuple[Data, Fails]]) -> bool:
        return all(any(f[a] is not None for _, f in kids) for a in range(self.n))

    def _failed(self, node: Node, kids: list[tuple[Data, Fails]]) -> tuple[Data, Fails]:
        """The value of a node with which every net has failed in a kid: no data, the kids' reasons."""
        fails = [next(f[a] for _, f in kids if f[a] is not None) for a in range(self.n)]
        return (None,) * (1 if node.type.level == "net" else len(self.rows)), fails

    def _cut(self, val: tuple[Data, Fails]) -> tuple[Data, Fails]:
        """``first_only``: the nets after the first failing one are ``DEAD`` (their work is skipped)."""
        data, fails = val
        j = next((a for a, f in enumerate(fails) if f is not None), None) if self._first_only else None
        if j is None or all(f is not None for f in fails[j:]):
            return val
        return data, fails[:j + 1] + [DEAD if f is None else f for f in fails[j + 1:]]

    # --- nodes -----------------------------------------------------------------------------------
    def _apply(self, node: Node, kids: list[tuple[Data, Fails]]) -> tuple[Data, Fails]:
        entry = get_primitive(node.op)
        if entry.kind == "terminal":
            return self._terminal(node)
        fails = [next((f[a] for _, f in kids if f[a] is not None), None) for a in range(self.n)]
        if entry.kind == "aggregate":
            return self._aggregate(entry, node, kids[0][0], fails)
        level = range(1) if node.type.level == "net" else range(len(self.rows))
        out, found = [], {}
        for g in level:
            nets = range(self.n) if node.type.level == "net" else self.group_nets[g]
            if all(fails[a] is not None for a in nets):  # every net here has failed already: nothing to compute
                out.append(None)
                continue
            xs = [d[g] for d, _ in kids]
            sc = self._unit if node.type.level == "net" else self.scales[g].get(node.args[0], self.scales[g][None])
            out.append(self._group_call(entry, node, xs, sc, g if node.type.level == "layer" else None, found, fails))
        return tuple(out), self._merge(fails, found, node.type.level == "net")

    def _group_call(self, entry, node: Node, xs: list, sc, g: int | None, found: dict,
                    fails: Fails) -> torch.Tensor | None:
        """One pool group (``g``; None: the net level); per-net failures go to ``found[(net, group)]``.
        None: every net of the group has failed (here or in a kid), so there is no value to keep.
        Net by net (positional, or the group call raised), nets that failed in a kid are skipped, and with
        ``first_only`` so are the nets after the first that fails in this node."""
        if any(x is None for x in xs):
            return None
        if not entry.positional or (entry.tail_only and _aligned(xs)):
            try:
                y = _call(entry, xs, sc)
                if not entry.safe:
                    self._scan(y, node.op, g, found)
                return y
            except (Invalid, *TORCH_ERRORS):
                pass
        parts: list[torch.Tensor | None] = []
        last = self._last_needed(fails, found)
        for a, start, stop in self._slices(g):
            if fails[a] is not None or a > last:
                parts.append(None)
                continue
            try:
                parts.append(_call(entry, [x[start:stop] for x in xs], tuple(s[start:stop] for s in sc)))
            except Invalid as e:
                found[(a, g)] = f"{e.reason} in {node.op}{self._where(a, g, start, e.index)}"
                parts.append(None)
            except TORCH_ERRORS as e:
                found[(a, g)] = f"{node.op} failed: {type(e).__name__}: {e}"
                parts.append(None)
            if (a, g) in found and self._first_only:
                last = min(last, a)
        y = _filled(parts, [stop - start for _, start, stop in self._slices(g)])
        if y is not None and not entry.safe:
            self._scan(y, node.op, g, found)
        return y

    def _last_needed(self, fails: Fails, found: dict) -> int:
        """The last net whose value still matters: every net, or with ``first_only`` the first failing one."""
        if not self._first_only:
            return self.n
        return min([a for a, f in enumerate(fails) if f is not None][:1] + [a for a, _ in found] + [self.n])

    def _slices(self, g: int | None) -> list[tuple[int, int, int]]:
        """(net, start, stop) of each net's rows in group ``g`` (the net level: one row per net)."""
        if g is None:
            return [(a, a, a + 1) for a in range(self.n)]
        return [(a, start, stop) for a, spans in enumerate(self.spans) for h, start, stop in spans if h == g]

    def _aggregate(self, entry, node: Node, data: Data, fails: Fails) -> tuple[Data, Fails]:
        """Each net's layers summed in its own order, nets of one layer count in one call (``dim=1``)."""
        flat = _filled(list(data), [len(r) for r in self.rows])
        if flat is None:  # no layers anywhere, or every net has failed
            found = {(a, None): f"{node.op} over a net with no layers" for a, s in enumerate(self.stats) if not s.layers}
            return (None,), self._merge(fails, found, True)
        out = torch.full((self.n, *flat.shape[1:]), float("nan"), device=self.device)
        found: dict = {}
        for nets, idx in self._classes:
            try:
                out[nets] = entry.obj([flat[idx]], dim=1).squeeze(1)
            except TORCH_ERRORS as e:
                found.update({(int(a), None): f"{node.op} failed: {type(e).__name__}: {e}" for a in nets})
        for a, s in enumerate(self.stats):
            if not s.layers:
                found[(a, None)] = f"{node.op} over a net with no layers"
        self._scan(out, node.op, None, found)
        return (out,), self._merge(fails, found, True)

    def _terminal(self, node: Node) -> tuple[Data, Fails]:
        if node.op not in self._terms:
            fn, found = get_primitive(node.op).obj, {}
            if node.type.level == "net":
                data = (torch.stack([self._cast(fn(s)) for s in self.stats]),)
                self._scan(data[0], node.op, None, found)
            else:
                data = tuple(self._cast(torch.stack([fn(self.stats[a].layers[i]) for a, i in r])) for r in self.rows)
                for g, t in enumerate(data):
                    self._scan(t, node.op, g, found)
            self._terms[node.op] = data, self._merge([None] * self.n, found, node.type.level == "net")
        return self._terms[node.op]

    # --- failures --------------------------------------------------------------------------------
    def _scan(self, t: torch.Tensor, op: str, g: int | None, found: dict) -> None:
        """Record the first non-finite row of each net in ``t``. Fast path: one sum, no temporary (a NaN or
        inf entry makes the sum non-finite; a sum that merely overflows is sorted out row by row)."""
        if not t.numel() or bool(torch.isfinite(t.sum())):
            return
        bad = (~torch.isfinite(t.reshape(t.shape[0], -1)).all(dim=1)).nonzero()[:, 0].cpu().numpy()
        nets, first = np.unique(bad if g is None else self.row_net[g][bad], return_index=True)
        for a, r in zip(nets.tolist(), bad[first].tolist()):
            if (a, g) not in found:
                found[(a, g)] = f"non-finite after {op}" + ("" if g is None else self._layer(a, g, r))

    def _merge(self, fails: Fails, found: dict, net: bool) -> Fails:
        """Kids' failures first; else the failure in the net's first failing group (its own order)."""
        out = list(fails)
        for a in {a for a, _ in found}:
            if out[a] is None:
                order = [None] if net else [g for g, _, _ in self.spans[a]]
                out[a] = next(found[(a, g)] for g in order if (a, g) in found)
        return out

    def _layer(self, a: int, g: int, r: int) -> str:
        i = self.rows[g][r][1]
        return f" at layer {i} ({self.stats[a].layers[i].name})"

    def _where(self, a: int, g: int | None, start: int, index: int | None) -> str:
        return "" if g is None or index is None else self._layer(a, g, start + index)

    def _cast(self, t: torch.Tensor) -> torch.Tensor:
        return t.to(device=self.device, dtype=torch.float32)


def _call(entry, xs: list, sc) -> torch.Tensor:
    return entry.obj(*xs, sc=sc) if entry.sketch else entry.obj(*xs)


def _aligned(xs: list[torch.Tensor]) -> bool:
    """Every net's slice of every operand starts and ends on an ``ALIGN`` boundary (a ``tail_only`` op
    then computes each element of the whole as of the slice: no element falls in a scalar tail)."""
    return all(x.is_contiguous() and (x[0].numel() if x.dim() else 1) % ALIGN == 0 for x in xs)


def _filled(parts: list[torch.Tensor | None], sizes: list[int]) -> torch.Tensor | None:
    """``parts`` (``sizes[k]`` rows each) concatenated, a missing part as NaN rows; None if all are missing."""
    like = next((p for p in parts if p is not None), None)
    if like is None:
        return None
    if len(parts) == 1:
        return like
    return torch.cat([p if p is not None else like.new_full((n, *like.shape[1:]), float("nan"))
                      for p, n in zip(parts, sizes)])
