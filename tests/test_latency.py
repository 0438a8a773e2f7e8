"""Latency models: measurement protocol, tiny real builds (table + MLP), resume, predict, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from zeroseg.cli.main import main
from zeroseg.latency.build import LatencyModels, build_models, mlp_path
from zeroseg.latency.measure import Protocol, block_macs, measure_ms, measure_rounds, pool_times
from zeroseg.latency.mlp import MLPPredictor
from zeroseg.latency.spec import BlockSpec
from zeroseg.latency.store import LatencyData
from zeroseg.latency.table import LookupTable, TableMiss
from zeroseg.spaces import create_space


TINY = dict(input_size=(64, 64), num_classes=5, n_genotypes=1, n_networks=2,
            protocol=Protocol(warmup=0, repeats=1, rounds=1), progress=False, mlp_steps=150)


@pytest.fixture(scope="module")
def attnas_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lat") / "attnas.json"
    build_models("attnas", out, **TINY)
    return out


def test_protocol_rejects_bad_settings() -> None:
    for bad in (dict(repeats=0), dict(warmup=-1), dict(threads=0), dict(clock="sundial"), dict(rounds=0)):
        with pytest.raises(ValueError):
            Protocol(**bad)


def test_measure_ms_is_positive_and_larger_for_more_work() -> None:
    conv = torch.nn.Conv2d(16, 16, 3, padding=1)
    small = measure_ms(conv, [torch.randn(1, 16, 16, 16)], "cpu", Protocol(1, 3))
    big = measure_ms(conv, [torch.randn(1, 16, 128, 128)], "cpu", Protocol(1, 3))
    assert 0 < small < big


def test_pool_times_every_module_round_robin() -> None:
    """One pool: every item timed rounds × repeats times, and more work reads slower."""
    conv = torch.nn.Conv2d(16, 16, 3, padding=1)
    items = {"small": (conv, [torch.randn(1, 16, 16, 16)]), "big": (conv, [torch.randn(1, 16, 128, 128)])}
    res = pool_times(items, "cpu", Protocol(warmup=1, repeats=2, rounds=2))
    assert {k: len(v) for k, v in res.items()} == {"small": 4, "big": 4}
    assert 0 < sorted(res["small"])[1] < sorted(res["big"])[1]


def test_measure_rounds_is_round_major_and_resumes() -> None:
    """Every chunk is visited once per round; items finish in the last round; a resumed item keeps its runs."""
    conv = torch.nn.Conv2d(4, 4, 1)
    built: list[str] = []

    def make(key: str) -> tuple[torch.nn.Module, list[torch.Tensor]]:
        built.append(key)
        return conv, [torch.randn(1, 4, 8, 8)]

    done: dict[str, float] = {}
    pending = {"k0": [5.0, 5.0]}  # k0 resumed with its first round already timed
    keys = [f"k{i}" for i in range(5)]
    measure_rounds(keys, make, "cpu", Protocol(0, 2, rounds=2), pending, done.update, chunk=2, progress=False)
    assert sorted(done) == keys and pending == {} and all(v > 0 for v in done.values())
    assert sorted(built) == sorted(keys * 2)[1:]  # k0 was built once (round 2 only), the others twice
    assert len(set(built[:4])) == 4  # round 1 visits every other item before any second round


def test_block_spec_json_round_trip_and_macs() -> None:
    spec = BlockSpec("attnas", "att7", 32, 32, 9, 11)
    assert BlockSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    assert block_macs(create_space("attnas"), spec) == 9 * 32 * 32 * 9 * 11  # one 3×3 atrous conv
    with pytest.raises(ValueError, match="unknown fields"):
        BlockSpec.from_json({**spec.to_json(), "colour": 1})


def test_build_writes_table_and_mlp(attnas_models: Path) -> None:
    data = LatencyData.load(attnas_models)
    assert len(data.networks) == 2 and len(data.blocks) > 20
    assert all(r.ms > 0 and r.macs >= 0 for r in data.blocks.values())
    assert data.meta["space"] == "attnas" and data.calibration["mlp"][0] > 0
    assert MLPPredictor.load(mlp_path(attnas_models)).vocab  # weights_only load works


def test_predict_both_models(attnas_models: Path) -> None:
    models = LatencyModels(attnas_models)
    space = models.space
    g = space.decode(next(iter(models.data.networks)))
    res = models.predict(g)
    assert res["table_ms"] > 0 and res["mlp_ms"] > 0 and math.isfinite(res["mlp_sum_ms"])
    # the table is the sum of its own entries
    assert res["table_sum_ms"] == pytest.approx(sum(LookupTable(models.data).predict_blocks(space, g, (64, 64))))
    # an unmeasured input size: the table refuses by name, the MLP still predicts
    other = models.predict(g, (96, 128))
    assert other["table_ms"] is None and "no entry" in other["table_error"] and other["mlp_ms"] > 0
    with pytest.raises(TableMiss):
        LookupTable(models.data).predict(space, g, (96, 128))


def test_resume_measures_nothing_new_and_refuses_other_setups(attnas_models: Path) -> None:
    before = attnas_models.read_text()
    with pytest.raises(ValueError, match="--resume"):
        build_models("attnas", attnas_models, **TINY)
    build_models("attnas", attnas_models, resume=True, **TINY)
    after = json.loads(attnas_models.read_text())
    assert json.loads(before)["blocks"] == after["blocks"]  # same entries, same times: nothing re-measured
    assert json.loads(before)["networks"] == after["networks"]
    with pytest.raises(ValueError, match="different setup"):
        build_models("attnas", attnas_models, resume=True, **{**TINY, "num_classes": 7})


def test_recalibrate_retimes_the_networks_and_refits_both_factors(tmp_path: Path, capsys) -> None:
    """The calibration networks are re-timed (blocks kept) and each factor is measured / predicted sum again."""
    import shutil

    src = tmp_path / "src.json"
    build_models("attnas", src, **TINY)
    path = tmp_path / "attnas.json"
    shutil.copy(src, path)
    shutil.copy(mlp_path(src), mlp_path(path))
    before = LatencyData.load(path)
    before.networks = {k: 1000 * v for k, v in before.networks.items()}  # as if built on a 1000× slower machine
    before.save(path)
    assert main(["latency", "recalibrate", "--model", str(path)]) == 0
    after, models = LatencyData.load(path), LatencyModels(path)
    assert after.blocks.keys() == before.blocks.keys() and after.networks.keys() == before.networks.keys()
    assert all(after.networks[k] < before.networks[k] / 100 for k in after.networks)  # timed again, now
    g = models.space.decode(next(iter(after.networks)))
    pred = models.predict(g)
    assert models.mlp.calibration[0] == pytest.approx(after.calibration["mlp"][0])
    assert pred["mlp_ms"] == pytest.approx(after.calibration["mlp"][0] * pred["mlp_sum_ms"])
    assert "mlp: network factor" in capsys.readouterr().out


def test_mlp_is_deterministic_under_a_seed(attnas_models: Path) -> None:
    records = list(LatencyData.load(attnas_models).blocks.values())
    space = create_space("attnas")
    specs = [r.spec for r in records[:5]]
    a = MLPPredictor.fit(records, seed=3, steps=50).predict_specs(space, specs)
    b = MLPPredictor.fit(records, seed=3, steps=50).predict_specs(space, specs)
    assert a == b and all(v > 0 for v in a)


def test_bad_files_are_explicit_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        LatencyData.load(bad)
    bad.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a zeroseg latency file"):
        LatencyData.load(bad)
    weights = tmp_path / "w.mlp.pt"
    torch.save({"something": torch.zeros(1)}, weights)
    with pytest.raises(ValueError, match="not a zeroseg MLP"):
        MLPPredictor.load(weights)


def test_cli_build_and_predict_rtseg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rtseg.json"
    args = ["latency", "build", "--space", "rtseg", "--out", str(out), "--input-size", "64x64",
            "--genotypes", "1", "--networks", "1", "--repeats", "1", "--warmup", "0", "--mlp-steps", "150"]
    assert main(args) == 0
    assert main(args) == 2  # exists without --resume: a clear error, not an overwrite
    text = next(iter(LatencyData.load(out).networks))
    capsys.readouterr()
    assert main(["latency", "predict", "--space", "rtseg", "--genotype", text, "--model", str(out)]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["mlp_ms"] > 0 and res["table_ms"] > 0
    assert main(["latency", "predict", "--space", "attnas", "--genotype", text, "--model", str(out)]) == 2
