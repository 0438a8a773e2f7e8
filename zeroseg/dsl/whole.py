"""A primitive on a whole class of a pool at once, each net's slice computed as if alone (``dsl.pool``).

A plain primitive's rows are independent, so one call on a class is the calls on its slices (``blocks``: a
reduction to layer scalars on blocks of ``BLOCK_BYTES`` of rows, so that its temporaries stay in cache). A
``tail_only`` one is called whole when every slice is vector-aligned; an ``alone`` one is called whole
and its one-matrix slices recomputed by its ``alone`` function; for any other ``positional`` call
``whole`` answers None and the pool calls it slice by slice. ``strided`` reproduces torch's scalar loop.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterator

import torch

from .layout import TypeLayout
from .primitives import ALIGN, LONE_MAX, SCALAR_ONLY

BLOCK_BYTES = 1 << 20  # operand bytes per call of a reduction to layer scalars (its temporaries stay in cache)


def call(entry, xs: list, sc) -> torch.Tensor:
    return entry.obj(*xs, sc=sc) if entry.sketch else entry.obj(*xs)


def whole(entry, xs: list, sc, lay: TypeLayout | None, c: int, rows: int) -> torch.Tensor | None:
    """Class ``c`` (its first ``rows`` rows) in one call, each net's slice as if computed alone; None when
    only a call per slice does that. An ``alone`` op's one-matrix slices are recomputed by ``entry.alone``
    (every net-level slice is one matrix)."""
    if not entry.positional or (entry.tail_only and aligned(xs)):
        return call(entry, xs, sc)
    if entry.alone is None or any(x[0].numel() > LONE_MAX for x in xs):
        return None
    if lay is None:
        return entry.alone(*xs)
    y = call(entry, xs, sc)  # a fresh tensor: its lone rows are overwritten in place
    lone = lay.lone_index[c][:bisect_left(lay.lone[c], rows)]
    if len(lone):
        y[lone] = entry.alone(*(x[lone] for x in xs))
    return y


def blocks(entry, xs: list, sc) -> Iterator[tuple[int, torch.Tensor]]:
    """A plain reduction of each row to a scalar on blocks of ``BLOCK_BYTES`` of operand rows, in order: (first
    row, the block's values). Its temporaries (x·y, |x − y|, …) stay in cache; its rows are independent, so
    the values are one call's."""
    n = xs[0].shape[0]
    step = max(1, BLOCK_BYTES // max(x[0].numel() * x.element_size() for x in xs))
    for i in range(0, n, step):
        yield i, call(entry, [x[i:i + step] for x in xs], tuple(s[i:i + step] for s in sc))


def aligned(xs: list[torch.Tensor]) -> bool:
    """Every net's slice of every operand starts and ends on an ``ALIGN`` boundary (a ``tail_only`` op
    then computes each element of the whole as of the slice: no element falls in a scalar tail)."""
    return all(x.is_contiguous() and (x[0].numel() if x.dim() else 1) % ALIGN == 0 for x in xs)


def scalar_only(xs: list[torch.Tensor], longest: int) -> bool:
    """Every net's slice (at most ``longest`` rows) is too short for torch's vector loop (its scalar loop
    computes all of it)."""
    return all(longest * (x[0].numel() if x.dim() else 1) < SCALAR_ONLY for x in xs)


def strided(x: torch.Tensor) -> torch.Tensor:
    """``x``'s values in a stride-2 view: not contiguous, so torch runs its scalar loop on every element."""
    buf = x.new_empty(2 * x.numel())
    buf[::2] = x.reshape(-1)
    return buf[::2]
