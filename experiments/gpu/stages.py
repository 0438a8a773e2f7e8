"""The stages of the single-GPU check (issue 16, item 2); ``check.py`` runs them, each time-boxed.

Each stage ``fn(ctx, rec)`` fills ``rec`` as it goes (so a stage cut by its time box still reports
what it measured) and puts its headline numbers in ``rec["summary"]``. Commands run through
``zeroseg.cli.main.main`` in this process (the code path of the command line, without paying
torch's import per stage); the two 3-minute trainings of ``miou`` run as two processes at once,
which is how they fit the 8-minute budget (each gets the same wall time on the one GPU).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from zeroseg.cli.main import main as zeroseg
from zeroseg.discovery.fitness import score_matrix, tau_fitnesses
from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.statstore import memory_stats
from zeroseg.spaces import create_space
from zeroseg.stats import StatsCache, collect, load_batch
from zeroseg.stats.arch import arch_stats, build_seeded
from zeroseg.stats.shapes import logits_of
from zeroseg.train.speed import sync
from zeroseg.transnas import NUM_CLASSES, load_table

REPO = Path(__file__).resolve().parents[2]
SCORE_PROXIES = "saswot_minus,nwot"  # SasWOT's two terms (its AVT bounds exist only at some sizes)


class Skip(Exception):
    """A stage that cannot run here; the message says why."""


def median(xs: list[float]) -> float | None:
    return float(statistics.median(xs)) if xs else None


def timed(fn: Callable[[], Any], dev: torch.device) -> tuple[Any, float]:
    """``fn()`` and its seconds, the device synchronised before and after (queued kernels count)."""
    sync(dev)
    t0 = time.perf_counter()
    out = fn()
    sync(dev)
    return out, time.perf_counter() - t0


def cli(argv: list[str], log: Path) -> str:
    """Run ``zeroseg ARGV`` here; its stdout comes back, stdout and stderr also go to ``log``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = zeroseg([str(a) for a in argv])
    with open(log, "a") as fh:
        fh.write(f"$ zeroseg {' '.join(map(str, argv))}\n{out.getvalue()}{err.getvalue()}[exit {rc}]\n")
    if rc != 0:
        raise RuntimeError(f"zeroseg {argv[0]} exited {rc}: {err.getvalue().strip().splitlines()[-1:]}")
    return out.getvalue()


def tnb_codes(n: int) -> list[str]:
    """``n`` TNB101 archs, half micro and half macro, drawn under seed 0."""
    codes = []
    for space, k in (("micro", (n + 1) // 2), ("macro", n // 2)):
        table = load_table(space)
        idx = np.sort(np.random.default_rng(0).choice(len(table), size=k, replace=False))
        codes += list(table["net_code"].iloc[idx])
    return codes


# --- 1. the CUDA tests ------------------------------------------------------------------------
def cuda_tests(ctx, rec: dict) -> None:
    """``pytest -m cuda tests/test_cuda.py`` in a child process; counts and failures from its JUnit XML."""
    xml = ctx.work / "cuda_tests.xml"
    cmd = [sys.executable, "-m", "pytest", "-q", "-m", "cuda", "-p", "no:cacheprovider", "-rs",
           f"--junitxml={xml}", "tests/test_cuda.py"]
    rc = run_children([cmd], ctx.env, ctx.log.with_name("cuda_tests.log"))[0]
    if not xml.is_file():
        raise RuntimeError(f"pytest exited {rc} without a report (see {ctx.log.with_name('cuda_tests.log')})")
    cases = ET.parse(xml).getroot().iter("testcase")
    rows = [(f"{c.get('classname', '')}.{c.get('name')}", next(iter(c), None)) for c in cases]
    rec["failures"] = [{"test": t, "message": (e.get("message") or "")[:400]}
                       for t, e in rows if e is not None and e.tag in ("failure", "error")]
    rec["skip_reasons"] = sorted({skip_reason(e)[:200] for _, e in rows if e is not None and e.tag == "skipped"})
    kinds = [e.tag if e is not None else "passed" for _, e in rows]
    rec["summary"] = {"passed": kinds.count("passed"), "failed": kinds.count("failure") + kinds.count("error"),
                      "skipped": kinds.count("skipped"), "pytest_exit": rc}


def skip_reason(e: ET.Element) -> str:
    """A skip's reason; a module-level skip says "collection skipped" and keeps it in the text."""
    msg = e.get("message") or ""
    if msg == "collection skipped" and e.text:
        found = re.search(r"Skipped: (.*?)['\"]\)$", e.text.strip())
        return found.group(1) if found else e.text.strip()
    return msg


# --- 2. statistics and `zeroseg score` against a bare forward+backward ---------------------------
def bare_step(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    """One forward + backward of the pixel-wise cross-entropy, nothing observed (the floor)."""
    logits, _ = logits_of(model(x), y)
    F.cross_entropy(logits, y, ignore_index=255).backward()
    model.zero_grad(set_to_none=True)


def score(ctx, rec: dict) -> None:
    s, dev = ctx.sizes, ctx.device
    x, y = load_batch(s.score_res, s.score_batch, num_classes=NUM_CLASSES)
    xd, yd = x.to(dev), y.to(dev)
    rec.update(resolution=s.score_res, batch=s.score_batch, proxies=SCORE_PROXIES, archs=[])
    for code in tnb_codes(s.score_archs):
        model = build_seeded(code, 0).to(dev).train()
        _, cold = timed(lambda: bare_step(model, xd, yd), dev)
        _, warm = timed(lambda: bare_step(model, xd, yd), dev)
        _, stats_s = timed(lambda: collect(model, x, y, seed=0, device=dev), dev)
        t0 = time.perf_counter()
        out = json.loads(cli(["score", "--arch", code, "--proxy", SCORE_PROXIES, "--resolution", s.score_res,
                              "--batch-size", s.score_batch, "--device", ctx.device, "--json"], ctx.log))
        rec["archs"].append({"net_code": code, "bare_cold_s": cold, "bare_s": warm, "collect_s": stats_s,
                             "score_s": time.perf_counter() - t0,
                             "proxy_s": {k: v["seconds"] for k, v in out["results"].items()}})
    summarise_score(rec)


def summarise_score(rec: dict) -> None:
    rows = rec.get("archs", [])
    med = {k: median([r[k] for r in rows]) for k in ("bare_cold_s", "bare_s", "collect_s", "score_s")}
    ratio = med["collect_s"] / med["bare_s"] if med["bare_s"] and med["collect_s"] else None
    rec["summary"] = {"archs": len(rows), **{f"median_{k}": v for k, v in med.items()},
                      "collect_over_bare": ratio}


# --- 3. discovery candidate evaluations per second ----------------------------------------------
def stats_to(stats: Any, device: torch.device) -> Any:
    """A copy of a ``NetStats`` (its ``LayerStats`` too) with every tensor on ``device``."""
    def move(v: Any) -> Any:
        if isinstance(v, torch.Tensor):
            return v.to(device)
        if isinstance(v, list):
            return [move(u) for u in v]
        return stats_to(v, device) if is_dataclass(v) else v
    return replace(stats, **{f.name: move(getattr(stats, f.name)) for f in fields(stats)})


def discovery(ctx, rec: dict) -> None:
    s, dev = ctx.sizes, ctx.device
    settings = dict(cache_dir=str(ctx.work / "stats"), resolution=s.disc_res, batch_size=s.disc_batch)
    problem = ProxyDiscovery("micro", settings, samples=min(30, s.disc_archs), repeats=5, archs=s.disc_archs,
                             seed=0, layer_share=0.5)
    codes = problem.fitness_codes
    cache = StatsCache(settings["cache_dir"])
    _, collect_s = timed(lambda: [arch_stats(c, resolution=s.disc_res, batch_size=s.disc_batch, device=dev,
                                             cache=cache) for c in codes], dev)
    host = memory_stats(problem.settings, codes)
    resident = {c: stats_to(st, dev) for c, st in host.items()}
    rng = np.random.default_rng(0)
    batch, warm = [problem.sample(rng) for _ in range(s.disc_candidates)], [problem.sample(rng) for _ in range(4)]
    rec.update(archs=len(codes), candidates=len(batch), resolution=s.disc_res,
               stats_collect_s_per_arch=collect_s / len(codes), variants={})

    def fitness(stats: dict, device: torch.device | None, graphs: list) -> list:
        scores, failed = score_matrix(graphs, codes, stats, device)
        return tau_fitnesses(scores, failed, problem.fitness_acc, problem.fitness_samples)

    variants = {"cpu_1thread": (host, None), "device_host_stats": (host, dev), "device_resident_stats": (resident, None)}
    values = {}
    for name, (stats, device) in variants.items():
        torch.set_num_threads(1 if name.startswith("cpu") else ctx.threads)
        fitness(stats, device, warm)
        fits, secs = timed(lambda: fitness(stats, device, batch), dev)
        values[name] = [f.values[0] if f.ok else f.invalid for f in fits]
        rec["variants"][name] = {"seconds": secs, "evals_per_s": len(batch) / secs, "valid": sum(f.ok for f in fits)}
    base = values["cpu_1thread"]
    rec["same_fitness_as_cpu"] = {k: sum(a == b for a, b in zip(v, base)) / len(base) for k, v in values.items()}
    eps = {k: v["evals_per_s"] for k, v in rec["variants"].items()}
    rec["summary"] = {**{f"evals_per_s_{k}": v for k, v in eps.items()},
                      "speedup_resident_over_cpu": eps["device_resident_stats"] / eps["cpu_1thread"],
                      "share_equal_to_cpu_resident": rec["same_fitness_as_cpu"]["device_resident_stats"]}


# --- 4. `zeroseg search` in two spaces -----------------------------------------------------------
def search(ctx, rec: dict, space: str) -> None:
    s = ctx.sizes
    out = ctx.work / f"search_{space}"
    argv = ["search", "--space", space, "--scorer", "saswot", "--dataset", "camvid", "--data-root", ctx.data_root,
            "--input-size", *s.search_size, "--batch-size", s.search_batch, "--budget", s.search_budget,
            "--population", s.search_population, "--topk", min(5, s.search_population), "--avt-samples",
            s.avt_samples, "--seed", 0, "--out", out, "--device", ctx.device, "--no-progress", "--workers", s.search_workers]
    rec.update(space=space, budget=s.search_budget, input_size=list(s.search_size), workers=s.search_workers)
    t0 = time.perf_counter()
    try:
        cli(argv, ctx.log)
    finally:  # cut by its time box: the best genotype so far still feeds the stages after it
        if not (out / "report.json").is_file():
            best_so_far(ctx, rec, space, out / "checkpoint.json")
    wall = time.perf_counter() - t0
    report = json.loads((out / "report.json").read_text())
    best = report["topk"][0] if report.get("topk") else None
    if best is not None:
        ctx.genotypes[space] = best["genotype"]
    rec.update(wall_time=report["wall_time"], evaluated=report["evaluated"], valid=report["valid"],
               rejected=report["rejected"], winner=best)
    rec["summary"] = {"wall_s": wall, "evaluated": report["evaluated"], "valid": report["valid"],
                      "candidates_per_s": report["evaluated"] / max(report["wall_time"]["search"], 1e-9),
                      "calibration_s": report["wall_time"]["calibration"],
                      "winner_score": None if best is None else best["score"]}


def best_so_far(ctx, rec: dict, space: str, checkpoint: Path) -> None:
    """The elite of the last finished generation of an interrupted search (``zeroseg.evolution`` checkpoint)."""
    try:
        state = json.loads(checkpoint.read_text())
    except (OSError, ValueError):  # not written yet, or cut mid-write
        return
    if state.get("elites"):
        ctx.genotypes[space] = state["elites"][0]
        rec.update(best_so_far=state["elites"][0], evaluated_so_far=state.get("evaluations"))
        rec["summary"] = {"evaluated_so_far": state.get("evaluations"), "best_so_far": state["elites"][0]}


# --- 5. `zeroseg train` throughput with AMP ----------------------------------------------------
def train_argv(ctx, space: str, genotype: str, seconds: float, out: Path) -> list[Any]:
    s = ctx.sizes
    argv = ["train", "--space", space, "--genotype", genotype, "--dataset", "camvid", "--data-root", ctx.data_root,
            "--input-size", *s.train_size, "--time-budget", seconds, "--batch-size", s.train_batch, "--seed", 0,
            "--device", ctx.device, "--out", out, "--quiet", "--ckpt-every", 10**9]
    return argv + (["--limit", s.limit, "--threads", 1] if s.smoke else [])


def log_throughput(log: Path, batch: int) -> dict[str, Any]:
    """Images/s over the whole run and over its last 80 % (after loader start-up and cuDNN tuning)."""
    with open(log, newline="") as fh:
        rows = [(int(r["iter"]), float(r["seconds"])) for r in csv.DictReader(fh)]
    if not rows:
        return {"iterations": 0, "images_per_s": None, "images_per_s_steady": None}
    (i0, t0), (i1, t1) = rows[len(rows) // 5], rows[-1]
    return {"iterations": i1, "seconds": t1, "images_per_s": i1 * batch / t1,
            "images_per_s_steady": (i1 - i0) * batch / (t1 - t0) if i1 > i0 and t1 > t0 else None}


def searched_or_sampled(ctx, space: str) -> tuple[str, str]:
    if space in ctx.genotypes:
        return ctx.genotypes[space], "searched"
    sp = create_space(space)
    return sp.encode(sp.sample(np.random.default_rng(0))), "random (seed 0): no search result"


def throughput(ctx, rec: dict) -> None:
    s, space = ctx.sizes, ctx.sizes.search_spaces[0]
    genotype, origin = searched_or_sampled(ctx, space)
    out = ctx.work / "throughput"
    rec.update(space=space, genotype=genotype, origin=origin, amp=ctx.device.type == "cuda",
               input_size=list(s.train_size), batch=s.train_batch)
    cli(train_argv(ctx, space, genotype, s.throughput_s, out), ctx.log)
    rec.update(log_throughput(out / "train_log.csv", s.train_batch))
    rec["summary"] = {k: rec.get(k) for k in ("images_per_s_steady", "images_per_s", "iterations", "amp")}


# --- 6. mIoU of a searched and a random genotype under one time budget ------------------------
def miou(ctx, rec: dict) -> None:
    s, space = ctx.sizes, ctx.sizes.search_spaces[0]
    if ctx.data_source == "shipped" and not s.smoke:
        raise Skip("no CamVid here (the shipped batch has 4 val images): pass --data-root or carry the copy "
                   "made by experiments/gpu/prepare.sh")
    if space not in ctx.genotypes:
        raise Skip(f"no searched genotype of {space} (its search stage did not finish)")
    sp = create_space(space)
    runs = {"searched": ctx.genotypes[space], "random": sp.encode(sp.sample(np.random.default_rng(1)))}
    rec.update(space=space, train_s=s.miou_s, note="both trained at once on the one device", runs={})
    cmds = [[sys.executable, "-m", "zeroseg", *map(str, train_argv(ctx, space, g, s.miou_s, ctx.work / f"miou_{k}"))]
            for k, g in runs.items()]
    codes = run_children(cmds, ctx.env, ctx.log.with_name("miou_train.log"))
    for (name, genotype), rc in zip(runs.items(), codes):
        out = ctx.work / f"miou_{name}"
        row = {"genotype": genotype, "exit": rc, **log_throughput(out / "train_log.csv", s.train_batch)}
        if rc == 0:
            argv = ["eval", "--checkpoint", out, "--split", "val", "--data-root", ctx.data_root, "--device", ctx.device]
            row["miou"] = json.loads(cli(argv + (["--limit", s.limit, "--threads", 1] if s.smoke else []),
                                         ctx.log))["miou"]
        rec["runs"][name] = row
    rec["summary"] = {f"miou_{k}": v.get("miou") for k, v in rec["runs"].items()}
    rec["summary"].update({f"iterations_{k}": v.get("iterations") for k, v in rec["runs"].items()})


def run_children(cmds: list[list[str]], env: dict[str, str], log: Path) -> list[int]:
    """Run ``cmds`` at once, each in its own process group; all are killed if this is interrupted
    (a time box), so nothing outlives its stage."""
    with open(log, "a") as fh:
        procs = [subprocess.Popen(c, cwd=REPO, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
                 for c in cmds]
        try:
            return [p.wait() for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
