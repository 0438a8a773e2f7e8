"""FasterSeg space (and its SasWOT mode): rules, variation, shared branches, size."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroseg.spaces import InvalidGenotype, create_space
from zeroseg.spaces.catalog.fasterseg import FasterSegGenotype

SPACE = create_space("fasterseg")
SASWOT = create_space("fasterseg", mode="saswot")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_variation_keeps_rules(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = SPACE.sample(rng), SPACE.sample(rng)
    for g in (SPACE.mutate(a, rng), SPACE.crossover(a, b, rng)):
        SPACE.validate(g)
        assert len(g.down32) == 2 and len(g.down_b) <= 1


def test_saswot_mode_has_three_ops_and_fixed_widths() -> None:
    """SasWOT mode: 1,000 genotypes, mutants and crossovers stay in the 3-op, fixed-width space."""
    rng = np.random.default_rng(0)
    gs = [SASWOT.sample(rng) for _ in range(1000)]
    kids = [SASWOT.mutate(g, rng) for g in gs] + [SASWOT.crossover(a, b, rng) for a, b in zip(gs, gs[::-1])]
    for g in gs + kids:
        assert set(g.widths) == {0} and max(g.ops) <= 2 and SASWOT.decode(SASWOT.encode(g)) == g
    assert SASWOT.op_names == ("skip", "conv", "conv_downup")
    g = gs[0]
    with pytest.raises(InvalidGenotype, match="widths"):
        SASWOT.validate(dataclasses.replace(g, widths=(1,) * len(g.widths)))
    with pytest.raises(ValueError, match="mode"):
        create_space("fasterseg", mode="nope")


def _base() -> FasterSegGenotype:
    return FasterSegGenotype(ops=(1,) * 48, widths=(4,) * 48, down32=(3, 8), down_b=())


def test_rules_name_what_is_broken() -> None:
    SPACE.validate(_base())
    cases = {
        "strictly increasing": dataclasses.replace(_base(), down32=(8, 3)),
        "at most once": dataclasses.replace(_base(), down_b=(2, 5)),
        r"down32\[0\] = 0": dataclasses.replace(_base(), down32=(0, 5)),
        "all skip": dataclasses.replace(_base(), ops=(1,) * 4 + (0,) * 12 + (0,) * 32),
        "expected 48": dataclasses.replace(_base(), ops=(1,) * 47),
    }
    for message, g in cases.items():
        with pytest.raises(InvalidGenotype, match=message):
            SPACE.validate(g)
    with pytest.raises(InvalidGenotype, match="base-36"):
        SPACE.decode(SPACE.encode(_base()).replace("o=1", "o=!"))


def test_branches_share_cells_until_they_diverge() -> None:
    same = SPACE.build(dataclasses.replace(_base(), down_b=(3,)), 11)
    apart = SPACE.build(dataclasses.replace(_base(), down_b=(5,)), 11)
    # identical prefixes (layers 0..2 for down_b=(3,), …) are one module, so fewer cells
    assert len(same.body.cells) < len(apart.body.cells)


def test_wider_ratios_cost_more() -> None:
    thin = SPACE.cost(dataclasses.replace(_base(), widths=(0,) * 48), (256, 512))
    wide = SPACE.cost(_base(), (256, 512))
    assert thin.params < wide.params and thin.flops < wide.flops


def test_point_mutations_touch_used_nodes_only() -> None:
    rng = np.random.default_rng(5)
    for _ in range(50):
        g = SPACE.sample(rng)
        m = SPACE.mutate(g, rng)
        changed = [i for i, (x, y) in enumerate(zip(g.ops + g.widths, m.ops + m.widths)) if x != y]
        assert all(i % SPACE.nodes in SPACE.used_nodes(g) for i in changed)
        assert len(changed) + (g.down32 != m.down32) + (g.down_b != m.down_b) == 1
