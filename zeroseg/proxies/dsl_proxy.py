"""DSL proxies as ``Proxy`` objects: one expression, or a found proxy's weighted AVT terms.

Both are evaluated by ``zeroseg.dsl`` on the context's statistics (``Context.stats``), so they
score any network the core can build: a TNB101 code, a space's genotype or a user's module.
Expressions are parsed by the DSL's parser (never ``eval``) once per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Sequence

from zeroseg.dsl import ProxyGraph, evaluate, evaluate_many, parse
from zeroseg.proxies.avt import weighted_sum
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


def terms_fn(terms: Sequence[Any], name: str) -> Callable[[Any], float]:
    """``fn(ctx)``: Σ_i w_i · AVT(term_i) with each term's stored (lo, hi) (``library.Term``s)."""

    def found_proxy(ctx: Any) -> float:
        values, bad = term_values(terms, ctx)
        if bad:
            raise ProxyFailure("; ".join(bad))
        return float(weighted_sum(values, [(t.lo, t.hi) for t in terms], [t.weight for t in terms]))

    found_proxy.__name__ = name
    return found_proxy


def inline_proxy(text: str) -> Proxy:
    """DSL text as a proxy named by the text itself (sign +1)."""
    return Proxy(text, expression_fn(text, text), dict(needs=NEEDS, bn="train", sign=1, kind="dsl",
                                                        provenance="inline DSL text", expression=text))
