"""Export a trained segmenter to TorchScript (no extras) or ONNX (``pip install zeroseg[export]``)
and check the exported model against PyTorch on a test batch (max |difference| ≤ atol).

Both formats are traced at the example's height and width (spaces resize features to reference
shapes in Python, so other resolutions need another export); TorchScript keeps the batch size free,
ONNX fixes it to the example's (see ``export_onnx``).
"""

from __future__ import annotations

import copy
import io
import os
import sys
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

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
    try:  # optional extra (pip install zeroseg[export]), heavy: only when exporting
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


class PoolShapes(TorchFunctionMode):
    """Records (input H, W, output h, w) of every adaptive average pooling in a forward pass."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[int, int, int, int]] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func is F.adaptive_avg_pool2d:
            x, size = args[0], args[1] if len(args) > 1 else (kwargs or {})["output_size"]
            h, w = (size, size) if isinstance(size, int) else size
            self.calls.append((x.shape[-2], x.shape[-1], h or x.shape[-2], w or x.shape[-1]))
        return func(*args, **(kwargs or {}))


def pool_shapes(net: nn.Module, size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """(input H, W, output h, w) of each adaptive pooling of ``net`` (a meta-device copy) at ``size``."""
    with torch.no_grad(), PoolShapes() as shapes:
        net(torch.zeros(1, 3, *size, device="meta"))
    return shapes.calls


def pools_fit(calls: list[tuple[int, int, int, int]]) -> bool:
    """The TorchScript-based ONNX exporter's condition: every pooling's output size divides its input."""
    return all(hi % ho == 0 and wi % wo == 0 for hi, wi, ho, wo in calls)


def onnx_sizes(net: nn.Module, size: tuple[int, int], n: int = 3, step: int = 32) -> list[tuple[int, int]]:
    """Up to ``n`` input sizes near ``size`` (multiples of ``step``, ½–2× each side) that export to ONNX.

    Feature maps scale with the input (stride = input / feature size at ``size``), so candidates are
    screened by arithmetic and only the survivors are checked with a forward pass."""
    calls = pool_shapes(net, size)
    strides = [(size[0] / hi, size[1] / wi, ho, wo) for hi, wi, ho, wo in calls]
    hs = range(max(step, size[0] // 2 // step * step), 2 * size[0] + 1, step)
    ws = range(max(step, size[1] // 2 // step * step), 2 * size[1] + 1, step)
    near = sorted(((h, w) for h in hs for w in ws),
                  key=lambda c: abs(np.log(c[0] / size[0])) + abs(np.log(c[1] / size[1])))
    found: list[tuple[int, int]] = []
    for h, w in near:
        if all(round(h / sh) % ho == 0 and round(w / sw) % wo == 0 for sh, sw, ho, wo in strides) \
                and pools_fit(pool_shapes(net, (h, w))):
            found.append((h, w))
            if len(found) == n:
                break
    return found


@contextmanager
def quiet_output() -> Iterator[io.StringIO]:
    """Silence stdout/stderr at the file-descriptor level: the ONNX exporter prints the whole Torch IR
    graph (thousands of lines) from C++ before raising; what was printed is kept in the yielded buffer."""
    sys.stdout.flush(), sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    buf = io.StringIO()
    with tempfile.TemporaryFile("w+") as tmp:
        os.dup2(tmp.fileno(), 1), os.dup2(tmp.fileno(), 2)
        try:
            yield buf
        finally:
            sys.stdout.flush(), sys.stderr.flush()
            os.dup2(saved[0], 1), os.dup2(saved[1], 2)
            os.close(saved[0]), os.close(saved[1])
            tmp.seek(0)
            buf.write(tmp.read())


def export_onnx(net: nn.Module, example: torch.Tensor, path: Path) -> None:
    """TorchScript-based ONNX exporter (opset 17); needs onnx, not onnxscript.

    All axes are static: a symbolic batch axis hides the feature-map sizes that adaptive pooling
    needs, so the file takes exactly ``example``'s shape (batch 1 for real-time use). A size whose
    pooling bins do not divide the feature maps is refused up front, naming sizes that work."""
    require_onnx()
    size = tuple(int(v) for v in example.shape[-2:])
    meta = copy.deepcopy(net).to("meta").eval()
    if not pools_fit(pool_shapes(meta, size)):
        good = " or ".join(f"{h} {w}" for h, w in onnx_sizes(meta, size)) or "none near it"
        raise ValueError(f"ONNX export at --input-size {size[0]} {size[1]} is impossible: adaptive pooling bins do "
                         f"not divide the feature maps; sizes that work: --input-size {good} "
                         "(or --format torchscript)")
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # the fused attention kernel has no ONNX symbolic
    try:
        with warnings.catch_warnings(), quiet_output():
            warnings.simplefilter("ignore")
            torch.onnx.export(net, (example,), str(path), input_names=["image"], output_names=["logits"],
                              opset_version=17, dynamo=False)
    except torch.onnx.errors.OnnxExporterError as exc:
        first = str(exc).splitlines()[0].split("  [Caused by")[0]
        raise ValueError(f"ONNX export at --input-size {size[0]} {size[1]} failed: {first[:300]} "
                         "(or use --format torchscript)") from None
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
    import onnxruntime as ort  # optional extra (export), heavy: only when running an export

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
