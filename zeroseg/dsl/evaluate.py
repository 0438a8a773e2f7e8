"""Evaluate proxies on one network's statistics, vectorised in torch, on the statistics' device.

Arch-major (DESIGN.md, where the time goes): discovery loads one arch's ``NetStats`` and scores a
whole generation on it. Layers whose W and A have equal shapes are stacked into one batch, so a
primitive runs once per shape group, not once per layer. ``evaluate_many`` evaluates the canonical
form of every graph and shares every common subexpression (``softmax(W)`` is computed once for all
graphs); a shared value is freed after its last consumer, so memory stays bounded. Values are
float32 (statistics may be fp16). Runtime failures (NaN, inf, overflow, singular slogdet) become an
invalid ``Score`` with the reason (SasWOT §Evolution: collapse and overflow break a candidate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch

from zeroseg.stats.types import NetStats

from .canonical import canonical
from .graph import Node, ProxyGraph
from .memo import SubexpressionMemo
from .primitives import Invalid, get_primitive
from .types import ROOT, At, ProxyTypeError, SqW, Wt

Value = Any  # net level: a tensor with a batch axis of 1; layer level: a tuple of one tensor per group


@dataclass(frozen=True)
class Score:
    """A proxy's score on one net: ``value`` (a float) or ``invalid`` (the reason there is none)."""

    value: float | None
    invalid: str | None = None

    @property
    def ok(self) -> bool:
        return self.invalid is None


def evaluate(graph: ProxyGraph, stats: NetStats, device: str | torch.device | None = None) -> Score:
    """Score one proxy (root type NS) on ``stats``."""
    return evaluate_many([graph], stats, device)[0]


def evaluate_many(
    graphs: Sequence[ProxyGraph], stats: NetStats, device: str | torch.device | None = None
) -> list[Score]:
    """Score many proxies on one net, computing each shared subexpression once."""
    bad = [g for g in graphs if g.type is not ROOT]
    if bad:
        raise ProxyTypeError(f"a proxy must have type {ROOT.__name__}; {bad[0].text} has {bad[0].type.__name__}")
    return [
        Score(None, v.reason) if isinstance(v, Invalid) else Score(float(v[0].item()))
        for v in Evaluator(stats, device).values(graphs)
    ]


class Evaluator(SubexpressionMemo):
    """Evaluates graphs of any type on one ``NetStats``; terminals are cast and stacked once."""

    def __init__(self, stats: NetStats, device: str | torch.device | None = None) -> None:
        super().__init__()
        self.stats = stats
        self.device = torch.device(device) if device is not None else stats.KH.device
        shapes: dict[tuple, list[int]] = {}
        for i, layer in enumerate(stats.layers):
            shapes.setdefault((tuple(layer.W.shape), tuple(layer.A.shape)), []).append(i)
        self.groups: list[list[int]] = list(shapes.values())  # layer indices of each shape group
        self.scales = [self._group_scales(g) for g in self.groups]
        self._unit = (torch.ones(1, device=self.device),) * 2
        self._terms: dict[str, Value] = {}

    def values(self, graphs: Sequence[ProxyGraph]) -> list[Value]:
        """The value of each graph (batched tensors as described by ``Value``, or ``Invalid``)."""
        canon = [canonical(g) for g in graphs]
        self._count_refs(canon)
        out = []
        for g in canon:
            out.append(self._value(g, 0))
            self._release(g.text)
        return out

    def per_layer(self, value: Value) -> list[torch.Tensor]:
        """A layer-level value unstacked into one tensor per layer, in execution order."""
        flat = {i: t for group, v in zip(self.groups, value) for i, t in zip(group, v.unbind(0))}
        return [flat[i] for i in range(len(flat))]

    def _group_scales(self, group: list[int]) -> dict[type, tuple[torch.Tensor, torch.Tensor]]:
        """(full/kept rows, full/kept columns) per layer of the group, for each sketched layer type."""
        layers = [self.stats.layers[i] for i in group]
        rows = torch.tensor([1.0 / l.row_fraction for l in layers], device=self.device)
        units = torch.tensor([1.0 / l.unit_fraction for l in layers], device=self.device)
        one = torch.ones_like(rows)
        return {Wt: (rows, one), At: (one, units), SqW: (rows, rows), None: (one, one)}

    def _value(self, g: ProxyGraph, i: int) -> Value:
        key = g.subtexts[i]
        if key in self._memo:
            return self._memo[key]
        kids = [self._value(g, c) for c in g.children[i]]
        failed = next((k for k in kids if isinstance(k, Invalid)), None)
        val = failed if failed is not None else self._apply(g.nodes[i], kids)
        self._memo[key] = val
        for c in g.children[i]:
            self._release(g.subtexts[c])
        return val

    def _apply(self, node: Node, kids: list[Value]) -> Value:
        entry = get_primitive(node.op)
        try:
            if entry.kind == "terminal":
                return self._terminal(node)
            if entry.kind == "aggregate":
                if not kids[0]:
                    return Invalid(f"{node.op} over a net with no layers")
                return self._check(entry.obj(list(kids[0])), node.op, None)
            if node.type.level == "net":
                return self._call(entry, node, kids, self._unit, None)
            return tuple(
                self._call(entry, node, [k[j] for k in kids], self.scales[j].get(node.args[0], self.scales[j][None]), j)
                for j in range(len(self.groups))
            )
        except Invalid as e:
            return e
        except (RuntimeError, ValueError, ArithmeticError) as e:  # torch errors: a value, not a crash
            return Invalid(f"{node.op} failed: {type(e).__name__}: {e}")

    def _call(self, entry, node: Node, xs: list, sc, group: int | None) -> torch.Tensor:
        try:
            y = entry.obj(*xs, sc=sc) if entry.sketch else entry.obj(*xs)
        except Invalid as e:
            raise Invalid(f"{e.reason} in {node.op}{self._where(group, e.index)}") from None
        return y if entry.safe else self._check(y, node.op, group)

    def _terminal(self, node: Node) -> Value:
        if node.op not in self._terms:
            fn = get_primitive(node.op).obj
            if node.type.level == "net":
                val = self._check(self._cast(fn(self.stats)).unsqueeze(0), node.op, None)
            else:
                val = tuple(
                    self._check(self._cast(torch.stack([fn(self.stats.layers[i]) for i in g])), node.op, j)
                    for j, g in enumerate(self.groups)
                )
            self._terms[node.op] = val
        return self._terms[node.op]

    def _cast(self, t: torch.Tensor) -> torch.Tensor:
        return t.to(device=self.device, dtype=torch.float32)

    def _check(self, t: torch.Tensor, op: str, group: int | None) -> torch.Tensor:
        """``t`` if all finite (max |t| propagates NaN/inf and is far cheaper than isfinite().all())."""
        if t.numel() and not bool(torch.isfinite(t.abs().amax())):
            bad = ~torch.isfinite(t.reshape(t.shape[0], -1)).all(dim=1)
            raise Invalid(f"non-finite after {op}{self._where(group, int(bad.nonzero()[0, 0]))}")
        return t

    def _where(self, group: int | None, index: int | None) -> str:
        if group is None or index is None:
            return ""
        i = self.groups[group][index]
        return f" at layer {i} ({self.stats.layers[i].name})"
