"""Fault suite, resume: a run resumed under any changed setting is refused naming that setting.

Issue 14 found ``discover --resume`` mixing a run at another --resolution into one result and
``search --resume`` keeping a genotype that a newly added --max-params forbids. Every field of the
options (but the few that cannot change a result) is tried, so a field added later is covered too.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from zeroseg import provenance
from zeroseg.cli.main import main
from zeroseg.discovery import run as drun
from zeroseg.evolution import EvolutionConfig, evolve
from zeroseg.evolution.toy import BitMatch
from zeroseg.search import run as srun

TINY = ["--space", "micro", "--generations", "2", "--population", "3", "--topk", "2", "--samples", "3",
        "--repeats", "1", "--archs", "4", "--resolution", "32", "--batch-size", "4", "--workers", "1",
        "--report-repeats", "2", "--bootstrap", "0", "--hall-of-fame", "1", "--no-progress"]


def changed(value):
    """Another value of the same kind that still passes the options' range checks."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value / 2 if value else 0.5
    if isinstance(value, tuple):
        return (*value, *value[:1]) if value else ("M",)
    if isinstance(value, dict):
        return {**value, "other": 1}
    return 1 if value is None else "other"


def _checkpoint_with(options, neutral, path):
    """A real engine checkpoint that records ``options`` as its provenance (the problem is a toy:
    the refusal must come before any statistics or calibration for the new settings)."""
    evolve(BitMatch(), EvolutionConfig(population=4, topk=2, generations=1), checkpoint=path, progress=False,
           provenance=provenance.record(options, neutral))


def _compared_fields(options_cls, neutral):
    return [f.name for f in dataclasses.fields(options_cls) if f.name not in neutral]


@pytest.mark.parametrize("name", _compared_fields(drun.DiscoverOptions, drun.RESUME_NEUTRAL))
def test_discover_resume_refuses_each_changed_setting(name, tmp_path):
    base = drun.DiscoverOptions(out=str(tmp_path), cache=str(tmp_path / "cache"), archs=4, max_evaluations=10)
    _checkpoint_with(base, drun.RESUME_NEUTRAL, tmp_path / "checkpoint.json")
    new = dataclasses.replace(base, resume=True, **{name: changed(getattr(base, name))})
    with pytest.raises(provenance.ResumeMismatch) as err:
        drun.discover(new, log=lambda _m: None)
    flag = provenance.flag_names(base)[name]
    assert f"{flag} was" in str(err.value) and "checkpoint.json" in str(err.value)
    assert not (tmp_path / "cache").exists()  # refused before any statistics were computed


@pytest.mark.parametrize("name", _compared_fields(srun.SearchOptions, srun.RESUME_NEUTRAL))
def test_search_resume_refuses_each_changed_setting(name, tmp_path):
    base = srun.SearchOptions(out=str(tmp_path), budget=4, population=2)
    _checkpoint_with(base, srun.RESUME_NEUTRAL, tmp_path / "checkpoint.json")
    new = dataclasses.replace(base, resume=True, **{name: changed(getattr(base, name))})
    if name == "input_size":
        new = dataclasses.replace(new, input_size=(64, 64))
    if name == "objectives":
        new = dataclasses.replace(new, objectives=("score", "latency"))
    with pytest.raises(provenance.ResumeMismatch, match=provenance.flag_names(base)[name] + " was"):
        srun.search(new, log=lambda _m: None)
    assert not (tmp_path / "calibration.json").exists()  # refused before the scorer was calibrated


def test_search_resume_with_a_new_max_params_is_refused_on_the_command_line(tmp_path, capsys):
    base = srun.SearchOptions(out=str(tmp_path), space="gas", budget=4, population=2)
    _checkpoint_with(base, srun.RESUME_NEUTRAL, tmp_path / "checkpoint.json")
    rc = main(["search", "--space", "gas", "--budget", "4", "--population", "2", "--out", str(tmp_path),
               "--resume", "--max-params", "1e6"])
    err = capsys.readouterr().err
    assert rc == 2 and "--max-params was null, now 1000000.0" in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_a_checkpoint_without_provenance_is_not_resumed_blindly(tmp_path):
    evolve(BitMatch(), EvolutionConfig(population=4, topk=2, generations=1), checkpoint=tmp_path / "checkpoint.json",
           progress=False)
    o = drun.DiscoverOptions(out=str(tmp_path), cache=str(tmp_path / "cache"), resume=True)
    with pytest.raises(provenance.ResumeMismatch, match="does not record the settings"):
        drun.discover(o, log=lambda _m: None)


@pytest.fixture(scope="module")
def discovered(tmp_path_factory):
    """A real (tiny) discovery run: micro space, 4+4 archs at 32²."""
    root = tmp_path_factory.mktemp("discover")
    args = [*TINY, "--cache", str(root / "cache"), "--out", str(root / "run")]
    assert main(["discover", *args]) == 0
    return root, args


def test_real_discover_resume_changed_resolution_refused_same_settings_reproduce(discovered, capsys):
    root, args = discovered
    before = json.loads((root / "run" / "report.json").read_text())
    bad = [*args, "--resume"]
    bad[bad.index("--resolution") + 1] = "64"
    capsys.readouterr()
    assert main(["discover", *bad]) == 2
    err = capsys.readouterr().err
    assert "--resolution was 32, now 64" in err and "Traceback" not in err and err.count("\n") == 1
    assert main(["discover", *args, "--resume"]) == 0  # same settings: the finished run is only re-reported
    after = json.loads((root / "run" / "report.json").read_text())
    assert after["proxies"] == before["proxies"] and after["evaluated"] == before["evaluated"]


def test_report_json_is_standard_json_with_reasons_for_nulls(discovered):
    root, _ = discovered
    text = (root / "run" / "report.json").read_text()

    def refuse(constant):
        raise AssertionError(f"bare {constant} in report.json")

    report = json.loads(text, parse_constant=refuse)
    stack, nulls = [report], 0
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if v is None and k in node.get("why_null", {}):
                    nulls += 1
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    assert "NaN" not in text and "Infinity" not in text


def test_a_setting_declared_result_neutral_later_does_not_block_a_resume():
    """A checkpoint written when --transfer still counted resumes under code that lists it as neutral
    (report-only); any other differing setting is still named."""
    from zeroseg.provenance import differences

    saved = {"settings": {"space": "micro", "transfer": True}, "code": {}, "flags": {}}
    now = {"settings": {"space": "micro"}, "code": {}, "flags": {}, "neutral": ["transfer"]}
    assert differences(saved, now) == []
    (diff,) = differences({**saved, "settings": {"space": "macro", "transfer": True}}, now)
    assert diff.startswith("space was") and "macro" in diff and "micro" in diff
