"""Search end to end: seconds per budgeted candidate of a whole ``zeroseg search`` vs seconds per
candidate inside its evolution loop, on a second run with warm caches.

Issue 15 target: end-to-end seconds per budgeted candidate ≤ 1.2× the in-loop seconds per candidate
on the second run (AVT bounds and report costs come from the user's cache; nothing is re-estimated).

    python benches/bench_search_e2e.py [--space fasterseg] [--scorer saswot] [--input-size 64 96] [--budget 30]

Runs the same ``python -m zeroseg search`` twice as subprocesses with one fresh private cache
(``ZEROSEG_CACHE`` in a temporary folder): cold, then warm. From each run's ``report.json``:
in-loop = ``wall_time.search / evaluated``; end to end = ``wall_time.total / budget`` (the search call:
options, calibration, evolution, report). The process wall (interpreter start and imports included)
is reported next to it. Writes ``benches/results/bench_search_e2e.json`` with the commands and the
load average before and after each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benches" / "results" / "bench_search_e2e.json"
TARGET = 1.2
CAMVID = os.environ.get("ZEROSEG_CAMVID", str(REPO.parent / "shared" / "data" / "camvid"))


def search_command(a: argparse.Namespace, out: Path) -> list[str]:
    """The ``zeroseg search`` both runs execute (only ``--out`` differs)."""
    return [sys.executable, "-m", "zeroseg", "search", "--space", a.space, "--scorer", a.scorer,
            "--input-size", str(a.input_size[0]), str(a.input_size[1]), "--batch-size", str(a.batch_size),
            "--budget", str(a.budget), "--population", str(a.population), "--data-root", a.data_root,
            "--threads", str(a.threads), "--seed", str(a.seed), "--no-progress", "--out", str(out)]


def run_once(cmd: list[str], env: dict[str, str]) -> dict:
    """One search as a subprocess: its process wall and CPU time, the load around it, its report."""
    load_before, t0 = os.getloadavg(), time.perf_counter()
    cpu0 = os.times()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, cpu1 = time.perf_counter() - t0, os.times()
    if done.returncode:
        sys.exit(f"search failed ({done.returncode}): {shlex.join(cmd)}\n{done.stderr[-2000:]}")
    out = Path(cmd[cmd.index("--out") + 1])
    report = json.loads((out / "report.json").read_text())
    cal = json.loads((out / "calibration.json").read_text())["calibration"]
    return {"process_wall_s": wall, "process_cpu_s": (cpu1.children_user + cpu1.children_system)
            - (cpu0.children_user + cpu0.children_system), "wall_time": report["wall_time"],
            "evaluated": report["evaluated"], "calibration_source": cal.get("source"),
            "calibration_scored_genotypes": cal.get("scored_genotypes"),
            "cost_cache_written": "[search] costs of reported genotypes cached" in done.stderr,
            "load_avg_before": load_before, "load_avg_after": os.getloadavg()}


def per_candidate(run: dict, budget: int) -> dict:
    """In-loop and end-to-end seconds per candidate and their ratios."""
    wt = run["wall_time"]
    in_loop = wt["search"] / run["evaluated"]
    e2e, process = wt["total"] / budget, run["process_wall_s"] / budget
    return {"in_loop_s_per_candidate": in_loop, "e2e_s_per_budgeted_candidate": e2e,
            "process_s_per_budgeted_candidate": process, "ratio_e2e": e2e / in_loop,
            "ratio_process": process / in_loop}


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--space", default="fasterseg")
    p.add_argument("--scorer", default="saswot")
    p.add_argument("--input-size", type=int, nargs=2, default=[64, 96], metavar=("H", "W"))
    p.add_argument("--batch-size", type=int, default=2)
    p.add_argument("--budget", type=int, default=30)
    p.add_argument("--population", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-root", default=CAMVID, help="CamVid folder (default $ZEROSEG_CAMVID or ../shared)")
    p.add_argument("--out", default=str(OUT))
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    a = parse(argv)
    with tempfile.TemporaryDirectory(prefix="bench_search_e2e_") as tmp:
        env = {**os.environ, "ZEROSEG_CACHE": str(Path(tmp) / "cache"),
               "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
        runs = {name: run_once(search_command(a, Path(tmp) / name), env) for name in ("cold", "warm")}
    warm = per_candidate(runs["warm"], a.budget)
    result = {
        "command": "python benches/bench_search_e2e.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "search_command": shlex.join(["zeroseg", *search_command(a, Path("OUT"))[3:]]),
        "target": f"warm ratio_e2e <= {TARGET}", "target_met": warm["ratio_e2e"] <= TARGET,
        "warm": {**runs["warm"], **warm}, "cold": {**runs["cold"], **per_candidate(runs["cold"], a.budget)},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
