"""AttNAS space: genotype rules, round trips, builds, and the Table 2 published sizes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zeroseg.spaces import InvalidGenotype, create_space
from zeroseg.spaces.catalog.attnas import BASELINE_PUBLISHED, PUBLISHED, AttNASGenotype
from zeroseg.spaces.cost import measure_cost


SPACE = create_space("attnas")


def test_samples_mutants_and_crossovers_keep_exactly_four_attentions() -> None:
    """AttNAS's top-4 rule across both attention layers (the generic round-trip is in the protocol test)."""
    rng = np.random.default_rng(3)
    parents = [SPACE.sample(rng) for _ in range(1000)]
    for a, b in zip(parents, parents[1:] + parents[:1]):
        for g in (a, SPACE.mutate(a, rng), SPACE.crossover(a, b, rng)):
            assert len(g.att1) + len(g.att2) == 4


@pytest.mark.parametrize("g, rule", [
    (AttNASGenotype((3,) * 16, (1,), (2, 3, 4)), "17 ops"),
    (AttNASGenotype((3,) * 16 + (7,), (1,), (2, 3, 4)), "block 17"),
    (AttNASGenotype((3,) * 17, (1, 2), (2, 3, 4)), "top-4"),
    (AttNASGenotype((3,) * 17, (2, 1), (3, 4)), "sorted"),
    (AttNASGenotype((3,) * 17, (1, 14), (3, 4)), "1..13"),
])
def test_invalid_genotypes_name_the_rule(g: AttNASGenotype, rule: str) -> None:
    with pytest.raises(InvalidGenotype, match=rule):
        SPACE.validate(g)


@pytest.mark.parametrize("text", ["3323232326365325|12,13|3,7", "33232323263653251|12,13|3",
                                  "33232323263653251|a|3,7,8"])
def test_bad_text_is_rejected(text: str) -> None:
    with pytest.raises(InvalidGenotype):
        SPACE.decode(text)


def test_twenty_builds_run_forward_and_backward() -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    for _ in range(20):
        net = SPACE.build(SPACE.sample(rng), num_classes=5)
        y = net(torch.randn(2, 3, 64, 128))
        assert y.shape == (2, 5, 64, 128) and torch.isfinite(y).all()
        y.mean().backward()
        assert net.body[0][0][0].weight.grad.abs().sum() > 0  # gradient reaches the stem


@pytest.mark.parametrize("size", [(64, 64), (65, 97), (360, 480), (720, 960)])
def test_odd_and_camvid_sizes(size: tuple[int, int]) -> None:
    with torch.device("meta"):
        net = SPACE.build(SPACE.decode(PUBLISHED["attnas-s"][0]), 11).eval()
        assert net(torch.empty(1, 3, *size)).shape == (1, 11, *size)


def _size(net_fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    with torch.device("meta"):
        net = net_fn()
    cost = measure_cost(net, (1024, 2048), device="meta")
    return cost.params / 1e6, cost.macs / 1e9


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_models_match_table2(name: str) -> None:
    """Params within 10 %, multiply-adds within 15 % of AttNAS Table 2 at 1024×2048, 19 classes."""
    text, params, gmacs = PUBLISHED[name]
    p, f = _size(lambda: SPACE.build(SPACE.decode(text), 19))
    assert abs(p / params - 1) <= 0.10, f"{name}: {p:.2f} M params vs {params} M"
    assert abs(f / gmacs - 1) <= 0.15, f"{name}: {f:.1f} GMACs vs {gmacs} G"


def test_baseline_mv2_aspp_matches_table2() -> None:
    p, f = _size(lambda: SPACE.build_baseline(19))
    assert abs(p / BASELINE_PUBLISHED[0] - 1) <= 0.10 and abs(f / BASELINE_PUBLISHED[1] - 1) <= 0.15, (p, f)


def test_blocks_chain_and_make_block_shapes() -> None:
    """Each listed block, built alone, gives the channels/size the next block expects."""
    g = SPACE.sample(np.random.default_rng(4))
    specs = SPACE.blocks(g, (65, 97))
    assert [s.op for s in specs].count("ir") == 17 and len(specs) == 1 + 17 + 4 + 1
    for a, b in zip(specs[:18], specs[1:19]):
        inputs = [t.to("meta") for t in a.inputs()]
        with torch.device("meta"):
            y = SPACE.make_block(a)(*inputs)
        assert tuple(y.shape[1:]) == (b.c_in, b.h, b.w)
