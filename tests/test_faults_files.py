"""Fault suite, stored files: a damaged or foreign file is refused in one line naming it, or recovered.

Each kind of file zeroseg reads back gets a flipped byte, a truncation, a hand edit or a foreign
pickle: discovery/search checkpoints, training checkpoints (weights and sidecar), statistics-cache
entries, search calibrations, latency tables and MLP latency models. Nothing may be accepted with
different contents, and no error may be a traceback or relay torch's ``weights_only=False`` advice.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from zeroseg.cli.main import main
from zeroseg.evolution import EvolutionConfig, evolve
from zeroseg.evolution import checkpoint as eck
from zeroseg.evolution.toy import BitMatch
from zeroseg.jsonio import read_json, write_json
from zeroseg.latency.build import MLP_SHA, mlp_path
from zeroseg.latency.store import LatencyData
from zeroseg.stats import StatsCache, collect, load_batch
from zeroseg.tensorfile import file_sha256, load_tensors
from zeroseg.train import checkpoint as tck

REPO = Path(__file__).resolve().parents[1]
SIZE = ["64", "96"]


def cli(capsys, *argv: str) -> tuple[int, str]:
    """Run the CLI; return its exit code and stderr (after checking it is one line, no traceback)."""
    capsys.readouterr()
    rc = main(list(argv))
    err = capsys.readouterr().err
    if rc != 0:
        # notes and a command's status lines ("[train] torch threads: …") are not part of the error
        lines = [ln for ln in err.splitlines() if not ln.startswith(("note:", "["))]
        assert len(lines) == 1 and "Traceback" not in err, err
        assert "weights_only=False" not in err and "weights_only" not in err
    return rc, err


def flip(path: Path, offset: int, mask: int = 0x01) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= mask
    path.write_bytes(bytes(data))


def tensor_data_offset(path: Path) -> int:
    """An offset inside the largest tensor's bytes in a torch zip file (not its headers)."""
    with zipfile.ZipFile(path) as z:
        info = max((i for i in z.infolist() if "/data/" in i.filename), key=lambda i: i.file_size)
    raw = path.read_bytes()
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26: info.header_offset + 30])
    return info.header_offset + 30 + name_len + extra_len + info.file_size // 2


# -- discovery / search checkpoints ------------------------------------------------------------------


@pytest.fixture()
def engine_ckpt(tmp_path) -> Path:
    path = tmp_path / "checkpoint.json"
    evolve(BitMatch(), EvolutionConfig(population=6, topk=2, generations=3), checkpoint=path, progress=False)
    return path


def test_every_flipped_byte_of_an_engine_checkpoint_is_refused(engine_ckpt):
    size = engine_ckpt.stat().st_size
    original = engine_ckpt.read_bytes()
    offsets = sorted(set(np.random.default_rng(0).integers(0, size, 40).tolist()) | {0, size // 2, size - 2})
    for off in offsets:
        for mask in (0x01, 0x80):
            engine_ckpt.write_bytes(original)
            flip(engine_ckpt, off, mask)
            with pytest.raises(ValueError, match=str(engine_ckpt)):
                eck.load(engine_ckpt)
    engine_ckpt.write_bytes(original)
    assert eck.load(engine_ckpt).generation == 3


@pytest.mark.parametrize("edit, why", [
    (lambda d: d.update(generation=-5), "generation must be an integer >= 0"),
    (lambda d: d.update(evaluations="12"), "evaluations must be an integer"),
    (lambda d: next(iter(d["memo"].values())).update(bogus=1), "is not an entry"),
    (lambda d: d.pop("memo"), "missing"),
    (lambda d: d.update(elites=["nope"]), "elites must be keys"),
    (lambda d: d["rng_state"].update(bit_generator="seed"), "no numpy bit generator"),
])
def test_hand_edited_engine_checkpoints_are_refused(engine_ckpt, edit, why):
    doc = json.loads(engine_ckpt.read_text())
    edit(doc)
    engine_ckpt.write_text(json.dumps(doc))  # the stored sha256 no longer matches
    with pytest.raises(ValueError, match="sha256 does not match"):
        eck.load(engine_ckpt)
    doc.pop("sha256")  # a checksum-free file (older zeroseg) still goes through the schema
    engine_ckpt.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=why):
        eck.load(engine_ckpt)


def test_a_damaged_discovery_checkpoint_is_one_line_on_resume(engine_ckpt, capsys):
    flip(engine_ckpt, engine_ckpt.stat().st_size // 3)
    rc, err = cli(capsys, "discover", "--out", str(engine_ckpt.parent), "--resume", "--archs", "4")
    assert rc == 2 and str(engine_ckpt) in err


def test_stale_checkpoint_temp_files_are_cleaned(engine_ckpt):
    stale = engine_ckpt.with_name("checkpoint.json.abc123.tmp")
    stale.write_text("{")
    os.utime(stale, (0, 0))  # left by a writer killed long ago
    evolve(BitMatch(), EvolutionConfig(population=6, topk=2, generations=3), checkpoint=engine_ckpt, resume=True,
           progress=False)
    assert not stale.exists()


# -- training checkpoints --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(camvid_root, tmp_path_factory) -> tuple[Path, list[str]]:
    from zeroseg.spaces import create_space

    space = create_space("gas")
    out = tmp_path_factory.mktemp("train")
    args = ["train", "--space", "gas", "--genotype", space.encode(space.sample(np.random.default_rng(0))),
            "--dataset", "camvid", "--data-root", str(camvid_root), "--limit", "4", "--input-size", *SIZE,
            "--batch-size", "2", "--seed", "3", "--threads", "1", "--quiet", "--ckpt-every", "1"]
    assert main([*args, "--iters", "2", "--out", str(out)]) == 0
    return out, args


@pytest.fixture()
def run_copy(trained, tmp_path) -> Path:
    dst = tmp_path / "run"
    shutil.copytree(trained[0], dst)
    return dst


def test_a_bit_flip_in_model_weights_is_refused_by_eval_and_export(run_copy, capsys):
    model = run_copy / "model.pt"
    flip(model, tensor_data_offset(model))
    assert isinstance(load_tensors(model), dict)  # torch alone reads the flipped file without complaint
    for argv in (["eval", "--checkpoint", str(model), "--limit", "2"],
                 ["export", "--checkpoint", str(model), "--format", "torchscript", "--out", str(run_copy / "m")]):
        rc, err = cli(capsys, *argv)
        assert rc == 2 and str(model) in err and "sha256" in err


def test_train_resume_falls_back_to_the_newest_intact_checkpoint(run_copy, trained, capsys):
    newest = tck.latest(run_copy)
    flip(newest, tensor_data_offset(newest))
    rc, err = cli(capsys, *trained[1], "--iters", "3", "--out", str(run_copy), "--resume")
    assert rc == 0 and f"skipping damaged checkpoint: checkpoint {newest} is damaged" in err
    rows = (run_copy / "train_log.csv").read_text().splitlines()[1:]
    assert [int(r.split(",")[0]) for r in rows] == [1, 2, 3]  # iteration 2 redone from iteration 1


def test_train_resume_with_every_checkpoint_damaged_names_the_folder(run_copy, trained, capsys):
    for path in (run_copy / "checkpoints").glob("iter_*.pt"):
        flip(path, tensor_data_offset(path))
    rc, err = cli(capsys, *trained[1], "--iters", "3", "--out", str(run_copy), "--resume")
    assert rc == 2 and "no intact checkpoint in" in err and str(run_copy / "checkpoints") in err


def test_train_resume_refuses_a_changed_learning_rate(run_copy, trained, capsys):
    rc, err = cli(capsys, *trained[1], "--iters", "3", "--out", str(run_copy), "--resume", "--lr", "0.5")
    assert rc == 2 and "--lr was 0.01, now 0.5" in err


def test_a_hand_edited_sidecar_is_refused(run_copy, capsys):
    side = run_copy / "model.json"
    side.write_text(side.read_text().replace('"num_classes": 11', '"num_classes": 12'))
    rc, err = cli(capsys, "eval", "--checkpoint", str(run_copy / "model.pt"), "--limit", "2")
    assert rc == 2 and str(side) in err and "sha256" in err


def _foreign_pickle(path: Path) -> None:
    """A .pt whose unpickling would build a Python object (what weights_only refuses)."""
    torch.save({"model": argparse.Namespace(evil=True)}, path)


@pytest.mark.parametrize("command", ["eval", "export", "teacher", "resume"])
def test_a_foreign_pickle_is_named_unsafe_without_torch_advice(run_copy, trained, command, capsys):
    model = run_copy / "model.pt" if command != "resume" else tck.latest(run_copy)
    meta = tck.read_meta(model)
    meta.pop(tck.SHA)
    tck.save(model, {"model": argparse.Namespace(evil=True)}, meta)  # a valid sha256: only the pickle is bad
    argv = {"eval": ["eval", "--checkpoint", str(model), "--limit", "2"],
            "export": ["export", "--checkpoint", str(model), "--format", "torchscript", "--out", str(run_copy / "m")],
            "teacher": [*trained[1], "--iters", "1", "--out", str(run_copy / "student"), "--teacher", str(model)],
            "resume": [*trained[1], "--iters", "3", "--out", str(run_copy), "--resume"]}[command]
    rc, err = cli(capsys, *argv)
    assert rc == 2 and str(model) in err and "never unpickles" in err and "argparse.Namespace" in err


@pytest.mark.parametrize("damage", ["empty", "truncated", "folder"])
def test_empty_truncated_or_folder_pt_files_are_one_line(tmp_path, damage):
    path = tmp_path / "x.pt"
    torch.save({"w": torch.zeros(100)}, path)
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    else:
        path.unlink()
        path.mkdir()
    with pytest.raises(ValueError, match=f"checkpoint {path} is (empty|truncated|a folder)"):
        load_tensors(path)


# -- statistics cache -------------------------------------------------------------------------------


def _stats(seed: int):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 11, 1))
    x, y = load_batch(16, 2)
    return collect(model, x, y, seed=seed)


def test_swapped_cache_entries_are_refused_and_recomputed(tmp_path):
    cache = StatsCache(tmp_path)
    a, b = _stats(0), _stats(1)
    cache.put("key_a", a)
    cache.put("key_b", b)
    pa, pb = cache.path("key_a"), cache.path("key_b")
    blob_a, blob_b = pa.read_bytes(), pb.read_bytes()
    pa.write_bytes(blob_b)
    pb.write_bytes(blob_a)
    assert cache.get("key_a") is None and cache.get("key_b") is None and cache.corrupt == 2
    again = cache.get_or_compute("key_a", lambda: _stats(0))
    assert torch.equal(again.KH, a.KH) and "cache_key" not in again.meta


def test_a_cache_entry_that_is_a_folder_is_one_line(tmp_path):
    cache = StatsCache(tmp_path)
    cache.path("key_a").mkdir()
    with pytest.raises(ValueError, match=f"{cache.path('key_a')} is a folder"):
        cache.get("key_a")


# -- search calibration ----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["parse", "bound", "options"])
def test_a_damaged_calibration_is_refused_naming_it(tmp_path, damage, capsys):
    path = tmp_path / "calibration.json"
    doc = {"setup": {}, "scorer": "proxy", "requested": {}, "options": {"avt": {"nwot": [1.0, 2.0]}},
           "calibration": {}}
    write_json(path, doc, checksum=True)
    if damage == "parse":
        path.write_text(path.read_text()[:-10])
    elif damage == "bound":
        path.write_text(path.read_text().replace("2.0", "9.0"))
    else:
        doc["options"] = [1, 2]
        path.write_text(json.dumps(doc))
    rc, err = cli(capsys, "search", "--space", "gas", "--out", str(tmp_path), "--resume")
    assert rc == 2 and str(path) in err


# -- latency tables and MLP models -----------------------------------------------------------------


@pytest.fixture()
def latency(tmp_path) -> tuple[Path, str]:
    """The committed rtseg latency models, re-saved by this zeroseg (checksums recorded)."""
    src = REPO / "benches" / "results" / "latency_rtseg.json"
    dst = tmp_path / "rtseg.json"
    shutil.copy(mlp_path(src), mlp_path(dst))
    data = LatencyData.load(src)
    data.meta[MLP_SHA] = file_sha256(mlp_path(dst))
    data.save(dst)
    return dst, next(iter(data.networks))


def _predict(capsys, path: Path, genotype: str) -> tuple[int, str]:
    return cli(capsys, "latency", "predict", "--space", "rtseg", "--genotype", genotype, "--model", str(path))


def test_intact_latency_models_predict(latency, capsys):
    assert _predict(capsys, *latency)[0] == 0


@pytest.mark.parametrize("calibration", ["[-1, 0]", "[NaN, 0]", "[0.5]"])
def test_impossible_latency_calibrations_are_refused(latency, calibration, capsys):
    path, genotype = latency
    doc = read_json(path, checksum=True)  # drops the checksum: an older file, hand edited
    text = json.dumps(doc).replace(json.dumps(doc["calibration"]["table"]), calibration)
    path.write_text(text)
    rc, err = _predict(capsys, path, genotype)
    assert rc == 2 and str(path) in err and "impossible values" in err


def test_a_flipped_byte_in_a_latency_table_is_refused(latency, capsys):
    path, genotype = latency
    flip(path, path.read_text().index('"ms": ') + 8)
    rc, err = _predict(capsys, path, genotype)
    assert rc == 2 and str(path) in err


@pytest.mark.parametrize("damage", ["flip", "truncate", "foreign", "legacy-truncate"])
def test_a_damaged_mlp_latency_model_is_one_line(latency, damage, capsys):
    path, genotype = latency
    mlp = mlp_path(path)
    if damage == "flip":
        flip(mlp, tensor_data_offset(mlp))
    elif damage == "foreign":
        _foreign_pickle(mlp)
    else:
        mlp.write_bytes(mlp.read_bytes()[: mlp.stat().st_size // 2])
    if damage in ("foreign", "legacy-truncate"):  # no recorded checksum: the loader itself must refuse
        doc = read_json(path, checksum=True)
        doc["meta"].pop(MLP_SHA)
        path.write_text(json.dumps(doc))
    rc, err = _predict(capsys, path, genotype)
    assert rc == 2 and str(mlp) in err
    assert ("never unpickles" if damage == "foreign" else "damaged") in err
