"""Where every layer of a pool of nets lies in the pooled tensors of each DSL type (issue 15).

Base groups are the layers whose W and A shapes agree (``Evaluator``'s grouping of one net), taken
over the whole pool, net-major, each net's layers in execution order; a net's slice of a base group
is exactly the batch ``Evaluator`` computes that net's group on. A value of layer type T needs only
its own shape to agree, so it is held as one tensor per *class* of T, the base groups (in pool order)
whose T-shaped values have one shape: At by A's shape, Wt by W's, SqW by W's rows, SqB by A's rows,
S all layers. A primitive then runs once per class (TNB101 micro at 64²: Wt 11 classes, the others 1),
not once per base group; a type change (``to_sum``: Wt → S) regroups its small result.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import numpy as np
import torch

from zeroseg.stats.types import NetStats

from .types import At, S, SqB, SqW, Wt

Shapes = tuple[tuple[int, ...], tuple[int, ...]]  # (W shape, A shape) of a base group
CLASS_KEY: dict[type, Callable[[Shapes], tuple]] = {
    Wt: lambda k: k[0], At: lambda k: k[1], SqW: lambda k: k[0][:1], SqB: lambda k: k[1][:1], S: lambda k: ()}
Slice = tuple[int, int, int, int]  # (net, base group, start, stop): rows of a class tensor


class TypeLayout:
    """The classes of one layer type. A class tensor is net-major (net 0's rows of each of the class's
    base groups in pool order, then net 1's …), so the rows of nets ``0..a`` are its first
    ``prefix[c][a + 1]`` rows (``first_only`` computes only those); per class: row → (net, group, layer),
    the nets' slices (net, group, start, stop) and ``order``, the rows in base-group-major order."""

    def __init__(self, pool: "PoolLayout", key: Callable[[Shapes], tuple]) -> None:
        keyed: dict[tuple, list[int]] = {}
        for g, k in enumerate(pool.keys):
            keyed.setdefault(key(k), []).append(g)
        self.classes = list(keyed.values())
        self.sizes = [sum(len(pool.rows[g]) for g in groups) for groups in self.classes]
        self.row_net: list[np.ndarray] = []  # per class, per row: its net, base group and layer index
        self.row_group: list[np.ndarray] = []
        self.row_layer: list[np.ndarray] = []
        self.slices: list[list[Slice]] = []
        self.nets: list[list[int]] = []  # nets with rows in the class
        self.prefix: list[list[int]] = []  # rows of nets < a, a = 0..n
        self.order: list[torch.Tensor] = []  # net-major row → its base-group-major position
        self.longest: list[int] = []  # rows of the longest net slice of each class
        self.lone: list[list[int]] = []  # rows that are a net slice alone (one layer of its base group)
        self.lone_index: list[torch.Tensor] = []  # the same rows as an index tensor
        for groups in self.classes:
            major = {g: sum(len(pool.rows[h]) for h in groups[:k]) for k, g in enumerate(groups)}  # group-major offsets
            slices, order, prefix = [], [], [0]
            for a, spans in enumerate(pool.spans):
                for g, start, stop in sorted(s for s in spans if s[0] in major):
                    slices.append((a, g, len(order), len(order) + stop - start))
                    order += range(major[g] + start, major[g] + stop)
                prefix.append(len(order))
            self.slices.append(slices)
            self.order.append(torch.tensor(order, dtype=torch.long, device=pool.device))
            self.prefix.append(prefix)
            self.row_net.append(np.array([a for a, _, lo, hi in slices for _ in range(lo, hi)], dtype=np.int64))
            self.row_group.append(np.array([g for _, g, lo, hi in slices for _ in range(lo, hi)], dtype=np.int64))
            self.row_layer.append(np.array([pool.rows[g][start + k - lo][1] for a, g, lo, hi in slices
                                            for start in [self._start(pool, a, g)] for k in range(lo, hi)],
                                           dtype=np.int64))
            self.nets.append(sorted(set(self.row_net[-1].tolist())))
            self.longest.append(max((hi - lo for _, _, lo, hi in slices), default=0))
            self.lone.append([lo for _, _, lo, hi in slices if hi - lo == 1])
            self.lone_index.append(torch.tensor(self.lone[-1], dtype=torch.long, device=pool.device))

    @staticmethod
    def _start(pool: "PoolLayout", a: int, g: int) -> int:
        return next(start for h, start, _ in pool.spans[a] if h == g)

    def stack(self, per_group: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """Base-group tensors (rows net-major within each) as this type's class tensors."""
        return tuple(_cat([per_group[g] for g in groups])[order] for groups, order in zip(self.classes, self.order))

    def full(self, data: Sequence[torch.Tensor | None]) -> list[torch.Tensor | None]:
        """Class tensors of every net's rows: a prefix (``first_only``) padded, the rows after it NaN."""
        return [None if t is None else pad(t, n) for t, n in zip(data, self.sizes)]


class PoolLayout:
    """Base groups of a pool and the class layout of every layer type (see the module doc)."""

    def __init__(self, stats: Sequence[NetStats], device: torch.device) -> None:
        self.n, self.device = len(stats), device
        keyed: dict[Shapes, int] = {}
        self.keys: list[Shapes] = []
        self.rows: list[list[tuple[int, int]]] = []  # per base group: (net, layer) rows, net-major
        self.spans: list[list[tuple[int, int, int]]] = []  # per net: (group, start, stop), its own group order
        for a, s in enumerate(stats):
            local: dict[Shapes, list[int]] = {}
            for i, layer in enumerate(s.layers):
                local.setdefault((tuple(layer.W.shape), tuple(layer.A.shape)), []).append(i)
            spans = []
            for key, idx in local.items():
                g = keyed.setdefault(key, len(keyed))
                if g == len(self.rows):
                    self.rows.append([])
                    self.keys.append(key)
                spans.append((g, len(self.rows[g]), len(self.rows[g]) + len(idx)))
                self.rows[g].extend((a, i) for i in idx)
            self.spans.append(spans)
        self.bare = [a for a, s in enumerate(stats) if not s.layers]  # nets with no layers
        self.types = {t: TypeLayout(self, key) for t, key in CLASS_KEY.items()}
        self._gathers: dict[tuple[type, type], list[torch.Tensor]] = {}
        self.scales = {t: self._scales(stats, t) for t in CLASS_KEY}
        self.sums = {t: self._sum_index(t) for t in (S, SqB)}

    def regroup(self, src: type, dst: type, data: Sequence[torch.Tensor | None]) -> tuple:
        """A value computed in ``src``'s classes, laid out in ``dst``'s (a missing class or row: NaN)."""
        a, b = self.types[src], self.types[dst]
        if a.classes == b.classes:
            return tuple(data)
        parts = a.full(data)
        like = next((t for t in parts if t is not None), None)
        if like is None:
            return (None,) * len(b.classes)
        flat = torch.cat([t if t is not None else like.new_full((n, *like.shape[1:]), float("nan"))
                          for t, n in zip(parts, a.sizes)])
        return tuple(flat[idx] for idx in self._gather(src, dst))

    def _gather(self, src: type, dst: type) -> list[torch.Tensor]:
        """Per class of ``dst``: its rows' positions in the concatenated classes of ``src`` (built once)."""
        if (src, dst) not in self._gathers:
            a, b = self.types[src], self.types[dst]
            at: dict[tuple[int, int], int] = {}  # (net, group) → first row in the concatenated src classes
            base = 0
            for c, slices in enumerate(a.slices):
                at.update({(n, g): base + lo for n, g, lo, _ in slices})
                base += a.sizes[c]
            self._gathers[(src, dst)] = [
                torch.tensor([at[(n, g)] + k for n, g, lo, hi in slices for k in range(hi - lo)], dtype=torch.long,
                             device=self.device) for slices in b.slices]
        return self._gathers[(src, dst)]

    def _scales(self, stats: Sequence[NetStats], t: type) -> list[dict]:
        """Per class of ``t``: (full/kept rows, full/kept columns) of each row, for each sketched type."""
        out = []
        for c in range(len(self.types[t].classes)):
            layers = [stats[a].layers[i] for a, i in zip(self.types[t].row_net[c], self.types[t].row_layer[c])]
            r = torch.tensor([1.0 / l.row_fraction for l in layers], device=self.device)
            u = torch.tensor([1.0 / l.unit_fraction for l in layers], device=self.device)
            one = torch.ones_like(r)
            out.append({Wt: (r, one), At: (one, u), SqW: (r, r), None: (one, one)})
        return out

    def _sum_index(self, t: type) -> "SumPlan":
        """Nets grouped by layer count L, each group's (n_L, L) rows of the concatenated classes of ``t``
        (each net's layers in its own order): an aggregator sums along ``dim=1``, as ``Evaluator`` sums
        one net's layers; all groups' rows are gathered at once."""
        lay = self.types[t]
        at: dict[tuple[int, int], int] = {}
        base = 0
        for c, slices in enumerate(lay.slices):
            at.update({(n, g): base + lo for n, g, lo, _ in slices})
            base += lay.sizes[c]
        order: dict[int, tuple[list[int], list[list[int]]]] = {}
        for a, spans in enumerate(self.spans):
            idx = [at[(a, g)] + k for g, start, stop in spans for k in range(stop - start)]
            nets, rows = order.setdefault(len(idx), ([], []))
            nets.append(a)
            rows.append(idx)
        kept = [(L, nets, rows) for L, (nets, rows) in order.items() if L]
        nets = [a for _, group, _ in kept for a in group]
        every = len(nets) == self.n
        return SumPlan(torch.tensor(nets, dtype=torch.long, device=self.device),
                       torch.tensor([i for _, _, rows in kept for r in rows for i in r], dtype=torch.long,
                                    device=self.device),
                       [(len(group), L) for L, group, _ in kept], [group for _, group, _ in kept],
                       torch.tensor(np.argsort(nets), dtype=torch.long, device=self.device) if every else None)


class SumPlan(NamedTuple):
    """An aggregator's plan: ``nets`` (all nets with layers, group by group), ``rows`` (their layers'
    rows, flat), ``shapes`` ((n_L, L) per group), ``groups`` (each group's nets) and ``order`` (where
    net a lies in ``nets``; None when some net has no layers)."""

    nets: torch.Tensor
    rows: torch.Tensor
    shapes: list[tuple[int, int]]
    groups: list[list[int]]
    order: torch.Tensor | None


def _cat(parts: list[torch.Tensor]) -> torch.Tensor:
    return parts[0] if len(parts) == 1 else torch.cat(parts)


def pad(t: torch.Tensor, n: int) -> torch.Tensor:
    """``t`` with NaN rows appended up to ``n`` rows."""
    if len(t) == n:
        return t
    return torch.cat([t, t.new_full((n - len(t), *t.shape[1:]), float("nan"))])
