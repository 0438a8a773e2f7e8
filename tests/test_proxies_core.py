"""The one scoring core: every proxy on every space, any module with its own loss, degenerate
networks (invalid with a reason, never an exception), proxy references, pinned values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from zeroseg import transnas
from zeroseg.proxies import (
    genotype_context, list_proxies, module_context, resolve_proxy, score_context, score_genotype, score_many,
    score_network, split_refs,
)
from zeroseg.proxies.context import PASS_FREE
from zeroseg.registry import UnknownUnitError
from zeroseg.spaces import create_space, list_spaces
from zeroseg.stats import load_batch

SMALL = dict(resolution=64, batch_size=2, seed=0)
# saswot = saswot_minus + nwot; a found proxy's terms get bounds (0, 1) too: off their fitted setup they take
# the context's bounds (dsl_proxy.term_bounds), which are otherwise estimated from 30 networks per space
UNIT_AVT = {"saswot_minus": (0.0, 1.0), "nwot": (0.0, 1.0),
            **{t["expression"]: (0.0, 1.0) for n in list_proxies() for t in resolve_proxy(n).contract.get("terms", ())}}
INLINE = "sum_layers(to_sum(abs(G)))"


SMALLEST = {"attnas": 5, "autodeeplab": 3, "fasterseg": 4, "gas": 1, "rtseg": 5}  # fewest params of 8 samples


def _genotype(space: str):
    """A small genotype of ``space`` (keeps the proxies × spaces test quick)."""
    return create_space(space).sample(np.random.default_rng(SMALLEST.get(space, 0)))


@pytest.mark.parametrize("space", list_spaces())
def test_every_proxy_scores_a_genotype_of_every_space(space):
    names = list_proxies() + [INLINE]
    ctx = genotype_context(space, _genotype(space), avt=UNIT_AVT, **SMALL)
    results = score_context(names, ctx)
    for name, r in results.items():
        assert (r.ok and math.isfinite(r.value)) or r.invalid, f"{space} {name}: {r}"
    assert results[INLINE].ok and results["params"].ok and results["snip"].ok, results


class Ignores(nn.Module):
    """A network whose output does not depend on its input (a TNB101 cell without input path)."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(torch.ones_like(x))


@pytest.mark.parametrize("space", ["micro", "macro", *list_spaces()])
def test_a_degenerate_network_of_each_space_scores_invalid_with_a_reason(space):
    names = list_proxies()
    if space == "micro":  # a real TNB101 arch: no path from the input to the output
        results = score_many(names, "64-41414-0_00_000", **SMALL)
    else:
        build = ((lambda: transnas.build("64-1232-basic")) if space == "macro"
                 else (lambda: create_space(space).build(_genotype(space), 11)))
        results = score_network(names, lambda: Ignores(build()), resolution=64, batch_size=2)
    for name, r in results.items():
        if space != "micro" and set(resolve_proxy(name).needs) <= PASS_FREE:
            assert r.ok or r.invalid, f"{space} {name}: {r}"  # params, flops …: no pass is run (zen: -inf, a reason)
        else:
            assert not r.ok and "no path from input to output" in r.invalid, f"{space} {name}: {r}"


def test_dead_relus_zero_every_gradient_and_score_invalid():
    net = nn.Sequential(nn.Conv2d(3, 8, 1), nn.ReLU(), nn.Conv2d(8, 11, 1))
    with torch.no_grad():
        net[0].weight.zero_()
        net[0].bias.fill_(-1.0)  # every ReLU output is 0: logits constant, no gradient reaches the input
    r = score_network(list_proxies(), net, resolution=64, batch_size=2)
    needs_pass = [n for n in r if not set(resolve_proxy(n).needs) <= PASS_FREE]
    assert all(not r[n].ok and r[n].invalid.startswith("degenerate network") for n in needs_pass), r


def test_constant_activations_are_degenerate():
    images, labels = load_batch(64, 2, num_classes=11)
    same = (images[:1].expand(2, -1, -1, -1).contiguous(), labels)  # both images equal
    net = nn.Sequential(nn.Conv2d(3, 11, 3, padding=1), nn.ReLU(), nn.Conv2d(11, 11, 1))
    r = score_network(["snip"], net, same)
    assert "constant over the batch" in r["snip"].invalid


def test_any_module_with_its_own_loss():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 11, 1))
    ce = score_network(["snip", "nwot", INLINE], net, resolution=64, batch_size=2)
    doubled = score_network(["snip", "nwot"], net, resolution=64, batch_size=2,
                            loss=lambda out, y: 2 * nn.functional.cross_entropy(out, y, ignore_index=255))
    assert all(r.ok for r in ce.values()), ce
    assert doubled["snip"].value == pytest.approx(2 * ce["snip"].value, rel=1e-6)
    assert doubled["nwot"].value == ce["nwot"].value  # no gradient in NWOT


def test_genotype_text_and_value_agree_with_the_module_path():
    space = "gas"
    g = _genotype(space)
    by_text = score_genotype(["snip", INLINE], space, create_space(space).encode(g), **SMALL)
    by_factory = score_network(["snip", INLINE], lambda: create_space(space).build(g, 11), resolution=64, batch_size=2)
    assert {k: v.value for k, v in by_text.items()} == {k: v.value for k, v in by_factory.items()}


def test_references_resolve_or_name_the_problem(tmp_path):
    assert resolve_proxy("nwot").contract["expression"] == "slogdet(KH)"
    assert resolve_proxy(INLINE).contract["provenance"] == "inline DSL text"
    with pytest.raises(ValueError, match=r"proxy 'slogdet\(KH': expected '\)'.*position 10"):
        resolve_proxy("slogdet(KH")
    with pytest.raises(UnknownUnitError, match="unknown proxy 'snipp'; known: .*saswot"):
        resolve_proxy("snipp")
    with pytest.raises(ValueError, match="no_file.proxy: no such file"):
        resolve_proxy(str(tmp_path / "no_file.proxy"))
    assert split_refs("snip, lt(softmax(W), relu(G)),nwot") == ["snip", "lt(softmax(W), relu(G))", "nwot"]


def test_context_needs_exactly_one_network():
    images, labels = load_batch(64, 2, num_classes=11)
    with pytest.raises(TypeError, match="nn.Module or a callable"):
        module_context(3, (images, labels))
