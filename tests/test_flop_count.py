"""The analytic FLOP counter (``zeroseg.flop_count``) equals ``FlopCounterMode`` (``measure_cost`` /
``transnas.count_flops``) on TNB101 archs, the segmenter spaces and the ops with functional matmuls,
and the scoring's ``flops`` proxy (counted on the scored forward, scaled to 256²) equals it too."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import zeroseg.transnas as tn
from zeroseg.flop_count import counting, forward_flops
from zeroseg.proxies import make_context, score_context
from zeroseg.proxies.networks import module_context
from zeroseg.spaces import create_space, list_spaces
from zeroseg.spaces.cost import measure_cost
from zeroseg.spaces.ops.attention import ATTNAS_CANDIDATES, PatchMHSA, attnas_candidate

CODES = ["64-41414-1_00_210", "64-41414-3_33_333", "64-41414-1_02_013", "64-41414-2_13_021",
         "64-1234-basic", "64-4111-basic", "64-2222-basic", "64-3434-basic"]


@pytest.mark.parametrize("code", CODES)
def test_tnb101_counts_equal_flop_counter_mode(code: str) -> None:
    model = tn.build(code)
    assert forward_flops(model, (64, 64)) == tn.count_flops(model, (64, 64))
    assert model.training  # mode restored


@pytest.mark.parametrize("space", list_spaces())
def test_space_counts_equal_flop_counter_mode(space: str) -> None:
    sp = create_space(space)
    rng = np.random.default_rng(1)
    for _ in range(2):
        net = sp.build(sp.sample(rng), 11)
        assert forward_flops(net, (48, 80)) == measure_cost(net, (48, 80)).flops


@pytest.mark.parametrize("index", sorted(ATTNAS_CANDIDATES))
def test_every_attnas_candidate(index: int) -> None:
    op = attnas_candidate(index, 32)
    wrap = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), op)
    assert forward_flops(wrap, (20, 28)) == measure_cost(wrap, (20, 28)).flops


@pytest.mark.parametrize("size", [(8, 8), (7, 9)])
def test_patch_mhsa_and_linear_on_tokens(size: tuple[int, int]) -> None:
    wrap = nn.Sequential(nn.Conv2d(3, 16, 1), PatchMHSA(16))
    assert forward_flops(wrap, size) == measure_cost(wrap, size).flops


def test_counts_scale_with_the_batch_and_hooks_are_removed() -> None:
    model = tn.build("64-41414-1_00_210")
    with torch.no_grad(), counting(model) as tally:
        model(torch.zeros(3, 3, 64, 64))
    assert tally.flops == 3 * forward_flops(model, (64, 64))
    assert not any(m._forward_hooks for m in model.modules())


@pytest.mark.parametrize("code", ["64-41414-1_00_210", "64-3434-basic"])
def test_flops_proxy_equals_count_flops_at_256(code: str) -> None:
    """Scored at 64² next to a gradient proxy (the pass's count) and alone (its own batch-1 forward)."""
    want = float(tn.count_flops(code))
    for proxies in (["snip", "flops"], ["flops"]):
        ctx = make_context(code, proxies, resolution=64, batch_size=2)
        assert score_context(proxies, ctx)["flops"].value == want


def test_flops_proxy_on_a_module_counts_at_the_batch_size() -> None:
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 5, 1))
    images, labels = torch.randn(2, 3, 12, 10), torch.randint(0, 5, (2, 12, 10))
    ctx = module_context(net, (images, labels))
    assert score_context(["snip", "flops"], ctx)["flops"].value == measure_cost(net, (12, 10)).flops


def test_scale_free_only_at_multiples_of_the_output_stride() -> None:
    assert make_context("64-41414-1_00_210", resolution=64).flops_scale_free
    assert not make_context("64-41414-1_00_210", resolution=48).flops_scale_free  # stride 32
