"""Registry-driven protocol tests: every registered search space is covered automatically."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from zeroseg.cli.main import main
from zeroseg.spaces import Cost, InvalidGenotype, create_space, list_spaces
from zeroseg.spaces.cost import measure_cost

SPACES = list_spaces()


def test_registry_has_the_issue_spaces() -> None:
    assert {"fasterseg", "gas", "autodeeplab"} <= set(SPACES)


@pytest.mark.parametrize("name", SPACES)
def test_sampling_is_deterministic_under_a_seed(name: str) -> None:
    space = create_space(name)
    a = [space.encode(space.sample(np.random.default_rng(7))) for _ in range(3)]
    b = [space.encode(space.sample(np.random.default_rng(7))) for _ in range(3)]
    assert a == b


@pytest.mark.parametrize("name", SPACES)
@pytest.mark.parametrize("bad", ["", "garbage", "x=1", "a=1;a=1"])
def test_bad_text_raises_invalid_genotype(name: str, bad: str) -> None:
    with pytest.raises(InvalidGenotype) as err:
        create_space(name).decode(bad)
    assert str(err.value)


@pytest.mark.parametrize("name", SPACES)
def test_wrong_type_is_rejected(name: str) -> None:
    with pytest.raises(InvalidGenotype):
        create_space(name).validate(("not", "a", "genotype"))


@pytest.mark.parametrize("name", SPACES)
@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_thousand_genotypes_mutants_and_crossovers(name: str, seed: int) -> None:
    """Issue 7: 50 seeds × 20 = 1,000 random genotypes; they, their (changed) mutants and their
    crossovers validate, hash and round-trip."""
    space = create_space(name)
    rng = np.random.default_rng(seed)
    gs = [space.sample(rng) for _ in range(20)]
    for a, b in zip(gs, gs[1:] + gs[:1]):
        mutant = space.mutate(a, rng)
        assert mutant != a, "a mutation must change the genotype"
        for g in (a, mutant, space.crossover(a, b, rng)):
            space.validate(g)
            back = space.decode(space.encode(g))
            assert back == g and hash(back) == hash(g)


@pytest.mark.parametrize("name", SPACES)
def test_sampling_is_diverse(name: str) -> None:
    space = create_space(name)
    rng = np.random.default_rng(11)
    assert len({space.encode(space.sample(rng)) for _ in range(1000)}) > 900, "sampling should be diverse"


@pytest.mark.parametrize("name", SPACES)
def test_twenty_build_and_a_sample_trains(name: str) -> None:
    """20 random networks build on CPU; one runs forward + backward at batch 2, 64×128, then 72×100."""
    torch.manual_seed(0)
    space = create_space(name)
    rng = np.random.default_rng(3)
    nets = [space.build(space.sample(rng), num_classes=5) for _ in range(20)]
    assert all(sum(p.numel() for p in n.parameters()) > 0 for n in nets)
    net = nets[0]
    y = net(torch.randn(2, 3, 64, 128))
    assert y.shape == (2, 5, 64, 128) and torch.isfinite(y).all()
    y.square().mean().backward()
    grads = [p.grad for p in net.parameters() if p.requires_grad]
    assert grads and all(gr is not None for gr in grads) and any(gr.abs().sum() > 0 for gr in grads)
    net.eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, 72, 100)).shape == (1, 5, 72, 100)


@pytest.mark.parametrize("name", SPACES)
def test_camvid_sizes_on_meta_device(name: str) -> None:
    """360×480 and 720×960 (not multiples of 32) give logits at input size; meta: shapes only."""
    space = create_space(name)
    with torch.device("meta"):
        net = space.build(space.sample(np.random.default_rng(1)), num_classes=11).eval()
        for size in ((360, 480), (720, 960)):
            assert net(torch.empty(1, 3, *size)).shape == (1, 11, *size)


@pytest.mark.parametrize("name", SPACES)
def test_cost_matches_the_built_network(name: str) -> None:
    space = create_space(name)
    g = space.sample(np.random.default_rng(2))
    c = space.cost(g, (96, 160), num_classes=11)  # counted on the meta device
    assert isinstance(c, Cost) and c.flops > 0 and c.act_mb > 0
    real = measure_cost(space.build(g, 11), (96, 160))  # counted on CPU with real tensors
    assert (real.params, real.flops) == (c.params, c.flops)
    assert real.act_mb == pytest.approx(c.act_mb)


def test_measure_cost_counts_a_known_conv() -> None:
    conv = nn.Conv2d(3, 8, 3, padding=1)
    c = measure_cost(conv, (10, 10))
    assert c.params == 8 * 27 + 8
    assert c.macs == 8 * 27 * 100 and c.flops == 2 * c.macs
    assert c.act_mb == pytest.approx(8 * 100 * 4 / 2**20)
    with pytest.raises(ValueError, match="positive"):
        measure_cost(conv, (0, 10))


def test_cli_list_show_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spaces", "list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in SPACES)
    assert main(["spaces", "show", "fasterseg", "--mode", "saswot"]) == 0
    assert "mode=saswot" in capsys.readouterr().out
    assert main(["spaces", "sample", "gas", "--n", "2", "--seed", "4", "--input-size", "64", "96"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("params=")]
    assert len(lines) == 2
    space = create_space("gas")
    assert space.decode(lines[0].split()[-1]) == space.sample(np.random.default_rng(4))
    assert main(["spaces", "show", "no-such-space"]) == 2
    assert "known:" in capsys.readouterr().err


@pytest.mark.parametrize("name", SPACES)
def test_canonical_form_builds_the_same_network(name: str) -> None:
    """Search dedups on encode(canonical(g)): the representative must build g's network exactly."""
    space = create_space(name)
    rng = np.random.default_rng(5)
    for _ in range(3):
        g = space.sample(rng)
        c = space.canonical(g)
        space.validate(c)
        assert space.canonical(c) == c
        torch.manual_seed(0)
        net_g = space.build(g, 5).eval()
        torch.manual_seed(0)
        net_c = space.build(c, 5).eval()
        x = torch.randn(1, 3, 64, 96)
        with torch.no_grad():
            assert torch.equal(net_g(x), net_c(x))


def test_fasterseg_unused_genes_share_one_canonical_form() -> None:
    space = create_space("fasterseg")
    g = space.sample(np.random.default_rng(0))
    unused = sorted(set(range(space.nodes)) - set(space.used_nodes(g)))
    assert unused, "a fasterseg genotype always leaves some supernet nodes unused"
    ops = list(g.ops)
    ops[unused[0]] = (ops[unused[0]] + 1) % len(space.op_names)
    h = type(g)(tuple(ops), g.widths, g.down32, g.down_b)
    assert space.encode(g) != space.encode(h)
    assert space.encode(space.canonical(g)) == space.encode(space.canonical(h))
