"""Export a trained segmenter to TorchScript (no extras) or ONNX (``pip install zeroseg[export]``)
and check the exported model against PyTorch on a test batch (max |difference| ≤ atol).

Both formats are traced at the example's height and width (spaces resize features to reference
shapes in Python, so other resolutions need another export); TorchScript keeps the batch size free,
ONNX fixes it to the example's (see ``export_onnx``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from zeroseg.train.trainer import split_output

FORMATS = ("torchscript", "onnx")


class MainLogits(nn.Module):
    """Wraps a model so that it returns only its main logits (drops auxiliary heads)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return split_output(self.model(x))[0]


class ExportMismatch(ValueError):
    """The exported model's outputs differ from PyTorch's by more than the tolerance."""


def require_onnx() -> None:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"ONNX export needs onnx and onnxruntime ({exc.name} missing): "
                          "pip install 'zeroseg[export]'") from None


def export(model: nn.Module, example: torch.Tensor, path: Path, fmt: str) -> Path:
    """Write ``model`` (eval mode, main logits only) for inputs shaped like ``example``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    net = MainLogits(model).eval()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        if fmt == "torchscript":
            with warnings.catch_warnings():  # shape-dependent Python branches are fixed at ``example``'s size
                warnings.simplefilter("ignore", torch.jit.TracerWarning)
                torch.jit.save(torch.jit.trace(net, example, check_trace=False), str(path))
        else:
            export_onnx(net, example, path)
    return path


def export_onnx(net: nn.Module, example: torch.Tensor, path: Path) -> None:
    """TorchScript-based ONNX exporter (opset 17); needs onnx, not onnxscript.

    All axes are static: a symbolic batch axis hides the feature-map sizes that adaptive pooling
    needs, so the file takes exactly ``example``'s shape (batch 1 for real-time use)."""
    require_onnx()
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # the fused attention kernel has no ONNX symbolic
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            torch.onnx.export(net, (example,), str(path), input_names=["image"], output_names=["logits"],
                              opset_version=17, dynamo=False)
    except torch.onnx.errors.OnnxExporterError as exc:
        first = str(exc).splitlines()[0]
        raise ValueError(f"ONNX export at input size {tuple(example.shape[-2:])} failed: {first} "
                         "(pick an --input-size whose feature maps the pooling sizes divide, "
                         "or use --format torchscript)") from None
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)


def load_exported(path: Path, fmt: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function running the exported file on a CPU tensor batch."""
    if fmt == "torchscript":
        mod = torch.jit.load(str(path), map_location="cpu").eval()

        def run(x: torch.Tensor) -> torch.Tensor:
            with torch.no_grad(), torch.jit.optimized_execution(False):  # no profiling passes for one check
                return mod(x).detach()

        return run
    require_onnx()
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    step = int(sess.get_inputs()[0].shape[0])

    def run(x: torch.Tensor) -> torch.Tensor:
        parts = [sess.run(None, {"image": x[i:i + step].numpy()})[0] for i in range(0, len(x), step)]
        return torch.from_numpy(np.concatenate(parts))

    return run


def check_export(model: nn.Module, path: Path, fmt: str, batch: torch.Tensor, atol: float = 1e-4) -> float:
    """Max |exported − PyTorch| on ``batch``; raises ``ExportMismatch`` above ``atol``."""
    with torch.no_grad():
        ref = MainLogits(model.cpu()).eval()(batch)
    got = load_exported(path, fmt)(batch)
    if got.shape != ref.shape:
        raise ExportMismatch(f"exported output shape {tuple(got.shape)} != PyTorch {tuple(ref.shape)}")
    diff = float((got - ref).abs().max())
    if not diff <= atol:
        raise ExportMismatch(f"exported {fmt} differs from PyTorch by {diff:.3g} > {atol:g}")
    return diff
