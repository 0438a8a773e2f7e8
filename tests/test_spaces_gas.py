"""GAS space: independent cells, liveness rule, both heads, reduction placement."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroseg.spaces import InvalidGenotype, create_space
from zeroseg.spaces.catalog.gas import GASGenotype, cell_is_live
from zeroseg.spaces.catalog.gas_net import OPS

SPACE = create_space("gas")
ZERO, CONV = OPS.index("zero"), OPS.index("conv_3x3")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_mutation_changes_one_thing(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = SPACE.sample(rng)
    m = SPACE.mutate(g, rng)
    diff = sum(x != y for ca, cb in zip(g.cells, m.cells) for x, y in zip(ca, cb)) + (g.head != m.head)
    assert diff == 1


def test_liveness_rule() -> None:
    assert not cell_is_live((ZERO,) * 5)
    assert not cell_is_live((ZERO, ZERO, ZERO, ZERO, CONV))  # x1 dead, so x1→x2 carries nothing
    assert cell_is_live((ZERO, ZERO, ZERO, CONV, ZERO))
    cells = ((CONV,) * 5,) * 13 + ((ZERO,) * 5,)
    with pytest.raises(InvalidGenotype, match="cell 13"):
        SPACE.validate(GASGenotype(cells, "aspp"))
    with pytest.raises(InvalidGenotype, match="head"):
        SPACE.validate(GASGenotype(((CONV,) * 5,) * 14, "fcn"))
    with pytest.raises(InvalidGenotype, match="14 cells"):
        SPACE.validate(GASGenotype(((CONV,) * 5,) * 13, "aspp"))


def test_reductions_reach_stride_32_and_head_option() -> None:
    g = GASGenotype(((CONV,) * 5,) * 14, "ppm")
    net = SPACE.build(g, 11).body
    x = torch.randn(1, 3, 64, 128)
    p = net.stem1(net.stem0(x))
    pp = net.stem0(x)
    for cell in net.cells:
        pp, p = p, cell(pp, p)
    assert p.shape[2:] == (2, 4)  # stride 32
    only_aspp = create_space("gas", heads=("aspp",))
    assert {only_aspp.sample(np.random.default_rng(i)).head for i in range(10)} == {"aspp"}
