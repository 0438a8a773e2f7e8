"""Build and query both latency models for one registered space (``zeroseg latency build/predict``).

Build: sample ``n_genotypes`` genotypes, collect their distinct blocks, measure each block alone
(the lookup table and the MLP's training set) and ``n_networks`` whole networks (to fit the
network factor ``a`` of both models), train the MLP. Blocks and networks are timed together in
shuffled, interleaved pools, each item's rounds spread over the whole build (``measure_rounds``),
so the factor ``a`` compares sums and networks measured under the same machine load rather than
absorbing the load's drift between two phases. Every chunk's timings are saved as they complete
(unfinished items in ``pending``), so an interrupted build resumes where it stopped. Recalibrate:
re-time only the networks and refit ``a``, for a machine whose speed has changed since the build.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from zeroseg.latency.measure import Item, Protocol, block_macs, measure_rounds, network_input
from zeroseg.latency.mlp import MLPPredictor, ratio_calibration
from zeroseg.latency.spec import BlockSpace, BlockSpec
from zeroseg.latency.store import BlockRecord, LatencyData
from zeroseg.latency.table import LookupTable, TableMiss
from zeroseg.spaces.base import create_space


MLP_SHA = "mlp_sha256"  # meta key: checksum of the MLP file saved beside the table


def block_space(name: str) -> BlockSpace:
    """The registered space ``name``, checked to expose ``blocks``/``make_block``."""
    space = create_space(name)
    if not isinstance(space, BlockSpace):
        raise ValueError(f"space {name!r} does not expose blocks()/make_block(), so it has no latency models")
    return space


def mlp_path(out: Path) -> Path:
    """Where the MLP weights live next to the measurement file ``out``."""
    return out.with_suffix(".mlp.pt")


def build_models(space_name: str, out: Path, device: str = "cpu", input_size: tuple[int, int] = (360, 480),
                 num_classes: int = 19, n_genotypes: int = 200, n_networks: int = 10, seed: int = 0,
                 protocol: Protocol = Protocol(), resume: bool = False, progress: bool = True,
                 mlp_steps: int = 2000) -> LatencyData:
    """Measure, fit and save the lookup table (``out``) and the MLP (``mlp_path(out)``)."""
    space = block_space(space_name)
    out = Path(out)
    meta = {"space": space_name, "device": str(device), "input_size": list(input_size), "num_classes": num_classes,
            "protocol": asdict(protocol), "torch": torch.__version__}
    if out.exists() and not resume:
        raise ValueError(f"{out} exists; pass --resume to continue it or choose another --out")
    data = LatencyData.load(out) if out.exists() else LatencyData(meta)
    data.check_meta(meta, out)
    rng, net_rng = np.random.default_rng(seed), np.random.default_rng([seed, 1])
    nets = [space.sample(net_rng) for _ in range(n_networks)]
    specs: dict[str, BlockSpec] = {}
    for g in [space.sample(rng) for _ in range(n_genotypes)] + nets:  # the table covers its calibration nets
        specs.update((s.key(), s) for s in space.blocks(g, input_size, num_classes))
    texts = [space.encode(g) for g in nets]
    _measure_missing(space, data, specs, texts, out, device, input_size, num_classes, protocol, seed, progress)
    mlp = MLPPredictor.fit(list(data.blocks.values()), seed=seed, steps=mlp_steps)
    _fit_calibration(space, data, mlp, input_size, num_classes)
    data.meta[MLP_SHA] = mlp.save(mlp_path(out))
    data.save(out)
    return data


def _fit_calibration(space: BlockSpace, data: LatencyData, mlp: MLPPredictor, input_size: tuple[int, int],
                     num_classes: int) -> None:
    """Both models' network factor ``a`` (RTSeg's calibration): measured / predicted sum over ``data.networks``."""
    sums: dict[str, list[float]] = {"table": [], "mlp": []}
    for text in data.networks:
        g = space.decode(text)
        sums["table"].append(LookupTable(data).predict(space, g, input_size))
        sums["mlp"].append(mlp.predict_sum(space, g, input_size, num_classes, _macs(data)))
    mlp.calibrate(sums["mlp"], list(data.networks.values()))
    data.calibration = {"mlp": list(mlp.calibration),
                        "table": list(ratio_calibration(sums["table"], list(data.networks.values())))}


def recalibrate(path: Path, progress: bool = True) -> dict[str, list[float]]:
    """Re-time the calibration networks now and refit both factors; blocks and the MLP are kept.

    A model built on a machine at one load and used at another is off by the ratio of the two
    speeds (attnas read 29% MAPE that way in session 2, 6% recalibrated); re-timing its few networks
    (the build's device and protocol) brings the factor back. Returns each model's factor before/after.
    """
    models = LatencyModels(path)
    data, space, meta = models.data, models.space, models.data.meta
    before = {k: list(v) for k, v in data.calibration.items()}
    size, classes = tuple(meta["input_size"]), meta["num_classes"]
    texts = list(data.networks)

    def make(key: str) -> Item:
        torch.manual_seed(0)
        return space.build(space.decode(key), classes), [network_input(size)]

    pending: dict[str, list[float]] = {}
    measure_rounds(texts, make, meta["device"], Protocol(**meta["protocol"]), pending, data.networks.update,
                   desc=f"{space.name} calibration networks", progress=progress)
    _fit_calibration(space, data, models.mlp, size, classes)
    data.meta[MLP_SHA] = models.mlp.save(mlp_path(models.path))
    data.save(models.path)
    return {model: [before.get(model, [1.0, 0.0])[0], data.calibration[model][0]] for model in data.calibration}


def _measure_missing(space: BlockSpace, data: LatencyData, specs: dict[str, BlockSpec], texts: list[str], out: Path,
                     device: str, input_size: tuple[int, int], num_classes: int, protocol: Protocol, seed: int,
                     progress: bool) -> None:
    """Time the blocks and networks ``data`` lacks, mixed in interleaved pools; save every chunk to ``out``."""
    todo = [f"block {k}" for k in specs if k not in data.blocks] + [f"net {t}" for t in texts if t not in data.networks]

    def make(key: str) -> Item:
        kind, name = key.split(" ", 1)
        torch.manual_seed(0)
        if kind == "block":
            return space.make_block(specs[name]), specs[name].inputs()
        return space.build(space.decode(name), num_classes), [network_input(input_size)]

    def save(res: dict[str, float]) -> None:
        for key, ms in res.items():
            kind, name = key.split(" ", 1)
            if kind == "block":
                data.blocks[name] = BlockRecord(specs[name], ms, block_macs(space, specs[name]))
            else:
                data.networks[name] = ms
        data.save(out)

    measure_rounds(todo, make, device, protocol, data.pending, save, seed=seed, desc=f"{space.name} blocks+networks",
                   progress=progress)


def _macs(data: LatencyData) -> dict[str, int]:
    return {k: r.macs for k, r in data.blocks.items()}


class LatencyModels:
    """Both saved models of one space, loaded for prediction."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"latency file {self.path} not found (run `zeroseg latency build` first)")
        self.data = LatencyData.load(self.path)
        self.mlp = MLPPredictor.load(mlp_path(self.path), self.data.meta.get(MLP_SHA))
        self.space = block_space(self.data.meta["space"])
        self.input_size = tuple(self.data.meta["input_size"])

    def predict(self, g: Any, input_size: tuple[int, int] | None = None) -> dict[str, Any]:
        """Latency estimates (ms): raw block sums and calibrated values of both models."""
        size = tuple(input_size or self.input_size)
        mlp_sum = self.mlp.predict_sum(self.space, g, size, self.data.meta["num_classes"], _macs(self.data))
        res: dict[str, Any] = {"input_size": list(size), "mlp_sum_ms": mlp_sum, "mlp_ms": self.mlp.apply(mlp_sum)}
        try:
            tsum = LookupTable(self.data).predict(self.space, g, size)
            a, b = self.data.calibration.get("table", [1.0, 0.0])
            res.update(table_sum_ms=tsum, table_ms=a * tsum + b)
        except TableMiss as exc:
            res.update(table_sum_ms=None, table_ms=None, table_error=str(exc))
        return res
