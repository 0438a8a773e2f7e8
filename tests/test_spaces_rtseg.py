"""RTSeg dual-branch space: genotype rules, round trips, builds at any size, block listing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zeroseg.spaces import InvalidGenotype, create_space
from zeroseg.spaces.catalog.rtseg import RTSegGenotype


SPACE = create_space("rtseg")
EXAMPLE = "32,32,48,48,48,96,96,128|24,48,96|l4,s,m2,l6,s,s,m4,l2"


def test_example_round_trips() -> None:
    assert SPACE.encode(SPACE.decode(EXAMPLE)) == EXAMPLE


@pytest.mark.parametrize("text, rule", [
    ("32,32,48,48,48,96,96|24,48,96|l4,s,m2,l6,s,s,m4,l2", "detail needs 8"),
    ("32,32,48,48,48,96,96,100|24,48,96|l4,s,m2,l6,s,s,m4,l2", "detail width 8"),
    ("32,32,48,48,48,96,96,128|24,48,96|l4,s,m2,l6,s,s,m4", "8 mixed blocks"),
    ("32,32,48,48,48,96,96,128|24,48,96|l5,s,m2,l6,s,s,m4,l2", "block 1"),
    ("32,32,48,48,48,96,96,128|24,48|l4,s,m2,l6,s,s,m4,l2", "stages needs 3"),
    ("32,32,48,48,48,96,96,128|24,48,96|x4,s,m2,l6,s,s,m4,l2", "cannot parse"),
])
def test_invalid_genotypes_name_the_rule(text: str, rule: str) -> None:
    with pytest.raises(InvalidGenotype, match=rule):
        SPACE.decode(text)


def test_skip_carries_no_ratio() -> None:
    g = SPACE.decode(EXAMPLE)
    bad = RTSegGenotype(g.detail, g.stages, (("s", 2),) + g.blocks[1:])
    with pytest.raises(InvalidGenotype, match="ratio"):
        SPACE.validate(bad)


def test_twenty_builds_run_forward_and_backward() -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    for _ in range(20):
        net = SPACE.build(SPACE.sample(rng), num_classes=5)
        y = net(torch.randn(2, 3, 64, 128))
        assert y.shape == (2, 5, 64, 128) and torch.isfinite(y).all()
        y.mean().backward()
        assert net.body.detail[0][0].weight.grad.abs().sum() > 0
        assert net.body.stem.conv[0].weight.grad.abs().sum() > 0


@pytest.mark.parametrize("size", [(64, 64), (65, 97), (360, 480), (720, 960)])
def test_odd_and_camvid_sizes(size: tuple[int, int]) -> None:
    g = SPACE.decode("32,32,48,48,48,96,96,128|24,48,96|m4,m2,m2,l6,m1,s,m4,l2")  # MHSA at every stride
    with torch.device("meta"):
        net = SPACE.build(g, 11).eval()
        assert net(torch.empty(1, 3, *size)).shape == (1, 11, *size)


def test_blocks_skip_costs_nothing_and_shapes_chain() -> None:
    g = SPACE.decode(EXAMPLE)
    specs = SPACE.blocks(g, (65, 97))
    ops = [s.op for s in specs]
    assert ops.count("conv") == 8 and ops.count("down") == 3 and ops.count("lir") + ops.count("mhsa") == 5
    detail = [s for s in specs if s.op == "conv"]
    for a, b in zip(detail, detail[1:]):
        inputs = [t.to("meta") for t in a.inputs()]
        with torch.device("meta"):
            y = SPACE.make_block(a)(*inputs)
        assert tuple(y.shape[1:]) == (b.c_in, b.h, b.w)
    bga = specs[ops.index("bga")]
    assert bga.extra == ((96, 3, 4),) and (bga.h, bga.w) == (9, 13)
