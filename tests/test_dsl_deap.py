"""DEAP bridge: DEAP's own typed generators, crossover and mutations yield valid proxy graphs."""

from __future__ import annotations

import random
from functools import partial

import numpy as np
import pytest
from deap import gp

from zeroseg.dsl import NS, TYPES, S, from_deap, make_pset, parse, random_graph, to_deap


@pytest.fixture(scope="module")
def pset() -> gp.PrimitiveSetTyped:
    return make_pset()


@pytest.mark.parametrize("name", list(TYPES))
def test_deap_generators_cover_every_type(pset: gp.PrimitiveSetTyped, name: str) -> None:
    random.seed(0)
    t = TYPES[name]
    for gen in (gp.genHalfAndHalf, gp.genGrow, gp.genFull):
        for _ in range(30):
            g = from_deap(gp.PrimitiveTree(gen(pset, 1, 4, type_=t)))
            assert g.type is t and g == parse(g.text, root=None)


def test_round_trip_through_deap(pset: gp.PrimitiveSetTyped) -> None:
    rng = np.random.default_rng(3)
    for _ in range(500):
        g = random_graph(rng, 1, 5)
        tree = to_deap(g, pset)
        assert len(tree) == len(g) and tree.root.ret is NS
        assert from_deap(tree) == g


def test_deap_variation_operators_keep_graphs_valid(pset: gp.PrimitiveSetTyped) -> None:
    random.seed(1)
    rng = np.random.default_rng(1)
    expr = partial(gp.genGrow, pset=pset, min_=0, max_=2)
    changed = 0
    for _ in range(300):
        a, b = (to_deap(random_graph(rng, 2, 4), pset) for _ in range(2))
        before = str(a)
        a, b = gp.cxOnePoint(a, b)
        (a,) = gp.mutUniform(a, expr=expr, pset=pset)
        (b,) = gp.mutNodeReplacement(b, pset=pset)
        (b,) = gp.mutInsert(b, pset=pset)
        (a,) = gp.mutShrink(a)
        for tree in (a, b):
            g = from_deap(tree)
            assert g.type is NS and parse(g.text) == g
        changed += str(a) != before
    assert changed > 200  # the operators really vary the trees


def test_random_graph_is_deterministic_given_rng() -> None:
    first = [random_graph(np.random.default_rng(5), 1, 5) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng = np.random.default_rng(5)
    many = [random_graph(rng, 1, 5, method=m) for m in ("full", "grow", "half") * 30]
    assert len({g.text for g in many}) > 60
    assert all(1 <= g.height() <= 5 for g in many)
    assert {random_graph(rng, 3, 3, method="full").height() for _ in range(20)} == {3}
    with pytest.raises(ValueError, match="method"):
        random_graph(rng, method="ramped")


def test_opt_in_primitives_are_drawn_only_when_named() -> None:
    """``M`` parses and evaluates always, but the generators and DEAP draw it only with extra=("M",)."""
    assert "M" not in make_pset().mapping and "M" in make_pset(extra=("M",)).mapping

    def draws_m(extra: tuple[str, ...]) -> int:
        rng = np.random.default_rng(0)
        return sum("M" in {n.op for n in random_graph(rng, 1, 3, type_=S, extra=extra).nodes} for _ in range(300))

    assert draws_m(()) == 0 and draws_m(("M",)) > 10
    assert parse("sum_layers(M)").text == "sum_layers(M)"
    with pytest.raises(ValueError, match=r"unknown opt-in primitive\(s\) \['KH'\]; the opt-in ones are \['M', 'U'\]"):
        make_pset(extra=("KH",))
