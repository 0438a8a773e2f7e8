"""The registry of DSL primitives (SasWOT §Primitive operations) and terminals.

Each primitive is one function registered with its type signatures; polymorphic ops list one
signature per operand type and the DEAP bridge makes one DEAP primitive per signature. Contract
keys: ``sigs`` (signatures), ``kind`` ("terminal", "op", "aggregate"), ``sketch`` (the function takes
``sc=(row_scale, col_scale)``: full/kept along each axis of its first operand, so sums estimate
the unsketched tensor), ``safe`` (finite inputs always give finite outputs: no check needed),
``commutative`` and ``idempotent`` (used by the canonical form), ``opt_in`` (parsed and evaluated
always, but drawn by the generators and DEAP's operators only when a search names it in ``extra``:
an extension of SasWOT's vocabulary leaves the seeded runs of the plain vocabulary unchanged),
``positional`` (torch's result for an element depends on where it lies in the tensor, e.g. its
vectorised sigmoid differs in the last bit from its scalar tail: ``dsl.pool`` then applies it to each
net's own slice, so a pooled score equals the net's own), ``tail_only`` (positional only through the
scalar tail of torch's vectorised loop: a slice whose offset and size are multiples of ``ALIGN``
elements is computed as in the whole tensor, so ``dsl.pool`` may run it on the whole group then),
``elementwise`` (unary, each element's value depends on that element alone: with ``tail_only``, slices
shorter than ``SCALAR_ONLY`` elements, computed wholly by the scalar loop, are reproduced by running the
whole through a strided view, which torch computes with that same scalar loop), ``alone`` (positional only
between a batch of one matrix and a larger batch, as torch reduces a lone matrix by another algorithm:
the function computing each matrix of a batch as if it were alone, for matrices of at most ``LONE_MAX``
elements; ``dsl.pool`` then runs the op on whole classes and recomputes the one-matrix slices with it).

Ops are batched over a leading axis of B layers that share shapes (net-level values have B = 1):
matrices are ``(B, m, n)``, scalars ``(B,)``, scales ``(B,)`` tensors. Terminals take one
``LayerStats`` (or the ``NetStats``) and return one unbatched value; the evaluator stacks them.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from zeroseg.registry import Entry, Registry

from ..types import ProxyTypeError, Signature, type_name

PRIMITIVES: Registry[Callable] = Registry("dsl primitive", ("zeroseg.dsl.primitives",))


def primitive(
    name: str,
    sigs: tuple[Signature, ...],
    kind: str = "op",
    sketch: bool = False,
    safe: bool = False,
    commutative: bool = False,
    idempotent: bool = False,
    opt_in: bool = False,
    positional: bool = False,
    tail_only: bool = False,
    elementwise: bool = False,
    alone: Callable | None = None,
) -> Callable[[Callable], Callable]:
    """Register ``fn`` as primitive ``name`` with its signatures and contract."""
    arities = {len(a) for a, _ in sigs}
    assert len(arities) == 1, f"{name}: all signatures need one arity"
    return PRIMITIVES.register(
        name, sigs=tuple(sigs), arity=arities.pop(), kind=kind, sketch=sketch, safe=safe,
        commutative=commutative, idempotent=idempotent, opt_in=opt_in, positional=positional,
        tail_only=tail_only, elementwise=elementwise, alone=alone,
    )


def list_primitives(**where) -> list[str]:
    return PRIMITIVES.list(**where)


def get_primitive(name: str) -> Entry[Callable]:
    """The registry entry (``.obj`` is the function, contract as attributes); unknown → UnknownUnitError."""
    return PRIMITIVES.entry(name)


def result_type(name: str, args: tuple[type, ...]) -> type:
    """The result type of ``name`` applied to operands of types ``args``, or ProxyTypeError."""
    ret = signature_table().get((name, args))
    if ret is not None:
        return ret
    get_primitive(name)  # unknown name → UnknownUnitError listing the known ones
    shown = ", ".join(map(type_name, args))
    raise ProxyTypeError(f"{name} has no signature for ({shown}); it accepts {describe(name)}")


def describe(name: str) -> str:
    """Human-readable list of ``name``'s signatures, e.g. "(Wt, Wt)->Wt, (At, At)->At"."""
    return ", ".join(
        f"({', '.join(map(type_name, a))})->{type_name(r)}" for a, r in get_primitive(name).sigs
    )


class Invalid(Exception):
    """A value the maths does not define (e.g. a singular slogdet); ``index``: which batch entry."""

    def __init__(self, reason: str, index: int | None = None) -> None:
        self.reason, self.index = reason, index
        super().__init__(reason)


def per_entry(s: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Reshape a ``(B,)`` per-entry tensor so it broadcasts against the batched value ``x``."""
    return s.view(-1, *([1] * (x.dim() - 1)))


def same(x: torch.Tensor, y: torch.Tensor) -> bool:
    """``x`` and ``y`` view the same memory the same way (equal values: a pass over one serves both)."""
    return x is y or (x.data_ptr() == y.data_ptr() and x.shape == y.shape and x.stride() == y.stride()
                      and x.dtype == y.dtype)


MAT = (-2, -1)  # the matrix axes of a batched value
ALIGN = 64  # elements: a multiple of every CPU vector loop's block (2 × 8 floats AVX2, 2 × 16 AVX-512)
SCALAR_ONLY = 16  # elements: below every CPU vector loop's block, a contiguous slice runs the scalar loop only
LONE_MAX = 32768  # elements: torch's grain size, below which a whole-tensor reduction is one serial chunk
Scales = tuple[torch.Tensor, torch.Tensor]  # (full/kept rows, full/kept columns), each (B,)


_TABLE: dict[tuple[str, tuple[type, ...]], type] = {}


def vocabulary(extra: Sequence[str] = ()) -> tuple[Entry[Callable], ...]:
    """The entries a search draws from: every primitive not ``opt_in``, plus the opt-in ones in ``extra``."""
    known = PRIMITIVES.list(opt_in=True)
    unknown = sorted(set(extra) - set(known))
    if unknown:
        raise ValueError(f"unknown opt-in primitive(s) {unknown}; the opt-in ones are {known}")
    return tuple(e for e in PRIMITIVES.entries() if not e.opt_in or e.name in extra)


def outside_vocabulary(ops: Sequence[str], extra: Sequence[str] = ()) -> list[str]:
    """The ops among ``ops`` a search with opt-in ``extra`` cannot draw (sorted, each once)."""
    names = {e.name for e in vocabulary(extra)}
    return sorted(set(ops) - names)


def signature_table() -> dict[tuple[str, tuple[type, ...]], type]:
    """``(op, argument types) -> result type`` for every registered signature (built once)."""
    if not _TABLE:
        for e in PRIMITIVES.entries():
            _TABLE.update({(e.name, a): r for a, r in e.sigs})
    return _TABLE
