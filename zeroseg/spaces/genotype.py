"""Shared genotype helpers: compact canonical text, rule checks and valid-only variation.

Genotypes are frozen dataclasses of int tuples. Their text is ``key=value;key=value`` with
small integers written as base-36 digits (``0``–``9``, ``a``–``z``) and rows separated by ``.``,
e.g. ``p=000121223321;c=17.04.34.25.53``. Parsing never evaluates text and names what is wrong.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence, TypeVar

import numpy as np

from zeroseg.spaces.base import InvalidGenotype

G = TypeVar("G")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def digits(seq: Iterable[int]) -> str:
    """Small non-negative ints (< 36) as one base-36 character each."""
    return "".join(_DIGITS[int(v)] for v in seq)


def rows(table: Iterable[Iterable[int]]) -> str:
    return ".".join(digits(r) for r in table)


def format_fields(pairs: Sequence[tuple[str, str]]) -> str:
    return ";".join(f"{k}={v}" for k, v in pairs)


def parse_fields(text: str, keys: Sequence[str], space: str) -> dict[str, str]:
    """Split ``k=v;k=v``; every key in ``keys`` exactly once, nothing else."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidGenotype(f"{space}: empty genotype text; expected fields {'; '.join(k + '=…' for k in keys)}")
    out: dict[str, str] = {}
    for i, part in enumerate(text.strip().split(";")):
        key, sep, value = part.partition("=")
        if not sep:
            raise InvalidGenotype(f"{space}: field {i} {part!r} is not key=value")
        if key not in keys:
            raise InvalidGenotype(f"{space}: unknown field {key!r} (expected {', '.join(keys)})")
        if key in out:
            raise InvalidGenotype(f"{space}: field {key!r} given twice")
        out[key] = value
    missing = [k for k in keys if k not in out]
    if missing:
        raise InvalidGenotype(f"{space}: missing field(s) {', '.join(missing)}")
    return out


def parse_digits(s: str, what: str) -> tuple[int, ...]:
    """Inverse of ``digits``; a bad character is reported with its position."""
    out = []
    for i, ch in enumerate(s):
        v = _DIGITS.find(ch)
        if v < 0:
            raise InvalidGenotype(f"{what}: character {i} {ch!r} is not a base-36 digit")
        out.append(v)
    return tuple(out)


def parse_rows(s: str, what: str) -> tuple[tuple[int, ...], ...]:
    return tuple(parse_digits(r, f"{what} row {i}") for i, r in enumerate(s.split(".")))


def check_ints(value: Any, what: str, length: int, lo: int, hi: int) -> None:
    """``value`` is a tuple of ``length`` ints in ``[lo, hi]``; else InvalidGenotype naming the spot."""
    if not isinstance(value, tuple):
        raise InvalidGenotype(f"{what}: expected a tuple, got {type(value).__name__}")
    if len(value) != length:
        raise InvalidGenotype(f"{what}: expected {length} entries, got {len(value)}")
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InvalidGenotype(f"{what}[{i}]: expected an int, got {type(v).__name__}")
        if not lo <= v <= hi:
            raise InvalidGenotype(f"{what}[{i}] = {v} is outside [{lo}, {hi}]")


def until_valid(make: Callable[[], G], validate: Callable[[G], None], what: str, tries: int = 1000,
                differs_from: G | None = None) -> G:
    """Rejection sampling: the first ``make()`` that passes ``validate`` (valid-only variation).

    ``differs_from``: also reject that genotype (a mutation must change something).
    """
    last: InvalidGenotype | None = None
    for _ in range(tries):
        g = make()
        try:
            validate(g)
            if differs_from is not None and g == differs_from:
                raise InvalidGenotype(f"{what}: unchanged")
            return g
        except InvalidGenotype as exc:
            last = exc
    raise RuntimeError(f"{what}: no valid genotype in {tries} tries (last: {last})")


def resample_one(seq: tuple[int, ...], choices: int, rng: np.random.Generator,
                 positions: Sequence[int] | None = None) -> tuple[int, ...]:
    """Point mutation: one position (of ``positions``, default all) gets a different value."""
    i = int(rng.choice(positions)) if positions is not None else int(rng.integers(len(seq)))
    new = int(rng.integers(choices - 1))
    new += new >= seq[i]
    return seq[:i] + (new,) + seq[i + 1:]


def uniform_mix(a: tuple, b: tuple, rng: np.random.Generator) -> tuple:
    """Uniform crossover of two equal-length tuples."""
    take = rng.random(len(a)) < 0.5
    return tuple(x if t else y for x, y, t in zip(a, b, take))
