"""The latency block protocol of every space that has one: blocks chain, run, and add up to the network."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from zeroseg.latency.build import LatencyModels, build_models
from zeroseg.latency.measure import Protocol, block_macs
from zeroseg.latency.spec import BlockSpec
from zeroseg.latency.store import LatencyData
from zeroseg.spaces import create_space, list_spaces

SIZE, CLASSES = (64, 96), 5
BLOCK_SPACES = [n for n in list_spaces() if hasattr(create_space(n), "blocks")]


def _sampled(name: str, seed: int = 0):  # noqa: ANN202
    space = create_space(name)
    return space, space.sample(np.random.default_rng(seed))


def _out_shape(s: BlockSpec) -> tuple[int, int, int]:
    return s.c_out, s.out_h or -(-s.h // s.stride), s.out_w or -(-s.w // s.stride)


def test_catalog_spaces_have_blocks() -> None:
    assert {"gas", "fasterseg", "autodeeplab"} <= set(BLOCK_SPACES)


@pytest.mark.parametrize("name", BLOCK_SPACES)
def test_blocks_chain_and_yield_their_shapes(name: str) -> None:
    """Every block reads sizes made earlier, runs alone on its spec's inputs, and yields its out shape."""
    space, g = _sampled(name)
    specs = space.blocks(g, SIZE, CLASSES)
    assert specs == space.blocks(g, SIZE, CLASSES)
    made = {SIZE}
    torch.manual_seed(0)
    for s in specs:
        assert BlockSpec.from_json(s.to_json()) == s
        for _, h, w in [(s.c_in, s.h, s.w), *s.extra]:
            assert (h, w) in made, f"{name}: {s.op} reads a {h}×{w} input no earlier block made"
        with torch.no_grad():
            y = space.make_block(s).eval()(*s.inputs())
        assert tuple(y.shape) == (1, *_out_shape(s)), f"{name}: {s.key()} gave {tuple(y.shape)}"
        assert torch.isfinite(y).all()
        made.add(tuple(y.shape[2:]))
    assert _out_shape(specs[-1]) == (CLASSES, *SIZE)


@pytest.mark.parametrize("name", BLOCK_SPACES)
def test_block_macs_add_up_to_the_network(name: str) -> None:
    """Only elementwise sums/concats/resizes lie outside blocks, and they have no multiply-adds."""
    for seed in (0, 1):
        space, g = _sampled(name, seed)
        total = sum(block_macs(space, s) for s in space.blocks(g, SIZE, CLASSES))
        net = space.cost(g, SIZE, CLASSES).macs
        assert total == pytest.approx(net, rel=0.02), f"{name} seed {seed}: blocks {total} vs network {net}"


@pytest.mark.parametrize("name", BLOCK_SPACES)
def test_make_block_rejects_unknown_op(name: str) -> None:
    with pytest.raises(ValueError, match="unknown block op"):
        create_space(name).make_block(BlockSpec(name, "no_such_op", 8, 8, 8, 8))


def test_gas_tiny_latency_models(tmp_path: Path) -> None:
    """A real (tiny) build for GAS: every calibration network is covered by the table, predictions finite."""
    out = tmp_path / "gas.json"
    build_models("gas", out, input_size=(64, 64), num_classes=CLASSES, n_genotypes=1, n_networks=2,
                 protocol=Protocol(warmup=0, repeats=1, rounds=1), progress=False, mlp_steps=150)
    data = LatencyData.load(out)
    assert len(data.networks) == 2 and all(r.ms > 0 for r in data.blocks.values())
    models = LatencyModels(out)
    for text in data.networks:
        pred = models.predict(models.space.decode(text))
        assert pred["table_sum_ms"] is not None, pred.get("table_error")
        assert all(math.isfinite(pred[k]) and pred[k] > 0 for k in ("table_ms", "mlp_ms"))
