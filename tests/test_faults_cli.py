"""Fault suite, bad input and a failing environment: one line naming the flag, file or address.

Bad flags (budgets, workers, epochs, sizes, an --out that is a file), absurd genotypes and proxy
texts, a --scheduler that does not answer, a Dask cluster that loses every worker, a killed main
process with loky workers. None may end in a traceback, hang, or give a silently different result.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from zeroseg import provenance
from zeroseg.cli.main import main
from zeroseg.discovery.run import DiscoverOptions
from zeroseg.dsl import parse
from zeroseg.dsl.types import ProxySyntaxError
from zeroseg.evolution import EvolutionConfig, evolve
from zeroseg.evolution import checkpoint as eck
from zeroseg.evolution.executors import DaskExecutor, SchedulerUnreachable, WorkersLost
from zeroseg.evolution.toy import BitMatch
from zeroseg.spaces import create_space

FLAGS = provenance.flag_names(DiscoverOptions())


def cli(capsys, *argv: str) -> tuple[int, str]:
    """Exit code and stderr of the CLI; a failure must be exactly one line without a traceback."""
    capsys.readouterr()
    rc = main(list(argv))
    err = capsys.readouterr().err
    if rc != 0:
        error = [ln for ln in err.splitlines() if not ln.startswith("[")]  # "[train] torch threads: …" is status
        assert len(error) == 1 and "Traceback" not in err, err
    return rc, err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("argv, expected", [
    (["--budget", "0"], f"{FLAGS['max_evaluations']} must be a number >= 1 (or unset), got 0"),
    (["--workers", "0"], "--workers must be a number >= 1, got 0"),
    (["--workers", "-2"], "--workers must be a number >= 1, got -2"),
    (["--generations", "0"], "--generations must be a number >= 1, got 0"),
    (["--samples", "1"], "--samples must be a number >= 2, got 1"),
    (["--layer-share", "1.5"], "--layer-share must be a share in [0, 1], got 1.5"),
    (["--partner-weights", "-1"], "--partner-weights must be numbers > 0"),
])
def test_bad_discover_flags_fail_first_naming_the_flag(argv, expected, tmp_path, capsys):
    rc, err = cli(capsys, "discover", "--out", str(tmp_path / "run"), "--cache", str(tmp_path / "c"), *argv)
    assert rc == 2 and expected in err and not (tmp_path / "c").exists()


@pytest.mark.parametrize("argv, expected", [
    (["--budget", "0"], "--budget must be a number >= 1, got 0"),
    (["--workers", "-2"], "--workers must be a number >= 1, got -2"),
    (["--max-params", "-5"], "--max-params must be a number >= 0 (or unset), got -5.0"),
])
def test_bad_search_flags_fail_first_naming_the_flag(argv, expected, tmp_path, capsys):
    rc, err = cli(capsys, "search", "--space", "gas", "--out", str(tmp_path), *argv)
    assert rc == 2 and expected in err and not (tmp_path / "calibration.json").exists()


@pytest.mark.parametrize("command", ["discover", "search"])
def test_out_naming_a_file_is_one_line(command, tmp_path, capsys):
    target = tmp_path / "a_file"
    target.write_text("x")
    extra = ["--space", "gas"] if command == "search" else ["--cache", str(tmp_path / "c")]
    rc, err = cli(capsys, command, "--out", str(target), *extra)
    assert rc == 2 and f"{target}: File exists" in err


def _train(camvid_root: Path, tmp_path: Path, *argv: str, space: str = "gas") -> list[str]:
    return ["train", "--space", space, "--dataset", "camvid", "--data-root", str(camvid_root), "--limit", "2",
            "--input-size", "64", "96", "--out", str(tmp_path / "run"), "--quiet", *argv]


@pytest.mark.parametrize("argv, expected", [
    (["--epochs", "0"], "--epochs must be >= 1, got 0"),
    (["--iters", "-1"], "--iters must be >= 1, got -1"),
    (["--time-budget", "0"], "--time-budget must be > 0, got 0.0"),
])
def test_bad_train_budgets_fail_before_training(camvid_root, tmp_path, argv, expected, capsys):
    g = create_space("gas").encode(create_space("gas").sample(np.random.default_rng(0)))
    rc, err = cli(capsys, *_train(camvid_root, tmp_path, "--genotype", g, *argv))
    assert rc == 2 and expected in err and not (tmp_path / "run" / "train_log.csv").exists()


def test_train_out_naming_a_file_is_one_line(camvid_root, tmp_path, capsys):
    g = create_space("gas").encode(create_space("gas").sample(np.random.default_rng(0)))
    (tmp_path / "run").write_text("x")
    rc, err = cli(capsys, *_train(camvid_root, tmp_path, "--genotype", g, "--iters", "1"))
    assert rc == 2 and str(tmp_path / "run") in err


@pytest.mark.parametrize("space, genotype", [
    ("gas", "x" * 10_000_000),
    ("rtseg", "32,32,48,48,48,96,96,128|24,48,96|l" + "4" * 5000 + ",s,m2,l6,s,s,m4,l2"),
    ("rtseg", "32,32,48,48,48,96,96," + "1" * 5000 + "|24,48,96|l4,s,m2,l6,s,s,m4,l2"),
], ids=["gas-10MB", "rtseg-long-ratio", "rtseg-long-width"])
def test_absurd_genotypes_get_a_short_line(camvid_root, tmp_path, space, genotype, capsys):
    rc, err = cli(capsys, *_train(camvid_root, tmp_path, "--genotype", genotype, "--iters", "1", space=space))
    assert rc == 2 and len(err) < 1500 and "int_max_str_digits" not in err and space in err


@pytest.mark.parametrize("option, expected", [
    ('channels="abc"', 'space option channels="abc" has the wrong type: gas expects int'),
    ("heads=[1]", "space option heads=[1] has the wrong type: gas expects tuple[str, ...]"),
    ("channels=-3", "space 'gas' cannot build a network with options {'channels': -3}"),
])
def test_space_options_of_the_wrong_type_or_range_are_one_line(camvid_root, tmp_path, option, expected, capsys):
    g = create_space("gas").encode(create_space("gas").sample(np.random.default_rng(0)))
    rc, err = cli(capsys, *_train(camvid_root, tmp_path, "--genotype", g, "--iters", "1", "--space-opt", option))
    assert rc == 2 and expected in err


def test_eval_sizes_are_checked_before_evaluating(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:  # refused while parsing the flags, before any evaluation
        main(["eval", "--checkpoint", str(tmp_path / "none.pt"), "--fps", "--fps-size", "0", "0"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "argument --fps-size: must be at least 1x1, got 0x0" in err and "Traceback" not in err


def test_non_ascii_names_are_reported_whole_and_library_errors_name_the_file(tmp_path, monkeypatch):
    with pytest.raises(ProxySyntaxError, match="unknown primitive 'rélu'"):
        parse("sum_layers(rélu(P))")
    bad = tmp_path / "bad_one.proxy"
    bad.write_text("# name: bad_one\n# provenance: test\n# sign: +1\nsum_layers(rélu(P))\n")
    monkeypatch.setenv("ZEROSEG_PROXY_LIBRARY", str(tmp_path))
    from zeroseg.discovery.report import library_baselines

    with pytest.raises(ProxySyntaxError, match=f"{bad}: unknown primitive 'rélu'"):
        library_baselines()


# -- Dask and local workers ------------------------------------------------------------------------


def test_a_scheduler_that_does_not_answer_fails_first_naming_it(tmp_path, capsys):
    address = f"tcp://127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    rc, err = cli(capsys, "search", "--space", "gas", "--out", str(tmp_path), "--scheduler", address)
    assert rc == 2 and f"--scheduler {address}: no Dask scheduler answered within 5 s" in err
    assert "dask scheduler" in err and not (tmp_path / "calibration.json").exists()  # before calibration
    assert time.monotonic() - t0 < 60
    with pytest.raises(SchedulerUnreachable, match="not a scheduler address"):
        DaskExecutor("no-such-protocol://x", connect_timeout=1)


def test_dask_losing_every_worker_stops_with_the_checkpoint_intact(tmp_path):
    from dask.distributed import Client, LocalCluster

    cfg, path = EvolutionConfig(population=6, topk=2, generations=4, seed=1), tmp_path / "checkpoint.json"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        executor = DaskExecutor(client, lost_after=2, poll=0.2)

        def lose_workers(state):
            if state.generation == 2:
                cluster.scale(0)
                deadline = time.monotonic() + 60
                while client.nthreads() and time.monotonic() < deadline:
                    time.sleep(0.1)

        with pytest.raises(WorkersLost, match="every Dask worker .* is gone"):
            evolve(BitMatch(), cfg, executor=executor, checkpoint=path, progress=False, on_generation=lose_workers)
    assert eck.load(path).generation == 2
    resumed = evolve(BitMatch(), cfg, checkpoint=path, resume=True, progress=False)
    whole = evolve(BitMatch(), cfg, progress=False)
    assert resumed.best == whole.best and resumed.log.drop(columns="wall").equals(whole.log.drop(columns="wall"))


SCRIPT = """
import sys
from zeroseg.evolution import EvolutionConfig, JoblibExecutor, evolve
from zeroseg.evolution.toy import BitMatch
evolve(BitMatch(delay=0.05), EvolutionConfig(population=8, topk=2, generations=10_000), executor=JoblibExecutor(2),
       checkpoint=sys.argv[1], progress=False)
"""


def _descendants(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(d.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in parents.items() if pp == p}
        out |= kids
        todo.extend(kids)
    return out


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the worker processes")
def test_killing_the_main_process_takes_its_loky_workers_with_it(tmp_path):
    path = tmp_path / "checkpoint.json"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(path)])
    deadline = time.monotonic() + 120
    while not path.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _descendants(proc.pid)
    assert len(workers) >= 2 and proc.poll() is None, "the workers never started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 25
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)], "loky workers outlived the killed main process"
