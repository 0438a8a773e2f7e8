"""DSL proxies as ``Proxy`` objects: one expression, or a found proxy's weighted AVT terms.

Both are evaluated by ``zeroseg.dsl`` on the context's statistics (``Context.stats``), so they
score any network the core can build: a TNB101 code, a space's genotype or a user's module.
Expressions are parsed by the DSL's parser (never ``eval``) once per process.

A found proxy's stored AVT bounds hold under the setup they were estimated at (its ``# setup:``:
space, input size, batch size, batch). Scored under another setup, its terms are normalised by
their bounds *at that setup* (SasWOT Eq. 4 computes AVT per search space: shipped, cached or
estimated once from random networks of the context's space, ``avt.bounds_for``), and a line says
so once per process; stored bounds are never applied to values of another setup.
"""

from __future__ import annotations

import math
import sys
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

from zeroseg.dsl import ProxyGraph, evaluate, evaluate_many, parse
from zeroseg.proxies.avt import avt_key, bounds_for, weighted_sum
from zeroseg.proxies.base import PROXIES, Proxy, create_proxy
from zeroseg.proxies.result import ProxyFailure

NEEDS = ("labels", "gradients", "stats")


@lru_cache(maxsize=None)
def graph(expression: str) -> ProxyGraph:
    """The parsed expression (``ProxySyntaxError``/``ProxyTypeError`` with the position when bad)."""
    return parse(expression)


def expression_fn(expression: str, name: str) -> Callable[[Any], float]:
    """``fn(ctx)``: the expression's value on ``ctx.stats()`` (parsed on first use)."""

    def dsl_proxy(ctx: Any) -> float:
        score = evaluate(graph(expression), ctx.stats())
        if score.invalid:
            raise ProxyFailure(score.invalid)
        return float(score.value)

    dsl_proxy.__name__ = name
    return dsl_proxy


def is_named(expression: str) -> bool:
    """A term that names a registered proxy (a built-in such as ``jacov``) rather than DSL text."""
    return expression in PROXIES


def term_values(terms: Sequence[Any], ctx: Any) -> tuple[list[float], list[str]]:
    """Each term's value on ``ctx`` and the reasons of those that have none. DSL terms are evaluated
    together on the statistics; a named term is that proxy's score with its sign applied (higher =
    better), computed by the core like any proxy."""
    dsl = [t.expression for t in terms if not is_named(t.expression)]
    scores = dict(zip(dsl, evaluate_many([graph(e) for e in dsl], ctx.stats()))) if dsl else {}
    values, bad = [], []
    for i, t in enumerate(terms):
        if is_named(t.expression):
            proxy = create_proxy(t.expression)
            res = ctx.value(proxy)
            value, why = proxy.sign * res.value, res.invalid
        else:
            value, why = scores[t.expression].value, scores[t.expression].invalid
        values.append(float(value) if why is None else float("nan"))
        if why is not None:
            bad.append(f"term {i + 1} ({t.expression}): {why}")
    return values, bad


def setup_spaces(setup: Mapping[str, Any]) -> tuple[str, ...]:
    """The spaces a stored setup names (``space=micro+macro``: a joint proxy); () when it names none."""
    return tuple(s for s in str(setup.get("space", "")).split("+") if s)


def stored_key(setup: Mapping[str, Any], space: str) -> str | None:
    """``Setup.key`` of a stored setup for a network of ``space`` (None: the setup does not cover
    ``space``, or names no input size and batch size)."""
    spaces = setup_spaces(setup)
    if spaces and space not in spaces or "resolution" not in setup or "batch_size" not in setup:
        return None
    res = setup["resolution"]
    return avt_key(space, res if isinstance(res, int) else tuple(res), int(setup["batch_size"]),
                   str(setup.get("batch", "")))


def term_proxy(expression: str) -> Proxy:
    """A term as a proxy: the registered one it names, or its DSL text inline."""
    return create_proxy(expression) if is_named(expression) else inline_proxy(expression)


_NOTED: set[tuple[str, str]] = set()


def term_bounds(terms: Sequence[Any], setup: Mapping[str, Any], name: str, ctx: Any) -> list[tuple[float, float]]:
    """Each term's AVT (lo, hi) on ``ctx``: the stored ones under the stored setup (a file without
    one: always), else the term's bounds at ``ctx.setup`` (a named term's with its sign applied)."""
    stored = [(t.lo, t.hi) for t in terms]
    if not setup or stored_key(setup, ctx.setup.space) == ctx.setup.key:
        return stored
    if (name, ctx.setup.key) not in _NOTED:
        _NOTED.add((name, ctx.setup.key))
        held = ", ".join(k for k in (stored_key(setup, sp) for sp in setup_spaces(setup)) if k) or \
            " ".join(f"{k}={v}" for k, v in setup.items())
        print(f"[found] {name}: its stored AVT bounds hold at {held}; at {ctx.setup.key} its terms are "
              f"normalised by their bounds there (SasWOT Eq. 4)", file=sys.stderr)
    made = [term_proxy(t.expression) for t in terms]
    got = bounds_for(ctx, made)
    out = []
    for p in made:
        lo, hi = got[p.name]
        out.append((lo, hi) if p.sign > 0 else (-hi, -lo))  # term values are sign·score
    return out


def terms_fn(terms: Sequence[Any], name: str, setup: Mapping[str, Any] | None = None) -> Callable[[Any], float]:
    """``fn(ctx)``: Σ_i w_i · AVT(term_i) (``library.Term``s), bounds by ``term_bounds``; a term the network
    cannot score contributes 0 (its minimum), as in the fit; none: invalid, with every term's reason."""

    def found_proxy(ctx: Any) -> float:
        values, bad = term_values(terms, ctx)
        if len(bad) == len(terms):
            raise ProxyFailure("; ".join(bad))
        lims = term_bounds(terms, setup or {}, name, ctx)
        # as in the fit (``discovery.ensemble.Term.apply``): a term this network cannot score contributes its minimum
        values = [lo if math.isnan(v) else v for v, (lo, _) in zip(values, lims)]
        return float(weighted_sum(values, lims, [t.weight for t in terms]))

    found_proxy.__name__ = name
    return found_proxy


def inline_proxy(text: str) -> Proxy:
    """DSL text as a proxy named by the text itself (sign +1)."""
    return Proxy(text, expression_fn(text, text), dict(needs=NEEDS, bn="train", sign=1, kind="dsl",
                                                        provenance="inline DSL text", expression=text))
