"""Export to TorchScript (always) and ONNX (when the `export` extra is installed); outputs must match
PyTorch within 1e-4 on a test batch."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import torch
from torch import nn

from zeroseg.cli.main import main
from zeroseg.train import checkpoint as ckpt
from zeroseg.train.export import ExportMismatch, check_export, export

HAVE_ONNX = all(importlib.util.find_spec(m) is not None for m in ("onnx", "onnxruntime"))
ONNX_REASON = "onnx/onnxruntime not installed (pip install 'zeroseg[export]')"


FORMATS = ["torchscript", pytest.param("onnx", marks=pytest.mark.skipif(not HAVE_ONNX, reason=ONNX_REASON))]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A checkpoint as `zeroseg train` writes it (random weights). GAS is the recipe's paper; this
    genotype's ops all have ONNX symbolics (the TorchScript-based exporter rejects adaptive pooling to
    sizes that do not divide the feature map, as in attnas's attention and some GAS genotypes)."""
    from zeroseg.spaces import create_space, list_spaces

    if not list_spaces():
        pytest.skip("no search space registered")
    name = "gas" if "gas" in list_spaces() else list_spaces()[0]
    space = create_space(name)
    geno = space.encode(space.sample(np.random.default_rng(0)))
    torch.manual_seed(0)
    model = space.build(space.decode(geno), 5)
    out = tmp_path_factory.mktemp("exp")
    meta = {"space": name, "genotype": geno, "num_classes": 5, "input_size": [64, 64]}
    ckpt.save(out / ckpt.FINAL, {"model": model.state_dict()}, meta)
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_export_matches_pytorch(trained, tmp_path, fmt, capsys) -> None:
    out = tmp_path / f"model.{fmt}"
    assert main(["export", "--checkpoint", str(trained), "--format", fmt, "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out.is_file() and report["max_abs_diff"] <= 1e-4
    model, _ = ckpt.load_model(trained)
    assert check_export(model, out, fmt, torch.randn(3, 3, 64, 64)) <= 1e-4


class TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x: torch.Tensor):
        y = self.conv(x)
        return y, y * 2


def test_auxiliary_heads_are_dropped_and_mismatch_is_reported(tmp_path) -> None:
    model = TwoHeads().eval()
    path = export(model, torch.randn(1, 3, 8, 8), tmp_path / "m.pt", "torchscript")
    assert check_export(model, path, "torchscript", torch.randn(2, 3, 8, 8)) <= 1e-6
    with torch.no_grad():
        model.conv.bias += 1e-2
    with pytest.raises(ExportMismatch, match="differs from PyTorch"):
        check_export(model, path, "torchscript", torch.randn(2, 3, 8, 8))
    with pytest.raises(ValueError, match="unknown export format"):
        export(model, torch.randn(1, 3, 8, 8), tmp_path / "m.x", "tflite")


@pytest.mark.skipif(HAVE_ONNX, reason="checks the message shown when the export extra is missing")
def test_onnx_without_extra_names_the_fix(trained, tmp_path, capsys) -> None:
    assert main(["export", "--checkpoint", str(trained), "--format", "onnx", "--out", str(tmp_path / "m")]) == 2
    assert "pip install 'zeroseg[export]'" in capsys.readouterr().err
