"""The DSL's static types: shape families with a level (SasWOT §Evolution: early rejection, done statically).

A proxy is typed before anything runs, so a binary op whose operands cannot line up (SasWOT's
"dimensional mismatch") cannot even be built. Layer-level values exist once per conv/linear layer
and are combined only inside that layer; the aggregators ``sum_layers``/``mean_layers`` lift them to
the net level, where ``KH`` (NWOT's kernel) lives. The types are classes because DEAP's
``PrimitiveSetTyped`` keys its tables by class.
"""

from __future__ import annotations

Signature = tuple[tuple[type, ...], type]  # (argument types, result type)


class DslType:
    """Base of every DSL type; ``level`` is "layer" or "net", ``matrix`` says 2-D."""

    level: str = ""
    matrix: bool = False
    square: bool = False
    doc: str = ""


class Wt(DslType):
    level, matrix, doc = "layer", True, "(r, k) weight-shaped: out × in·kh·kw rows (W, G)"


class At(DslType):
    level, matrix, doc = "layer", True, "(N, u) activation-shaped: batch × kept units (A)"


class SqW(DslType):
    level, matrix, square, doc = "layer", True, True, "(r, r) square over kept weight rows"


class SqB(DslType):
    level, matrix, square, doc = "layer", True, True, "(N, N) square over the batch, per layer"


class S(DslType):
    level, doc = "layer", "layer scalar (0-d)"


class NB(DslType):
    level, matrix, square, doc = "net", True, True, "(N, N) square over the batch, whole net (KH)"


class NS(DslType):
    level, doc = "net", "net scalar (0-d): the type of a whole proxy"


TYPES: dict[str, type] = {t.__name__: t for t in (Wt, At, SqW, SqB, S, NB, NS)}
ROOT = NS
MATRICES = (Wt, At, SqW, SqB, NB)
SQUARES = (SqW, SqB, NB)
ALL = (Wt, At, SqW, SqB, S, NB, NS)


def scalar_of(t: type) -> type:
    """The scalar type of ``t``'s level (S for layer values, NS for net values)."""
    return NS if t.level == "net" else S


def square_of(t: type) -> type:
    """The square type a row-by-row product of ``t`` with itself yields (X·Yᵀ)."""
    return {Wt: SqW, At: SqB}.get(t, t)


def unary(types: tuple[type, ...], out=lambda t: t) -> tuple[Signature, ...]:
    """One signature ``(T,) -> out(T)`` per T."""
    return tuple(((t,), out(t)) for t in types)


def binary(types: tuple[type, ...], out=lambda t: t) -> tuple[Signature, ...]:
    """One signature ``(T, T) -> out(T)`` per T (operands of one type have one shape)."""
    return tuple(((t, t), out(t)) for t in types)


def type_name(t: type) -> str:
    return t.__name__


class ProxyError(ValueError):
    """A proxy text or graph is wrong; ``pos`` is the character offset in the text (or None)."""

    def __init__(self, msg: str, pos: int | None = None) -> None:
        self.msg, self.pos = msg, pos
        super().__init__(msg if pos is None else f"{msg} (at position {pos})")


class ProxySyntaxError(ProxyError):
    """The text is not a well-formed expression (bad character, unknown name, unbalanced …)."""


class ProxyTypeError(ProxyError):
    """The expression is well formed but ill typed (wrong arity, no signature for the operand types)."""
