"""One source of truth for options: the flags of discover / search / train are generated from their
dataclasses with the same defaults, scorer options come from the scorers, and the flags every command
shares (--input-size, --num-classes, --device, --seed) read alike everywhere."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from zeroseg.cli.main import build_parser, main
from zeroseg.cli.options import NUM_CLASSES, add_scorer_flags, cli_fields, flag_of, from_args, scorer_flags
from zeroseg.discovery.run import DiscoverOptions
from zeroseg.registry import Registry
from zeroseg.search.run import SearchOptions, requested_scorer
from zeroseg.train.trainer import TrainConfig

PARSER = build_parser()
# leaves that only read or print files, so they run no network and take neither --device nor --seed
READ_ONLY = {"spaces list", "spaces show", "spaces sample", "proxies list", "proxies show", "latency predict",
             "latency recalibrate"}


def leaves(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every runnable (sub)command parser by its command words."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {prefix.strip(): parser}
    return {k: v for a in subs for name, p in a.choices.items() for k, v in leaves(p, f"{prefix} {name}").items()}


LEAVES = leaves(PARSER)


def actions(cmd: str) -> dict[str, argparse.Action]:
    return {opt: a for a in LEAVES[cmd]._actions for opt in a.option_strings}


@pytest.mark.parametrize("cls, cmd, required", [
    (DiscoverOptions, "discover", {}),
    (SearchOptions, "search", {"space": "gas", "out": "runs/x"}),
])
def test_generated_flags_carry_the_dataclass_defaults(cls, cmd, required):
    acts = actions(cmd)
    for f, meta in cli_fields(cls):
        act = acts[flag_of(f, meta)]
        assert act.dest == f.name
        default = dataclasses.MISSING if f.default is dataclasses.MISSING else f.default
        if "from_cli" not in meta and default is not dataclasses.MISSING and not meta.get("required"):
            assert act.default == default, f.name
    argv = [cmd] + [w for k, v in required.items() for w in (f"--{k}", v)]
    assert from_args(cls, PARSER.parse_args(argv)) == cls(**required)


def test_old_flag_spellings_still_parse():
    a = PARSER.parse_args(["discover", "--budget", "7", "--bootstrap", "9", "--no-seed-library", "--archs", "0",
                           "--partner-weights", "0.5", "2", "--no-progress"])
    o = from_args(DiscoverOptions, a)
    assert (o.max_evaluations, o.n_boot, o.seed_library, o.archs, o.partner_weights, o.progress) == (
        7, 9, False, None, (0.5, 2.0), False)
    a = PARSER.parse_args(["search", "--space", "gas", "--out", "o", "--avt-samples", "3", "--objectives",
                           "score,flops", "--input-size", "96", "128", "--scorer-opt", "lr=0.1"])
    o = from_args(SearchOptions, a)
    assert (o.objectives, o.input_size, o.scorer_options, scorer_flags(a)) == (
        ("score", "flops"), (96, 128), {"lr": 0.1}, {"avt_samples": 3})


def test_train_flags_take_trainconfig_defaults():
    from zeroseg.cli.commands.train import CONFIG_FLAGS

    acts, fields = actions("train"), {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    for f, meta in cli_fields(TrainConfig, CONFIG_FLAGS):
        assert acts[flag_of(f, meta)].default == fields[f.name], f.name
    assert {"--quiet", "--no-amp", "--lr", "--batch-size", "--seed", "--device"} <= set(acts)


def test_scorer_options_come_from_the_scorer():
    name, requested = requested_scorer(SearchOptions(scorer="saswot"))
    assert (name, requested) == ("proxy", {"proxy": "saswot", "avt_samples": 30})
    _, requested = requested_scorer(SearchOptions(scorer="supernet", scorer_options={"finetune_steps": 2}))
    assert requested["finetune_steps"] == 2 and requested["supernet_steps"] == 300
    with pytest.raises(ValueError, match="scorer 'proxy' takes no option 'supernet_steps'"):
        requested_scorer(SearchOptions(scorer="saswot", scorer_options={"supernet_steps": 3}))


def test_a_new_scorer_is_one_registered_class_with_its_flags():
    reg: Registry[type] = Registry("scorer")

    @reg.register("tiny", needs=(), cost="nothing", flags={"width": "channels of the probe"})
    class Tiny:  # noqa: D401 - a scorer needs no more than its constructor for its flags
        def __init__(self, setup, width: int = 8, hidden: str = "x"):
            self.width = width

    p = argparse.ArgumentParser()
    add_scorer_flags(p, reg)
    assert scorer_flags(p.parse_args(["--width", "3"])) == {"width": 3} and scorer_flags(p.parse_args([])) == {}
    assert "--hidden" not in p.format_help()


def test_scorer_option_given_twice_is_one_clear_line(capsys):
    assert main(["search", "--space", "gas", "--out", "o", "--avt-samples", "3", "--scorer-opt",
                 "avt_samples=4"]) == 2
    assert "avt_samples' given both as a flag and as --scorer-opt" in capsys.readouterr().err


@pytest.mark.parametrize("cmd", sorted(LEAVES))
def test_shared_flags_read_alike(cmd):
    acts = actions(cmd)
    if cmd not in READ_ONLY:
        assert {"--device", "--seed"} <= set(acts), f"{cmd} lacks --device/--seed"
    assert ("--device" in acts) <= ("--seed" in acts)
    if "--num-classes" in acts and cmd != "eval":  # eval: the checkpoint's classes
        assert acts["--num-classes"].default == NUM_CLASSES == 11
    for flag in ("--input-size", "--fps-size"):
        if flag in acts:
            for form in (["96", "128"], ["96x128"]):
                ns = argparse.Namespace()
                acts[flag](LEAVES[cmd], ns, form, flag)
                assert getattr(ns, acts[flag].dest) == (96, 128), (cmd, flag, form)
