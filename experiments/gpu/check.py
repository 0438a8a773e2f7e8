"""The prepared single-GPU check (issue 16): every stage time-boxed, one JSON + Markdown report.

On one GPU (``bash experiments/gpu/check.sh --out $OUT``) the stages' boxes add up to 8 minutes;
a stage that overruns its box is cut, reported as ``cut`` with what it measured so far, and the rest
still run. ``--smoke`` runs the same stages on CPU at tiny sizes in well under a minute (CI runs it:
tests/test_gpu_check.py). Working files (search outputs, checkpoints, statistics) go to ``--work``;
``--out`` receives only ``report.json``, ``report.md`` and the CUDA tests' logs (the device tool
brings back at most 8 files). ``--stages a,b`` reruns some stages only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import torch

import minicamvid
import stages
from report import write_report

REPO = stages.REPO
CARRIED_CAMVID = REPO / ".cache" / "gpu_carry" / "camvid"


@dataclass(frozen=True)
class Sizes:
    """Problem sizes of every stage (device defaults: the issue's; ``SMOKE``: seconds on CPU)."""

    smoke: bool = False
    score_archs: int = 10
    score_res: int = 256
    score_batch: int = 16  # the shipped batch holds 16 images (the issue asked for 32)
    disc_archs: int = 50
    disc_res: int = 64
    disc_batch: int = 8
    disc_candidates: int = 100
    search_spaces: tuple[str, ...] = ("gas", "fasterseg")
    search_size: tuple[int, int] = (360, 480)
    search_batch: int = 4
    search_budget: int = 300
    search_population: int = 20
    search_workers: int = 4  # processes sharing the GPU: building and costing candidates is CPU work
    avt_samples: int = 30
    train_size: tuple[int, int] = (360, 480)
    train_batch: int = 8
    throughput_s: float = 15.0
    miou_s: float = 180.0
    limit: int | None = None  # samples of each split (smoke on the full CamVid)
    boxes: dict[str, float] = field(default_factory=lambda: {
        "cuda_tests": 70, "score": 20, "discovery": 35, "search": 60, "throughput": 20, "miou": 210})


SMOKE = Sizes(smoke=True, score_archs=2, score_res=64, score_batch=2, disc_archs=6, disc_res=32, disc_batch=4,
              disc_candidates=8, search_spaces=("gas",), search_size=(64, 64), search_batch=2, search_budget=4, search_population=2, search_workers=1,
              avt_samples=2, train_size=(64, 64), train_batch=2, throughput_s=1.0, miou_s=1.0, limit=8,
              boxes=dict.fromkeys(("cuda_tests", "score", "discovery", "search", "throughput", "miou"), 150))


@dataclass
class Context:
    """What stages share: sizes, device, folders, data, and the genotypes the searches found."""

    sizes: Sizes
    device: torch.device
    work: Path
    log: Path
    data_root: Path
    data_source: str
    env: dict[str, str]
    threads: int = field(default_factory=torch.get_num_threads)
    genotypes: dict[str, str] = field(default_factory=dict)


class StageTimeout(Exception):
    pass


@contextmanager
def time_box(seconds: float) -> Iterator[None]:
    """Raise ``StageTimeout`` in this (main) thread after ``seconds`` of wall time."""
    def alarm(_sig: int, _frame: Any) -> None:
        raise StageTimeout(f"cut by its {seconds:g} s time box")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_stage(name: str, fn: Callable[[dict], None], box: float) -> dict[str, Any]:
    """Run one stage under its time box; ok / cut / skipped / failed, with what it recorded."""
    rec: dict[str, Any] = {}
    threads, bench = torch.get_num_threads(), torch.backends.cudnn.benchmark
    t0, cpu0, status, error = time.perf_counter(), cpu_seconds(), "ok", None
    try:
        with time_box(box):
            fn(rec)
    except StageTimeout as e:
        status, error = "cut", str(e)
    except stages.Skip as e:
        status, error = "skipped", str(e)
    except Exception as e:  # noqa: BLE001 - one broken stage must not stop the others
        status, error = "failed", f"{type(e).__name__}: {e}"
        rec["traceback"] = traceback.format_exc(limit=8)[-3000:]
    finally:
        torch.set_num_threads(threads)
        torch.backends.cudnn.benchmark = bench
    if status == "cut" and name == "score":
        stages.summarise_score(rec)
    return {"name": name, "status": status, "seconds": time.perf_counter() - t0, "cpu_s": cpu_seconds() - cpu0,
            "box_s": box, "error": error, "summary": rec.pop("summary", {}), "details": rec}


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children (load-independent)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def plan(ctx: Context, boxes: dict[str, float]) -> list[tuple[str, Callable[[dict], None], float]]:
    """(name, stage, box) in running order: the searches before the stages that train their winner;
    ``boxes`` overrides the time box of named stages."""
    b = {**ctx.sizes.boxes, **{f"search_{sp}": ctx.sizes.boxes["search"] for sp in ctx.sizes.search_spaces}, **boxes}
    out = [("cuda_tests", lambda r: stages.cuda_tests(ctx, r), b["cuda_tests"]),
           ("score", lambda r: stages.score(ctx, r), b["score"]),
           ("discovery", lambda r: stages.discovery(ctx, r), b["discovery"])]
    out += [(f"search_{sp}", lambda r, sp=sp: stages.search(ctx, r, sp), b[f"search_{sp}"])
            for sp in ctx.sizes.search_spaces]
    out += [("throughput", lambda r: stages.throughput(ctx, r), b["throughput"]),
            ("miou", lambda r: stages.miou(ctx, r), b["miou"])]
    return out


def find_data(arg: str | None, shipped: bool, work: Path) -> tuple[Path, str]:
    """CamVid from --data-root, $ZEROSEG_CAMVID or the carried copy; else the shipped batch as a folder."""
    for cand, source in ((arg, "--data-root"), (os.environ.get("ZEROSEG_CAMVID"), "$ZEROSEG_CAMVID"),
                         (str(CARRIED_CAMVID), "carried JPEG copy")):
        if not shipped and cand and (Path(cand) / "train.txt").is_file() and (Path(cand) / "val.txt").is_file():
            return Path(cand).resolve(), source
    if arg and not shipped:
        raise SystemExit(f"check: --data-root {arg} holds no train.txt and val.txt (a SegNet-layout CamVid folder)")
    return minicamvid.shipped_camvid(work / "shipped_camvid"), "shipped"


def child_env(smoke: bool) -> dict[str, str]:
    """The environment of child processes: this repo (and the carried site-packages) importable;
    one OpenMP thread in smoke runs."""
    paths = [str(REPO / ".cache" / "gpu_carry" / "site"), str(REPO), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p), "PYTHONUNBUFFERED": "1"}
    return {**env, "OMP_NUM_THREADS": "1"} if smoke else env


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes on CPU, seconds (what CI runs)")
    ap.add_argument("--device", default=None, help="torch device (default: cuda; cpu with --smoke)")
    ap.add_argument("--out", default=None, help="report folder (default: $OUT, else experiments/gpu/results; "
                                                "with --smoke: $OUT, else a temporary folder)")
    ap.add_argument("--work", default=None, help="working files (default: a temporary folder)")
    ap.add_argument("--data-root", default=None, help="CamVid folder (default: $ZEROSEG_CAMVID or the carried copy)")
    ap.add_argument("--shipped-data", action="store_true", help="use the shipped 16-image batch as the dataset")
    ap.add_argument("--stages", default=None, help="comma-separated stage names to run (default: all)")
    ap.add_argument("--box", action="append", default=[], metavar="STAGE=SECONDS", type=box_arg,
                    help="another time box for a stage, e.g. --box miou=240 (repeatable)")
    return ap.parse_args(argv)


def box_arg(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not name or seconds <= 0:
        raise argparse.ArgumentTypeError(f"--box takes STAGE=SECONDS with SECONDS > 0, got {text!r}")
    return name, seconds


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = SMOKE if args.smoke else Sizes()
    if args.smoke:  # tiny tensors: one thread (OpenMP barriers on a busy CPU cost more than they give)
        torch.set_num_threads(1)
    device = torch.device(args.device or ("cpu" if args.smoke else "cuda"))
    if device.type == "cuda" and not torch.cuda.is_available():
        print("check: no CUDA device here; run with --smoke on CPU", file=sys.stderr)
        return 2
    default_out = os.environ.get("OUT") or (tempfile.mkdtemp(prefix="zeroseg-gpu-smoke-") if args.smoke
                                            else str(REPO / "experiments" / "gpu" / "results"))
    out = Path(args.out or default_out)
    work = Path(args.work or tempfile.mkdtemp(prefix="zeroseg-gpu-work-"))
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    root, source = find_data(args.data_root, args.shipped_data, work)
    ctx = Context(sizes, device, work, out / "check.log", root, "shipped" if source == "shipped" else "camvid",
                  child_env(args.smoke))
    chosen = plan(ctx, dict(args.box))
    wanted = None if args.stages is None else set(args.stages.split(","))
    unknown = ({n for n, _ in args.box} | (wanted or set())) - {n for n, _, _ in chosen}
    if unknown:
        print(f"check: unknown stages {sorted(unknown)}; known: {', '.join(n for n, _, _ in chosen)}", file=sys.stderr)
        return 2
    todo = [(n, fn, box) for n, fn, box in chosen if wanted is None or n in wanted]
    t0, results = time.perf_counter(), []
    doc = {"mode": "smoke" if args.smoke else "device", "device": describe(device),
           "data": {"root": str(root), "source": source}, "work": str(work), "sizes": asdict(sizes),
           "device_init_s": init_device(device), "total_s": 0.0, "budget_s": sum(b for _, _, b in todo),
           "stages": results}
    for name, fn, box in todo:
        print(f"[check] {name} (box {box:g} s) …", file=sys.stderr, flush=True)
        results.append(run_stage(name, fn, box))
        print(f"[check] {name}: {results[-1]['status']} in {results[-1]['seconds']:.1f} s", file=sys.stderr)
        doc["total_s"] = time.perf_counter() - t0
        js, md = write_report(clean(doc), out)  # after every stage: a killed run keeps what it measured
    print(f"wrote {js} and {md} (working files in {work})")
    return 0


def init_device(device: torch.device) -> float:
    """Seconds to create the CUDA context (once per process; kept out of the stages' figures)."""
    t0 = time.perf_counter()
    torch.ones(1, device=device).add_(1)
    stages.sync(device)
    return time.perf_counter() - t0


def describe(device: torch.device) -> dict[str, Any]:
    cuda = device.type == "cuda"
    return {"device": str(device), "name": torch.cuda.get_device_name(device) if cuda else platform.processor(),
            "torch": torch.__version__, "cuda": torch.version.cuda, "cpus": os.cpu_count(),
            "threads": torch.get_num_threads(), "python": platform.python_version(),
            "load_avg": list(os.getloadavg()), "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}


def clean(v: Any) -> Any:
    """Standard JSON: NaN/inf become null, paths and tuples plain values."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): clean(u) for k, u in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(u) for u in v]
    return str(v) if isinstance(v, (Path, torch.device)) else v


if __name__ == "__main__":
    sys.exit(main())
