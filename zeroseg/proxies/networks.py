"""Thin constructors of the scoring ``Context``: a TNB101 code, a space's genotype, any module.

Each says how to build the network (under the seed), which batch it is scored on, what its
scores are comparable under (``Setup``: AVT bounds are keyed by it) and how to draw random
networks of the same setup (``siblings``: on-demand AVT estimation). Siblings plan no extras:
they score only AVT components, and a planned ``hessian`` would keep each one's graph alive
while the estimate holds them all. TNB101 codes are scored on
the shipped CamVid batch (``zeroseg.stats.load_batch``); a search scores genotypes on its own
dataset batch, so it passes that batch in.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn

from zeroseg import transnas
from zeroseg.proxies.context import NO_PATH, Context, Setup
from zeroseg.proxies.passes import Loss
from zeroseg.spaces import create_space
from zeroseg.stats.batch import CAMVID_CLASSES, load_batch
from zeroseg.stats.collect import pixel_cross_entropy

RESOLUTION, BATCH_SIZE = 256, 8  # the scoring setup when none is given (the bench's input size)
FLOPS_INPUT = (256, 256)  # TNB101 FLOPs: the bench's input size, independent of the scoring resolution
# A TNB101 net is convolutions with "same" padding, stride-2 halvings and stride-2 deconvolutions only: at
# sizes that are multiples of its output stride every feature map is the input / 2^k exactly, so its
# FLOPs are proportional to H·W and the scored forward's count gives the count at FLOPS_INPUT.
AVT_SAMPLE_SEED = 4  # genotype AVT samples are drawn by default_rng([seed, 4]) (the search's calibration)

Batch = tuple[torch.Tensor, torch.Tensor]


def _square(resolution: int | tuple[int, int]) -> tuple[int, int]:
    return (resolution, resolution) if isinstance(resolution, int) else (int(resolution[0]), int(resolution[1]))


def cell_reason(net_code: str) -> str | None:
    """``NO_PATH`` when every input→output path of the micro cell has a zero op (e.g. ``0_00_000``),
    known without a pass; None for a macro arch or a cell with a path."""
    cell = transnas.parse(net_code).cell
    if cell is None:
        return None
    reached = [True]
    for group in cell:  # node k's inputs from nodes 0..k-1
        reached.append(any(d != "0" and reached[src] for src, d in enumerate(group)))
    return None if reached[-1] else NO_PATH + f": every path through cell {'_'.join(cell)} has a zero op"


def tnb101_sample(space: str, n: int, seed: int) -> list[str]:
    """``n`` net_codes of the space's table drawn without replacement by ``default_rng(seed)`` (table order)."""
    codes = transnas.load_table(space)["net_code"].tolist()
    if not 2 <= n <= len(codes):
        raise ValueError(f"n must be in 2..{len(codes)} for space {space!r}, got {n}")
    pick = np.random.default_rng(seed).choice(len(codes), size=n, replace=False)
    return [codes[i] for i in sorted(pick)]


def tnb101_context(net_code: str, *, resolution: int | tuple[int, int] = RESOLUTION, batch_size: int = BATCH_SIZE, seed: int = 0,
                   device: str = "cpu", cache: Any = None, planned_needs: frozenset[str] = frozenset(),
                   avt: dict | None = None, **stats_options: Any) -> Context:
    """A TNB101 segmentsemantic network on the shipped CamVid batch (statistics cached by net_code)."""
    space = transnas.space_of(net_code)
    size = _square(resolution)
    stride = transnas.parse(net_code).output_stride
    kw = dict(resolution=resolution, batch_size=batch_size, seed=seed, device=device, cache=cache,
              planned_needs=planned_needs, avt=avt, **stats_options)

    def siblings(n: int) -> list[Context]:
        plain = {**kw, "planned_needs": frozenset()}
        return [tnb101_context(code, **plain) for code in tnb101_sample(space, n, seed)]

    return Context(lambda: transnas.build(net_code), None, None, Setup(space, _square(resolution), batch_size),
                   batch_fn=lambda: load_batch(resolution, batch_size, num_classes=transnas.NUM_CLASSES),
                   seed=seed, device=device, arch=net_code, cache=cache, stats_options=dict(stats_options),
                   planned_needs=planned_needs, meta_factory=lambda: transnas.build(net_code, device="meta"),
                   flops_input=FLOPS_INPUT, flops_scale_free=all(n % stride == 0 for n in (*size, *FLOPS_INPUT)),
                   siblings=siblings, avt=dict(avt or {}),
                   structure=lambda: cell_reason(net_code), param_count=lambda: transnas.count_params(net_code))


def genotype_context(space: str, genotype: Any, batch: Batch | None = None, *, num_classes: int | None = None,
                     batch_name: str = "", seed: int = 0, device: str = "cpu", cache: Any = None,
                     planned_needs: frozenset[str] = frozenset(), avt: dict | None = None,
                     resolution: int | tuple[int, int] = RESOLUTION, batch_size: int = BATCH_SIZE, **stats_options: Any) -> Context:
    """A genotype (or its text encoding) of the segmenter space ``space``, built with ``num_classes``.

    ``batch``: (images, labels) and ``batch_name`` naming it (a search passes its dataset batch);
    default: the shipped CamVid batch at ``resolution``/``batch_size`` and CamVid's 11 classes."""
    sp = create_space(space)
    g = sp.decode(genotype) if isinstance(genotype, str) else genotype
    if batch is None:
        batch = load_batch(resolution, batch_size, num_classes=num_classes or CAMVID_CLASSES)
    nc = int(num_classes or CAMVID_CLASSES)
    images, labels = batch
    setup = Setup(space, tuple(images.shape[-2:]), int(images.shape[0]), batch_name)
    kw = dict(num_classes=nc, batch_name=batch_name, seed=seed, device=device, cache=cache,
              planned_needs=planned_needs, avt=avt, **stats_options)

    def siblings(n: int) -> list[Context]:
        rng = np.random.default_rng([seed, AVT_SAMPLE_SEED])
        plain = {**kw, "planned_needs": frozenset()}
        return [genotype_context(space, sp.sample(rng), batch, **plain) for _ in range(n)]

    return Context(lambda: sp.build(g, nc), images, labels, setup, seed=seed, device=device, arch=sp.encode(g),
                   cache=cache, stats_options=dict(stats_options), planned_needs=planned_needs,
                   meta_factory=lambda: sp.build(g, nc), siblings=siblings, avt=dict(avt or {}))


def module_context(model: nn.Module | Callable[[], nn.Module], batch: Batch | None = None, *,
                   loss: Loss | None = None, seed: int = 0, device: str = "cpu", space: str = "module",
                   resolution: int | tuple[int, int] = RESOLUTION, batch_size: int = BATCH_SIZE, num_classes: int = CAMVID_CLASSES,
                   planned_needs: frozenset[str] = frozenset(), avt: dict | None = None,
                   siblings: Callable[[int], Sequence[Context]] | None = None, **stats_options: Any) -> Context:
    """Any ``nn.Module`` (used as is) or a factory returning one (called under ``seed``), on ``batch``
    (default: the shipped CamVid batch) with ``loss(logits, labels)`` (default: pixel-wise CE)."""
    name = "" if batch is None else "user"
    images, labels = load_batch(resolution, batch_size, num_classes=num_classes) if batch is None else batch
    setup = Setup(space, tuple(images.shape[-2:]), int(images.shape[0]), name)
    module, factory = (model, None) if isinstance(model, nn.Module) else (None, model)
    if module is None and not callable(factory):
        raise TypeError(f"expected an nn.Module or a callable returning one, got {type(model).__name__}")
    return Context(factory, images, labels, setup, loss=loss or pixel_cross_entropy, seed=seed, device=device,
                   module=module, stats_options=dict(stats_options), planned_needs=planned_needs,
                   siblings=siblings, avt=dict(avt or {}))
