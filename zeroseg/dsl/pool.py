"""Evaluate proxies on a pool of networks at once: each primitive runs once per class of its operand type.

Issue 15 (DESIGN.md, where the time goes): arch by arch, a (candidate, arch) pair cost ~200 µs, almost all
per-operation overhead. Here a layer-level value of type T is one tensor per class of T over *every* net
of the pool (``dsl.layout``: the layers whose T-shaped values agree in shape; TNB101 micro: one class
for A, KA, IW and layer scalars, 11 for W and G, instead of 550 calls per primitive); terminals are cast
and stacked once per pool and kept; canonical forms are taken once per graph; finiteness is checked
once per class result.

Each net's result equals ``Evaluator`` on that net alone, bit for bit and with the same failure text:
failures are tracked per net and base group (its first failing node; within a node its first failing
group, in its own group order, and layer); aggregators sum each net's layers in its own order (nets of
equal layer count together, along the axis torch reduces exactly as it does one net); a class is
called at once where that computes every slice as alone (``dsl.whole``: plain primitives, a reduction
to layer scalars in cache-sized blocks, ``tail_only`` ones when every slice is vector-aligned, ``alone``
ones with their one-matrix slices recomputed); other ``positional`` calls and any call that raises are
re-run on each net's own slice of each base group, as ``Evaluator`` runs them. With ``first_only``
(fitness) the work of nets after a value's first failing net is skipped.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from zeroseg.heap import hold_freed_memory
from zeroseg.stats.types import NetStats

from .canonical import canonical
from .graph import Node, ProxyGraph
from .layout import PoolLayout, TypeLayout, pad
from .memo import SubexpressionMemo
from .primitives import Invalid, get_primitive
from .types import S
from .whole import blocks, call, scalar_only, strided, whole

Fails = list  # per net: None, or the reason it has no value (Evaluator's Invalid reason)
Data = tuple  # layer level: one tensor per class of its type; net level: a 1-tuple of an (n_nets, …) tensor
TORCH_ERRORS = (RuntimeError, ValueError, ArithmeticError)
DEAD = "not evaluated: an earlier net failed"  # ``first_only``: never a graph's first failure


class PoolEvaluator(SubexpressionMemo):
    """Graphs evaluated on ``stats`` (one ``NetStats`` per net) at once; see the module doc."""

    def __init__(self, stats: Sequence[NetStats], device: str | torch.device | None = None) -> None:
        super().__init__()
        self.stats = list(stats)
        self.n = len(self.stats)
        self.device = torch.device(device) if device is not None else self.stats[0].KH.device
        self.layout = PoolLayout(self.stats, self.device)
        self._unit = (torch.ones(self.n, device=self.device),) * 2
        self._nan = torch.full((self.n,), float("nan"), device=self.device)
        self._net_slices = [(a, None, a, a + 1) for a in range(self.n)]
        self._terms: dict[str, tuple[Data, Fails]] = {}
        self._first_only = False

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
        roots, fails = [], []
        hold_freed_memory()  # freed temporaries are reused, not page-faulted anew each generation (zeroseg.heap)
        try:
            for g in canon:
                data, f = self._value(g, 0)
                roots.append(self._nan if data[0] is None else pad(data[0], self.n))
                fails.append(f)
                self._release(g.text)
        finally:  # a skipped subtree leaves its kids' counts behind: nothing outlives the call
            self._memo.clear()
            self._refs.clear()
        if not roots:
            return np.full((0, self.n), np.nan), fails
        values = torch.stack(roots).double().cpu().numpy()
        values[np.array([[f is not None for f in fs] for fs in fails])] = np.nan
        return values, fails

    def _value(self, g: ProxyGraph, i: int) -> tuple[Data, Fails]:
        """The memoised value of node ``i``; kids in order, and none after one with which every net has
        failed (a net's reason is its first failing kid's, so later kids cannot change it)."""
        key = g.subtexts[i]
        if key not in self._memo:
            kids: list[tuple[Data, Fails]] = []
            fails: Fails = [None] * self.n
            for c in g.children[i]:
                kids.append(self._value(g, c))
                fails = _first_reasons(fails, kids[-1][1])
                if None not in fails:
                    break
            node = g.nodes[i]
            if kids and None not in fails:  # every net failed in a kid: no data, the kids' reasons
                val = (None,) * (1 if node.type.level == "net" else len(self.layout.types[node.type].classes)), fails
            else:
                val = self._apply(node, kids, fails)
            self._memo[key] = self._cut(val)
            for c in g.children[i]:
                self._release(g.subtexts[c])
        return self._memo[key]

    def _cut(self, val: tuple[Data, Fails]) -> tuple[Data, Fails]:
        """``first_only``: the nets after the first failing one are ``DEAD`` (their work is skipped)."""
        data, fails = val
        j = _first_failed(fails) if self._first_only else None
        if j is None or None not in fails[j:]:
            return val
        return data, fails[:j + 1] + [DEAD if f is None else f for f in fails[j + 1:]]

    # --- nodes -----------------------------------------------------------------------------------
    def _apply(self, node: Node, kids: list[tuple[Data, Fails]], fails: Fails) -> tuple[Data, Fails]:
        """``fails``: each net's first failing kid's reason (None: no kid failed on it)."""
        entry = get_primitive(node.op)
        if entry.kind == "terminal":
            return self._terminal(node)
        if entry.kind == "aggregate":
            return self._aggregate(entry, node, kids[0][0], fails)
        net = node.type.level == "net"
        lay = None if net else self.layout.types[node.args[0]]
        out, found = [], {}
        some_failed = fails.count(None) < self.n
        for c in range(1 if net else len(lay.classes)):
            upto = self._last_needed(fails, found) + 1  # nets 0..upto-1 matter: each class's first rows
            rows = min(upto, self.n) if net else lay.prefix[c][min(upto, self.n)]
            nets = range(rows) if net else [a for a in lay.nets[c] if a < upto]
            if not nets or some_failed and all(fails[a] is not None for a in nets):  # nothing left to compute
                out.append(None)
                continue
            xs = [_rows(d[c], rows) for d, _ in kids]
            scales = None if net else self.layout.scales[node.args[0]][c]
            sc = tuple(_rows(s, rows) for s in (self._unit if net else scales.get(node.args[0], scales[None])))
            out.append(self._class_call(entry, node, xs, sc, lay, c, found, fails, rows))
        data = tuple(out) if net else self.layout.regroup(node.args[0], node.type, out)
        return data, self._merge(fails, found, net)

    def _class_call(self, entry, node: Node, xs: list, sc, lay: TypeLayout | None, c: int, found: dict,
                    fails: Fails, rows: int) -> torch.Tensor | None:
        """The first ``rows`` rows of class ``c`` of ``lay`` (None: the net level); per-net failures go to
        ``found[(net, group)]``.
        None: every net of the class has failed (here or in a kid), so there is no value to keep.
        Net by net (positional, or the class call raised), nets that failed in a kid are skipped, and with
        ``first_only`` so are the nets after the first that fails in this node."""
        if any(x is None for x in xs):
            return None
        longest = 1 if lay is None else lay.longest[c]
        if entry.positional and entry.elementwise and scalar_only(xs, longest):
            return call(entry, [strided(x) for x in xs], sc).reshape(xs[0].shape)
        before = dict(found)
        try:
            if node.type is S and not entry.positional:
                return self._reduced(entry, node, xs, sc, lay, c, found)
            y = whole(entry, xs, sc, lay, c, rows)
            if y is not None:
                if not entry.safe:
                    self._scan(y, node.op, lay, c, found)
                return y
        except (Invalid, *TORCH_ERRORS):
            found.clear()
            found.update(before)
        slices = [s for s in (self._net_slices if lay is None else lay.slices[c]) if s[3] <= rows]
        parts: list[torch.Tensor | None] = []
        last = self._last_needed(fails, found)
        for a, g, start, stop in slices:
            if fails[a] is not None or a > last:
                parts.append(None)
                continue
            try:
                parts.append(call(entry, [x[start:stop] for x in xs], tuple(s[start:stop] for s in sc)))
            except Invalid as e:
                found[(a, g)] = f"{e.reason} in {node.op}{self._where(a, lay, c, start, e.index)}"
                parts.append(None)
            except TORCH_ERRORS as e:
                found[(a, g)] = f"{node.op} failed: {type(e).__name__}: {e}"
                parts.append(None)
            if (a, g) in found and self._first_only:
                last = min(last, a)
        y = _filled(parts, [stop - start for _, _, start, stop in slices])
        if y is not None and not entry.safe:
            self._scan(y, node.op, lay, c, found)
        return y

    def _reduced(self, entry, node: Node, xs: list, sc, lay: TypeLayout, c: int, found: dict) -> torch.Tensor:
        """A reduction to layer scalars, block by block (``dsl.whole.blocks``), each block scanned; with
        ``first_only`` no block after the rows of the first net that has failed in this node (the class's
        rows are net-major: that net's rows, and all before it, are complete)."""
        parts, limit = [], None
        for lo, y in blocks(entry, xs, sc):
            if limit is not None and lo >= limit:
                break
            if not entry.safe:
                self._scan(y, node.op, lay, c, found, lo)
                if found and self._first_only:
                    limit = lay.prefix[c][min(a for a, _ in found) + 1]
            parts.append(y)
        return parts[0] if len(parts) == 1 else torch.cat(parts)

    def _last_needed(self, fails: Fails, found: dict) -> int:
        """The last net whose value still matters: every net, or with ``first_only`` the first failing one."""
        if not self._first_only:
            return self.n
        j = _first_failed(fails)
        return min([self.n if j is None else j] + [a for a, _ in found])

    def _aggregate(self, entry, node: Node, data: Data, fails: Fails) -> tuple[Data, Fails]:
        """Each net's layers summed in its own order, nets of one layer count in one call (``dim=1``)."""
        lay = self.layout.types[node.args[0]]
        flat = _filled(lay.full(data), lay.sizes)
        if flat is None:  # no layers anywhere, or every net has failed
            found = {(a, None): f"{node.op} over a net with no layers" for a, s in enumerate(self.stats) if not s.layers}
            return (None,), self._merge(fails, found, True)
        found: dict = {}
        plan = self.layout.sums[node.args[0]]
        rows = flat[plan.rows].split([n * L for n, L in plan.shapes])
        sums = []
        for (n, L), part, nets in zip(plan.shapes, rows, plan.groups):
            try:
                sums.append(entry.obj([part.view(n, L, *flat.shape[1:])], dim=1).squeeze(1))
            except TORCH_ERRORS as e:
                found.update({(a, None): f"{node.op} failed: {type(e).__name__}: {e}" for a in nets})
                sums.append(part.new_full((n, *flat.shape[1:]), float("nan")))
        if plan.order is not None:  # every net has layers: the groups' sums, back in net order
            out = torch.cat(sums)[plan.order]
        else:
            out = torch.full((self.n, *flat.shape[1:]), float("nan"), device=self.device)
            if sums:
                out[plan.nets] = torch.cat(sums)
        found.update({(a, None): f"{node.op} over a net with no layers" for a in self.layout.bare})
        self._scan(out, node.op, None, 0, found)
        return (out,), self._merge(fails, found, True)

    def _terminal(self, node: Node) -> tuple[Data, Fails]:
        if node.op not in self._terms:
            fn, found = get_primitive(node.op).obj, {}
            if node.type.level == "net":
                data = (torch.stack([self._cast(fn(s)) for s in self.stats]),)
                self._scan(data[0], node.op, None, 0, found)
            else:
                lay = self.layout.types[node.type]
                data = lay.stack([self._cast(torch.stack([fn(self.stats[a].layers[i]) for a, i in r]))
                                  for r in self.layout.rows])
                for c, t in enumerate(data):
                    self._scan(t, node.op, lay, c, found)
            self._terms[node.op] = data, self._merge([None] * self.n, found, node.type.level == "net")
        return self._terms[node.op]

    # --- failures --------------------------------------------------------------------------------
    def _scan(self, t: torch.Tensor, op: str, lay: TypeLayout | None, c: int, found: dict, offset: int = 0) -> None:
        """Record the first non-finite row of each (net, base group) in ``t``, rows ``offset``… of class ``c``
        (blocks scanned in order keep each pair's first). One pass, no temporary: a NaN or inf entry makes
        the sum non-finite; only then are the row sums, and the rows whose sum is not finite, looked at (a
        sum that merely overflows is finite entry by entry)."""
        if not t.numel() or math.isfinite(t.sum().item()):
            return
        rows = t.reshape(t.shape[0], -1)
        sums = torch.isfinite(rows.sum(dim=1))
        if bool(sums.all()):
            return
        maybe = (~sums).nonzero()[:, 0]
        bad = maybe[~torch.isfinite(rows[maybe]).all(dim=1)].cpu().numpy() + offset
        if lay is None:
            for a in bad.tolist():
                found.setdefault((a, None), f"non-finite after {op}")
            return
        nets, groups = lay.row_net[c][bad], lay.row_group[c][bad]
        _, first = np.unique(nets * len(self.layout.rows) + groups, return_index=True)
        for a, g, r in zip(nets[first].tolist(), groups[first].tolist(), bad[first].tolist()):
            if (a, g) not in found:
                found[(a, g)] = f"non-finite after {op}{self._layer(a, lay, c, r)}"

    def _merge(self, fails: Fails, found: dict, net: bool) -> Fails:
        """Kids' failures first; else the failure in the net's first failing group (its own order)."""
        out = list(fails)
        for a in {a for a, _ in found}:
            if out[a] is None:
                order = [None] if net else [g for g, _, _ in self.layout.spans[a]]
                out[a] = next(found[(a, g)] for g in order if (a, g) in found)
        return out

    def _layer(self, a: int, lay: TypeLayout, c: int, r: int) -> str:
        i = int(lay.row_layer[c][r])
        return f" at layer {i} ({self.stats[a].layers[i].name})"

    def _where(self, a: int, lay: TypeLayout | None, c: int, start: int, index: int | None) -> str:
        return "" if lay is None or index is None else self._layer(a, lay, c, start + index)

    def _cast(self, t: torch.Tensor) -> torch.Tensor:
        return t.to(device=self.device, dtype=torch.float32)


def _first_failed(fails: Fails) -> int | None:
    """The first net with a reason (None: no net has failed)."""
    if fails.count(None) == len(fails):
        return None
    return next(a for a, f in enumerate(fails) if f is not None)


def _first_reasons(fails: Fails, more: Fails) -> Fails:
    """Each net's first reason: its reason in ``fails``, else in ``more``."""
    if fails.count(None) == len(fails):
        return list(more)
    if more.count(None) == len(more):
        return fails
    return [f if f is not None else k for f, k in zip(fails, more)]


def _rows(t: torch.Tensor | None, rows: int) -> torch.Tensor | None:
    """The first ``rows`` rows of ``t`` (``t`` itself when it has no more)."""
    return t if t is None or t.shape[0] <= rows else t[:rows]


def _filled(parts: list[torch.Tensor | None], sizes: list[int]) -> torch.Tensor | None:
    """``parts`` (``sizes[k]`` rows each) concatenated, a missing part as NaN rows; None if all are missing."""
    like = next((p for p in parts if p is not None), None)
    if like is None:
        return None
    if len(parts) == 1:
        return like
    return torch.cat([p if p is not None else like.new_full((n, *like.shape[1:]), float("nan"))
                      for p, n in zip(parts, sizes)])
