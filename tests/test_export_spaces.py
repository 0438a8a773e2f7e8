"""ONNX export of every registered space's default genotype at the README's size (192×256): it works
and matches PyTorch, or it fails in one short line naming sizes that work, and those sizes do work."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest
import torch

from zeroseg.spaces import create_space, list_spaces
from zeroseg.train.export import check_export, export

HAVE_ONNX = all(importlib.util.find_spec(m) is not None for m in ("onnx", "onnxruntime"))
pytestmark = pytest.mark.skipif(not HAVE_ONNX, reason="onnx/onnxruntime not installed (pip install 'zeroseg[export]')")
README_SIZE = (192, 256)
# the README's GAS genotype (its train/export commands): the case that used to dump 1,200 lines of Torch IR
README_GAS = "c=12152.72221.65244.37210.47155.14770.64335.43312.53571.70111.31121.71136.11115.35715;h=ppm"


def default_genotype(name: str) -> str:
    """The README's genotype for GAS, a paper's published one where the space has it, else seed 0's sample."""
    space = create_space(name)
    if name == "gas":
        return README_GAS
    published = space.published()
    g = next(iter(published.values())) if published else space.sample(np.random.default_rng(0))
    return space.encode(g)


@pytest.mark.parametrize("name", list_spaces())
def test_onnx_export_works_or_names_sizes(name, tmp_path, capfd) -> None:
    space = create_space(name)
    torch.manual_seed(0)
    model = space.build(space.decode(default_genotype(name)), 11).eval()
    path = tmp_path / "m.onnx"
    try:
        export(model, torch.randn(1, 3, *README_SIZE), path, "onnx")
    except ValueError as exc:
        msg = str(exc)
        assert "\n" not in msg and len(msg) < 400, msg
        sizes = re.findall(r"(\d+) (\d+)", msg.split("sizes that work:")[1])
        assert sizes, msg
        size = tuple(int(v) for v in sizes[0])
        export(model, torch.randn(1, 3, *size), path, "onnx")
    else:
        size = README_SIZE
    assert check_export(model, path, "onnx", torch.randn(1, 3, *size)) <= 1e-4
    out, err = capfd.readouterr()
    assert len(out.splitlines()) + len(err.splitlines()) < 5, (out + err)[:2000]
