"""RTSeg's MLP latency model (RTSeg §Latency-Aware Constraints, Eq. 9): 5 fully connected layers
with ReLU predict a block's latency from its characteristics; a network's latency is the sum
over its blocks. Unlike the lookup table it generalises to blocks never measured.

Features: one-hot op, log-sizes (C_in, C_out, H·W, output size), stride, kernel, expansion,
dilation, extra-input size, log multiply-adds. Target: log latency (so the fit is relative).
A factor ``a`` (median of measured / Σ over a few measured whole networks) absorbs what isolated
block timings miss (inter-block overheads, cache effects); raw sums are reported beside it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from zeroseg.atomic import atomic_write
from zeroseg.latency.measure import block_macs, fixed_threads
from zeroseg.latency.spec import BlockSpace, BlockSpec
from zeroseg.latency.store import BlockRecord
from zeroseg.tensorfile import file_sha256, load_tensors, verify_sha256


def _features(spec: BlockSpec, macs: int, vocab: list[str]) -> list[float]:
    onehot = [1.0 if spec.op == v else 0.0 for v in vocab]
    return onehot + spec.numeric() + [math.log2(1 + macs)]


def ratio_calibration(sums: list[float], measured: list[float]) -> tuple[float, float]:
    """``(a, 0)`` with ``a`` the median ratio measured / predicted sum; identity without networks."""
    if not sums:
        return (1.0, 0.0)
    return (float(np.median(np.array(measured) / np.array(sums))), 0.0)


class LatencyMLP(nn.Module):
    """Five linear layers with ReLU between them (RTSeg: "an MLP with 5 fully connected layers")."""

    def __init__(self, n_in: int, hidden: int = 64) -> None:
        super().__init__()
        dims = [n_in, hidden, hidden, hidden, hidden // 2]
        layers: list[nn.Module] = []
        for a, b in zip(dims, dims[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Linear(dims[-1], 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


class MLPPredictor:
    """A trained ``LatencyMLP`` with its feature vocabulary, normalisation and network calibration."""

    def __init__(self, model: LatencyMLP, vocab: list[str], mean: np.ndarray, std: np.ndarray,
                 calibration: tuple[float, float] = (1.0, 0.0)) -> None:
        self.model, self.vocab, self.mean, self.std = model.eval(), vocab, mean, std
        self.calibration = calibration

    @classmethod
    def fit(cls, records: list[BlockRecord], seed: int = 0, steps: int = 2000, hidden: int = 64) -> "MLPPredictor":
        """Train on measured blocks (full batch, Adam, MSE on log-latency); deterministic under ``seed``."""
        if len(records) < 4:
            raise ValueError(f"MLP latency model needs at least 4 measured blocks, got {len(records)}")
        vocab = sorted({r.spec.op for r in records})
        x = np.array([_features(r.spec, r.macs, vocab) for r in records])
        mean, std = x.mean(0), x.std(0) + 1e-6
        y = torch.tensor([math.log(max(r.ms, 1e-4)) for r in records], dtype=torch.float32)
        xt = torch.tensor((x - mean) / std, dtype=torch.float32)
        torch.manual_seed(seed)
        model = LatencyMLP(x.shape[1], hidden)
        opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-5)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        with fixed_threads(1):  # tiny tensors: extra threads only add overhead
            for _ in range(steps):
                opt.zero_grad()
                nn.functional.mse_loss(model(xt), y).backward()
                opt.step()
                sched.step()
        return cls(model, vocab, mean, std)

    def predict_specs(self, space: BlockSpace, specs: list[BlockSpec],
                      macs: dict[str, int] | None = None) -> list[float]:
        """Per-block latency (ms); ``macs`` caches multiply-adds by spec key (computed when absent)."""
        macs = macs or {}
        feats = [_features(s, macs[s.key()] if s.key() in macs else block_macs(space, s), self.vocab) for s in specs]
        xt = torch.tensor((np.array(feats) - self.mean) / self.std, dtype=torch.float32)
        with torch.no_grad():
            return torch.exp(self.model(xt)).tolist()

    def predict_sum(self, space: BlockSpace, g: Any, input_size: tuple[int, int], num_classes: int,
                    macs: dict[str, int] | None = None) -> float:
        """Uncalibrated network latency (ms): the sum of per-block predictions."""
        return float(sum(self.predict_specs(space, space.blocks(g, input_size, num_classes), macs)))

    def calibrate(self, sums: list[float], measured: list[float]) -> None:
        """Set the network factor ``a`` = median(measured / sum), ``b`` = 0 (robust with few networks)."""
        self.calibration = ratio_calibration(sums, measured)

    def apply(self, total: float) -> float:
        a, b = self.calibration
        return a * total + b

    def save(self, path: Path) -> str:
        """Write the model; returns the file's sha256 (stored in the latency file's meta, checked on load)."""
        state = {"state_dict": self.model.state_dict(), "vocab": self.vocab, "mean": self.mean.tolist(),
                 "std": self.std.tolist(), "hidden": self.model.net[0].out_features,
                 "calibration": list(self.calibration)}
        return file_sha256(atomic_write(path, lambda tmp: torch.save(state, tmp), fsync=False))

    @classmethod
    def load(cls, path: Path, sha256: str | None = None) -> "MLPPredictor":
        """Load with ``weights_only=True`` (tensors and plain values only, never arbitrary pickles),
        after checking the bytes against ``sha256`` when the latency file recorded one."""
        if sha256 is not None and Path(path).is_file():
            verify_sha256(path, sha256, "MLP latency model")
        d = load_tensors(path, "MLP latency model")
        try:
            model = LatencyMLP(len(d["mean"]), int(d["hidden"]))
            model.load_state_dict(d["state_dict"])
            a, b = (float(d["calibration"][0]), float(d["calibration"][1]))
        except (KeyError, RuntimeError, TypeError, IndexError, ValueError) as exc:
            raise ValueError(f"{path}: not a zeroseg MLP latency model ({type(exc).__name__})") from None
        if not (math.isfinite(a) and math.isfinite(b) and a > 0):
            raise ValueError(f"{path}: impossible calibration [{a}, {b}] (damaged or edited)")
        return cls(model, list(d["vocab"]), np.array(d["mean"]), np.array(d["std"]), (a, b))
