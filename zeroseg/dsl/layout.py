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

from typing import Callable, Sequence

import numpy as np
import torch

from zeroseg.stats.types import NetStats

from .types import At, S, SqB, SqW, Wt

Shapes = tuple[tuple[int, ...], tuple[int, ...]]  # (W shape, A shape) of a base group
CLASS_KEY: dict[type, Callable[[Shapes], tuple]] = {
    Wt: lambda k: k[0], At: lambda k: k[1], SqW: lambda k: k[0][:1], SqB: lambda k: k[1][:1], S: lambda k: ()}
Slice = tuple[int, int, int, int]  # (net, base group, start, stop): rows of a class tensor


class TypeLayout:
    """The classes of one layer type: per class its base groups, row → (net, group, layer) and the nets'
    slices; ``where[g]`` = (class, row offset) of base group ``g``."""

    def __init__(self, pool: "PoolLayout", key: Callable[[Shapes], tuple]) -> None:
        keyed: dict[tuple, list[int]] = {}
        for g, k in enumerate(pool.keys):
            keyed.setdefault(key(k), []).append(g)
        self.classes = list(keyed.values())
        self.where: dict[int, tuple[int, int]] = {}
        self.sizes: list[int] = []
        self.row_net, self.row_group, self.row_layer, self.slices, self.nets = [], [], [], [], []
        for c, groups in enumerate(self.classes):
            off, slices = 0, []
            for g in groups:
                self.where[g] = (c, off)
                slices += [(a, g, off + start, off + stop) for a, spans in enumerate(pool.spans)
                           for h, start, stop in spans if h == g]
                off += len(pool.rows[g])
            self.sizes.append(off)
            rows = [r for g in groups for r in pool.rows[g]]
            self.row_net.append(np.array([a for a, _ in rows], dtype=np.int64))
            self.row_group.append(np.array([g for g in groups for _ in pool.rows[g]], dtype=np.int64))
            self.row_layer.append(np.array([i for _, i in rows], dtype=np.int64))
            self.slices.append(slices)
            self.nets.append(sorted(set(self.row_net[-1].tolist())))

    def stack(self, per_group: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """Base-group tensors as this type's class tensors."""
        return tuple(_cat([per_group[g] for g in groups]) for groups in self.classes)

    def pieces(self, data: Sequence[torch.Tensor | None]) -> list[torch.Tensor | None]:
        """Class tensors back into base-group tensors (views)."""
        out: list[torch.Tensor | None] = []
        for g in range(len(self.where)):
            c, off = self.where[g]
            t = data[c]
            out.append(None if t is None else t[off:off + self.group_rows(g)])
        return out

    def group_rows(self, g: int) -> int:
        c, off = self.where[g]
        groups = self.classes[c]
        k = groups.index(g)
        return (self.where[groups[k + 1]][1] if k + 1 < len(groups) else self.sizes[c]) - off


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
        self.types = {t: TypeLayout(self, key) for t, key in CLASS_KEY.items()}
        self.scales = {t: self._scales(stats, t) for t in CLASS_KEY}
        self.sums = {t: self._sum_index(t) for t in (S, SqB)}

    def regroup(self, src: type, dst: type, data: Sequence[torch.Tensor | None]) -> tuple:
        """A value computed in ``src``'s classes, laid out in ``dst``'s (a missing class: NaN rows)."""
        a, b = self.types[src], self.types[dst]
        if a.classes == b.classes:
            return tuple(data)
        groups = a.pieces(data)
        like = next((t for t in groups if t is not None), None)
        if like is None:
            return (None,) * len(b.classes)
        fill = [t if t is not None else like.new_full((a.group_rows(g), *like.shape[1:]), float("nan"))
                for g, t in enumerate(groups)]
        return b.stack(fill)

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

    def _sum_index(self, t: type) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(nets, (n_L, L) rows of the concatenated classes of ``t``, each net's layers in its own order)
        per layer count L: an aggregator sums along ``dim=1``, as ``Evaluator`` sums one net's layers."""
        lay = self.types[t]
        order: dict[int, tuple[list[int], list[list[int]]]] = {}
        starts = np.cumsum([0] + lay.sizes)
        for a, spans in enumerate(self.spans):
            idx = []
            for g, start, stop in spans:
                c, off = lay.where[g]
                idx += [int(starts[c]) + off + k for k in range(start, stop)]
            nets, rows = order.setdefault(len(idx), ([], []))
            nets.append(a)
            rows.append(idx)
        return [(torch.tensor(nets, device=self.device), torch.tensor(rows, dtype=torch.long, device=self.device))
                for L, (nets, rows) in order.items() if L]


def _cat(parts: list[torch.Tensor]) -> torch.Tensor:
    return parts[0] if len(parts) == 1 else torch.cat(parts)
