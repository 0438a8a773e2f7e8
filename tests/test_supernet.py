"""Supernet scorer: weight sharing, seeded training, checkpoint reuse and errors, scoring, search end to end."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from zeroseg.scorers import ScoringSetup, create_scorer
from zeroseg.spaces import create_space, list_spaces
from zeroseg.supernet import (SupernetCheckpointError, SupernetSettings, WeightStore, checkpoint_path, slots,
                              train_supernet)

TINY = dict(supernet_steps=2, finetune_steps=1, supernet_val_images=2)
SMALL = dict(input_size=(64, 64), batch_size=2, seed=3)


def bound(store: WeightStore, space, g) -> dict[str, torch.Tensor]:
    net = space.build(g, 11)
    store.bind(net)
    return {s.key.split("|")[0]: s.tensor() for s in slots(net)}


def test_same_op_shares_a_tensor_other_op_or_width_does_not():
    gas = create_space("gas")
    g1 = gas.sample(np.random.default_rng(0))
    cell0 = list(g1.cells[0])
    cell0[1] = 1 if cell0[1] != 1 else 2  # conv_3x3 ↔ sep_conv_3x3 on edge 1 of cell 0
    g2 = dataclasses.replace(g1, cells=(tuple(cell0),) + g1.cells[1:])
    store = WeightStore()
    a, b = bound(store, gas, g1), bound(store, gas, g2)
    shared = [k for k in a if k.startswith("body.cells.5.")]
    assert shared and all(a[k] is b[k] for k in shared)
    edge = [k for k in a if k.startswith("body.cells.0.edges.1.")]
    assert edge and not any(b.get(k) is a[k] for k in edge)

    fs = create_space("fasterseg")
    f1 = fs.sample(np.random.default_rng(0))
    ops, widths = list(f1.ops), list(f1.widths)
    ops[0], widths[0] = 1, 0
    f1 = dataclasses.replace(f1, ops=tuple(ops), widths=tuple(widths))
    widths[0] = 4
    f2 = dataclasses.replace(f1, widths=tuple(widths))
    store = WeightStore()
    a, b = bound(store, fs, f1), bound(store, fs, f2)
    assert all(a[k] is b[k] for k in a if k.startswith("body.stem."))
    cell = [k for k in a if k.startswith("body.cells.l0_00.") and k.endswith("weight")]
    assert cell and all(a[k].shape != b[k].shape and a[k] is not b[k] for k in cell[:1])


@pytest.mark.parametrize("space", list_spaces())
def test_every_space_trains_a_single_path_step(space, camvid_root):
    settings = SupernetSettings(space, "camvid", 11, (64, 64), 2, 1, 0, 0.02)
    store, info = train_supernet(settings, str(camvid_root), log=lambda _m: None)
    assert math.isfinite(info["first_loss"]) and info["tensors"] == len(store)
    assert 0 < len(store.momentum) <= len(store.params)  # the sampled path got an SGD-momentum step


@pytest.mark.parametrize("space", ["gas", "fasterseg"])
def test_training_is_seeded_checkpointed_and_reused(space, camvid_root, tmp_path):
    setup = ScoringSetup(space=space, data_root=str(camvid_root), **SMALL)
    first = create_scorer("supernet", setup, supernet_dir=str(tmp_path / "a"), **TINY)
    info = first.calibrate(log=lambda _m: None)
    assert info["trained"] and math.isfinite(info["first_loss"]) and math.isfinite(info["last_loss_mean"])
    again = create_scorer("supernet", setup, supernet_dir=str(tmp_path / "b"), **TINY)
    again.calibrate(log=lambda _m: None)
    sa = torch.load(first.checkpoint, weights_only=True)
    sb = torch.load(again.checkpoint, weights_only=True)
    assert sa.keys() == sb.keys() and any(k.startswith("momentum/") for k in sa)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    mtime = (tmp_path / "a").joinpath(first.checkpoint.split("/")[-1]).stat().st_mtime_ns
    reuse = create_scorer("supernet", setup, supernet_dir=str(tmp_path / "a"), **TINY)
    info = reuse.calibrate(log=lambda _m: None)
    assert not info["trained"] and reuse.checkpoint == first.checkpoint
    assert (tmp_path / "a").joinpath(first.checkpoint.split("/")[-1]).stat().st_mtime_ns == mtime
    other = create_scorer("supernet", setup, supernet_dir=str(tmp_path / "a"), **{**TINY, "supernet_steps": 3})
    assert str(checkpoint_path(tmp_path / "a", other.settings)) != first.checkpoint  # other settings, other file


def test_scoring_is_deterministic_in_unit_range_and_survives_rebuild(camvid_root, tmp_path):
    setup = ScoringSetup(space="gas", data_root=str(camvid_root), **SMALL)
    scorer = create_scorer("supernet", setup, supernet_dir=str(tmp_path), **TINY)
    scorer.calibrate(log=lambda _m: None)
    g = create_space("gas").sample(np.random.default_rng(7))
    a, b = scorer.score(g), scorer.score(g)
    assert a.ok and 0.0 <= a.value <= 1.0 and a.value == b.value
    assert 0 < a.info["inherited"] <= a.info["tensors"] and math.isfinite(a.info["finetune_loss"])
    rebuilt = create_scorer("supernet", setup, **json.loads(json.dumps(scorer.options())))  # what a worker does
    assert rebuilt.score(g).value == a.value
    blown = create_scorer("supernet", setup, **{**scorer.options(), "finetune_steps": 3, "finetune_lr": 1e30})
    bad = blown.score(g)
    assert not bad.ok and "loss" in bad.invalid


def test_corrupt_or_mismatched_checkpoint_names_the_file(camvid_root, tmp_path):
    setup = ScoringSetup(space="gas", data_root=str(camvid_root), **SMALL)
    scorer = create_scorer("supernet", setup, supernet_dir=str(tmp_path), **TINY)
    scorer.calibrate(log=lambda _m: None)
    path = scorer.checkpoint
    side = path[:-3] + ".json"
    doc = json.loads(open(side).read())
    doc["settings"]["lr"] = 0.5
    open(side, "w").write(json.dumps(doc))
    with pytest.raises(SupernetCheckpointError, match=f"{path}.*other settings.*lr"):
        create_scorer("supernet", setup, supernet_dir=str(tmp_path), **TINY).calibrate(log=lambda _m: None)
    doc["settings"]["lr"] = scorer.options()["lr"]
    open(side, "w").write(json.dumps(doc))
    open(path, "wb").write(b"not a torch file")
    with pytest.raises(SupernetCheckpointError, match=f"{path} is unreadable"):
        create_scorer("supernet", setup, **scorer.options()).score(create_space("gas").sample(np.random.default_rng(0)))
    with pytest.raises(RuntimeError, match="calibrate"):
        create_scorer("supernet", setup, **TINY).score(create_space("gas").sample(np.random.default_rng(0)))


def test_search_cli_with_the_supernet_scorer(camvid_root, tmp_path, capsys):
    from zeroseg.cli.main import main

    out = tmp_path / "out"
    rc = main(["search", "--space", "gas", "--scorer", "supernet", "--data-root", str(camvid_root),
               "--input-size", "64", "64", "--batch-size", "2", "--budget", "4", "--population", "2", "--topk", "2",
               "--supernet-steps", "2", "--finetune-steps", "1", "--supernet-val-images", "2",
               "--supernet-dir", str(tmp_path / "cache"), "--out", str(out), "--no-progress"])
    assert rc == 0
    assert (out / "topk.csv").is_file() and "score" in (out / "topk.csv").read_text().splitlines()[0]
    cal = json.loads((out / "calibration.json").read_text())
    assert cal["calibration"]["trained"] and cal["options"]["checkpoint"].startswith(str(tmp_path / "cache"))
    assert cal["requested"] == {"supernet_steps": 2, "finetune_steps": 1, "supernet_val_images": 2,
                                "supernet_dir": str(tmp_path / "cache")}
