"""Every command of README.md's "Commands" section runs as printed, in a fresh folder laid out like
a clone (``experiments/`` beside it, ``../shared/data/camvid`` next to it), and exits 0.

Budgets are made tiny by appending documented flags (argparse keeps the last value of a repeated
option), from the table ``TINY`` below; nothing else of the printed command changes, except that
``tcp://HOST:8786`` becomes the address of a real Dask ``LocalCluster`` started here. Caches go to
the test's folder through ``ZEROSEG_CACHE``. Commands that read CamVid (and those using their
outputs) are a separate test, skipped with a reason where ``../shared/data/camvid`` is absent.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CAMVID = REPO.parent / "shared" / "data" / "camvid"
HOST = "tcp://HOST:8786"

# command prefix → flags appended to make its budget tiny (every one is a documented option)
TINY: dict[str, str] = {
    "zeroseg correlate": "--samples 10 --repeats 2",
    "python experiments/table3/run.py": "--limit 2 --samples 2 --repeats 1 --sizes 0 --score micro",
    "zeroseg discover": "--generations 1 --population 4 --archs 6 --samples 4 --repeats 1 --report-repeats 2 "
                        "--bootstrap 20 --workers 1 --hall-of-fame 1",
    "zeroseg spaces sample": "--n 2",
    "zeroseg stats": "--limit 2",
    "zeroseg latency build": "--genotypes 2 --networks 2 --warmup 0 --repeats 1 --mlp-steps 5 --input-size 64x96",
    # scorer options are the scorer's own: a supernet flag on a proxy search is refused (and vice versa)
    "zeroseg search --space gas --scorer supernet": "--budget 2 --population 2 --supernet-steps 2 --finetune-steps 1 "
                                                   "--supernet-val-images 2 --batch-size 2",
    "zeroseg search": "--budget 2 --population 2 --avt-samples 2 --batch-size 2",
    "zeroseg train": "--time-budget 1 --limit 4 --batch-size 2",
    "zeroseg eval": "--limit 2 --fps-runs 2 --fps-size 64 96",
}


def readme_commands() -> list[str]:
    """The shell commands of the first ``bash`` block under ``## Commands`` (continuations joined)."""
    text = (REPO / "README.md").read_text()
    section = text.split("\n## Commands", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README.md: no ```bash block in the Commands section"
    joined = re.sub(r"\\\n\s*", " ", block.group(1))
    lines = [re.sub(r"\s+#.*$", "", ln).strip() for ln in joined.splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


def tiny(command: str) -> str:
    prefix = next((p for p in TINY if command.startswith(p)), None)
    return command if prefix is None else f"{command} {TINY[prefix]}"


def needs_camvid(commands: list[str]) -> set[str]:
    """Commands that read CamVid, and those that read what such a command wrote (its ``--out``)."""
    marked: set[str] = set()
    outs: list[str] = []
    for cmd in commands:
        if "camvid" in cmd or any(o in cmd for o in outs):
            marked.add(cmd)
            outs += re.findall(r"--out\s+(\S+)", cmd)
    return marked


def clone(tmp_path: Path) -> Path:
    """A folder laid out like a fresh clone: README's relative paths resolve as they do in the repo."""
    root = tmp_path / "zeroseg"
    root.mkdir()
    (root / "experiments").symlink_to(REPO / "experiments")
    if CAMVID.is_dir():
        (tmp_path / "shared" / "data").mkdir(parents=True)
        (tmp_path / "shared" / "data" / "camvid").symlink_to(CAMVID)
    return root


def run_all(commands: list[str], root: Path, scheduler: str | None = None) -> list[str]:
    """Run each command in ``root``; the failures, with the tail of their output."""
    env = {**os.environ, "ZEROSEG_CACHE": str(root.parent / "cache"), "PYTHONPATH": str(REPO),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    failures = []
    for cmd in commands:
        line = tiny(cmd.replace(HOST, scheduler or HOST))
        if line.startswith("python "):
            line = shlex.quote(sys.executable) + line[len("python"):]
        t0 = time.perf_counter()
        proc = subprocess.run(line, shell=True, cwd=root, env=env, capture_output=True, text=True, timeout=600)
        print(f"{time.perf_counter() - t0:6.1f} s  {line}")  # shown with pytest -s: where the time goes
        if proc.returncode != 0:
            failures.append(f"$ {cmd}\n  exit {proc.returncode}: {(proc.stdout + proc.stderr)[-1500:]}")
    return failures


def test_readme_has_commands() -> None:
    commands = readme_commands()
    assert len(commands) >= 10 and all(c.split()[0] in ("zeroseg", "python", "cat") for c in commands), commands


def test_readme_commands_without_camvid(tmp_path) -> None:
    from dask.distributed import LocalCluster

    commands = readme_commands()
    todo = [c for c in commands if c not in needs_camvid(commands)]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", scheduler_port=0,
                      dashboard_address=":0") as cluster:
        failures = run_all(todo, clone(tmp_path), cluster.scheduler_address)
    assert not failures, "\n".join(failures)


@pytest.mark.skipif(not CAMVID.is_dir(), reason=f"CamVid not found at {CAMVID} (README's ../shared/data/camvid)")
def test_readme_commands_with_camvid(tmp_path) -> None:
    commands = readme_commands()
    marked = needs_camvid(commands)
    failures = run_all([c for c in commands if c in marked], clone(tmp_path))
    assert not failures, "\n".join(failures)
