"""One segmenter search end to end: calibrate the scorer → evolve (and random search) → report.

Outputs in ``out``: ``calibration.json`` (the scorer's once-per-search state, e.g. AVT min/max and
the genotypes they came from), ``checkpoint.json`` (resume), ``log.csv``, ``evaluated.csv`` /
``.parquet``, ``topk.csv`` / ``.json``, ``pareto.csv`` / ``.png`` (multi-objective), ``curve.png``,
``report.json`` and ``train_winner.sh`` (the command that trains the winner).
"""

from __future__ import annotations

import argparse
import inspect
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

from zeroseg import provenance
from zeroseg.cli.options import SizeAction, device_opt, key_value, opt, seed_opt
from zeroseg.evolution import EvolutionConfig, EvolutionResult, evolve, make_executor
from zeroseg.evolution.checkpoint import check_resume
from zeroseg.jsonio import read_json, write_json
from zeroseg.options_check import at_least, check as check_options
from zeroseg.scorers import SCORERS, ScoringSetup, resolve_scorer
from zeroseg.search import report as rep
from zeroseg.threads import choose_threads
from zeroseg.search.problem import OBJECTIVES, SegmenterProblem


def objectives_arg(text: str) -> tuple[str, ...]:
    """``--objectives score,latency`` → ``("score", "latency")``; the first one is the scorer's."""
    names = tuple(t.strip() for t in text.split(",") if t.strip())
    if not names or names[0] != "score" or any(n not in OBJECTIVES for n in names):
        raise argparse.ArgumentTypeError(f"objectives must start with 'score' and use {sorted(OBJECTIVES)}, "
                                         f"got {text!r}")
    return names


@dataclass
class SearchOptions:
    """Everything ``zeroseg search`` takes (JSON-able; stored in the report). Each field's ``opt`` is its
    CLI flag (``zeroseg.cli.options``); a scorer's own options go in ``scorer_options`` (its flags)."""

    space: str = opt("fasterseg", "search space (see `zeroseg spaces list`)", required=True)
    scorer: str = opt("saswot", "a scorer (`proxy`, `supernet`) or a proxy name / .proxy file scored by `proxy`")
    scorer_options: dict[str, Any] = opt(help="scorer option (JSON value), e.g. avt_samples=10; repeatable",
                                         factory=dict, flag="--scorer-opt", metavar="KEY=VALUE", action="append",
                                         type=key_value, from_cli=lambda kv: dict(kv or ()))
    dataset: str = opt("camvid", "dataset of the scoring batch")
    data_root: str | None = opt(None, "dataset folder (default: $ZEROSEG_CAMVID)")
    input_size: tuple[int, int] = opt((192, 256), "input size of scoring, costs and latency", action=SizeAction)
    batch_size: int = opt(4, "train images in the scoring batch")
    budget: int = opt(300, "candidates evaluated")
    population: int = opt(20, "new candidates per generation")
    topk: int = opt(5, "elites per generation and genotypes reported")
    patience: int = opt(5, "generations without gain before a restart")
    seed: int = seed_opt()
    out: str = opt("runs/search", "output folder", required=True)
    max_flops: float | None = opt(None, "hard limit on FLOPs (2×MACs) at batch 1")
    max_params: float | None = opt(None, "hard limit on parameters")
    max_latency_ms: float | None = opt(None, "hard limit on batch-1 latency (ms)")
    latency_model: str | None = opt(None, "latency file of `zeroseg latency build` (MLP predictor)")
    measure_latency: bool = opt(False, "measure each candidate's latency instead")
    objectives: tuple[str, ...] = opt(("score",), "'score' or e.g. 'score,latency' / 'score,flops' (NSGA-II, "
                                      "Pareto front)", type=objectives_arg, nargs=None)
    latency_penalty: float = opt(0.0, "single objective score − BETA·log(latency_ms) (GAS); 0 = off",
                                 metavar="BETA")
    compare_random: bool = opt(False, "also run random search on the same budget")
    workers: int = opt(1, "local worker processes (joblib)")
    scheduler: str | None = opt(None, "Dask scheduler address tcp://host:port")
    threads: int | None = opt(None, "torch threads per worker (default: measured from free cores, printed)")
    resume: bool = opt(False, "continue from OUT/checkpoint.json")
    device: str = device_opt()
    progress: bool | None = opt(None, "no progress bar", flag="--no-progress", const=False)


def make_problem(o: SearchOptions, scorer_options: dict[str, Any] | None = None) -> SegmenterProblem:
    """The search's problem; ``scorer_options`` (e.g. saved AVT bounds) override the resolved ones."""
    setup = ScoringSetup(o.space, o.dataset, o.data_root, tuple(o.input_size), o.batch_size, o.seed, o.device)
    name, requested = requested_scorer(o)
    return SegmenterProblem(setup.to_dict(), name, scorer_options or requested,
                            dict(max_flops=o.max_flops, max_params=o.max_params, max_latency_ms=o.max_latency_ms),
                            o.objectives, o.latency_penalty, o.latency_model, o.measure_latency, o.threads)


def requested_scorer(o: SearchOptions) -> tuple[str, dict[str, Any]]:
    """The scorer ``--scorer`` names and the options the user asked for (before calibration): the
    defaults of the options its contract declares as flags, overridden by ``o.scorer_options``."""
    name, options = resolve_scorer(o.scorer)
    entry = SCORERS.entry(name)
    takes = inspect.signature(entry.obj).parameters
    unknown = sorted(set(o.scorer_options) - set(takes) - {"setup"})
    if unknown:
        raise ValueError(f"scorer {name!r} takes no option {unknown[0]!r} (from --scorer-opt or its flag); it takes "
                         f"{', '.join(k for k in takes if k != 'setup')}")
    declared = {k: takes[k].default for k in entry.contract.get("flags", {})}
    return name, {**options, **declared, **o.scorer_options}


def calibrated_problem(o: SearchOptions, out: Path, log: Callable[[str], None]) -> SegmenterProblem:
    """The problem with its scorer calibrated once; on resume the saved calibration is reused."""
    path = out / "calibration.json"
    name, requested = requested_scorer(o)
    if o.resume and path.exists():
        saved = read_json(path, "calibration", checksum=True)
        if not (isinstance(saved, dict) and isinstance(saved.get("options"), dict)
                and {"setup", "scorer", "requested"} <= set(saved)):
            raise ValueError(f"calibration {path} is damaged: it lacks setup/scorer/requested/options")
        problem = make_problem(o, saved["options"])
        if [saved["setup"], saved["scorer"], saved["requested"]] != [problem.setup.to_dict(), name, requested]:
            raise ValueError(f"{path} was made for scorer {saved['scorer']} {saved['requested']} on {saved['setup']}; "
                             "resume needs the same settings")
        return problem
    problem = make_problem(o)
    cal = problem.scorer.calibrate(log)
    doc = {"setup": problem.setup.to_dict(), "scorer": name, "requested": requested,
           "options": problem.scorer.options(), "calibration": cal}
    write_json(path, doc, indent=1, checksum=True)
    return problem


def _evolve(o: SearchOptions, problem: SegmenterProblem, executor: Any, strategy: str, out: Path) -> EvolutionResult:
    cfg = EvolutionConfig(population=o.population, topk=o.topk, generations=o.budget, max_evaluations=o.budget,
                          patience=o.patience, strategy=strategy, multiobjective=len(problem.objectives) > 1,
                          hall_of_fame=o.topk, seed=o.seed)
    suffix = "" if strategy == "evolution" else f"_{strategy}"
    return evolve(problem, cfg, executor=executor, checkpoint=out / f"checkpoint{suffix}.json", resume=o.resume,
                  progress=o.progress, provenance=provenance.record(o, RESUME_NEUTRAL))


# Options that change neither the search nor its checkpoint (where it runs, where it writes).
RESUME_NEUTRAL = provenance.NEUTRAL | {"supernet_dir", "compare_random"}
RULES = {"budget": at_least(1), "population": at_least(1), "topk": at_least(1), "patience": at_least(1),
         "batch_size": at_least(1), "workers": at_least(1), "threads": at_least(1, optional=True),
         "max_flops": at_least(0, optional=True), "max_params": at_least(0, optional=True),
         "max_latency_ms": at_least(0, optional=True), "latency_penalty": at_least(0)}


def search(o: SearchOptions, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the search described by ``o``; write the outputs; return the report."""
    check_options(o, RULES)
    out, t0 = Path(o.out), time.perf_counter()
    if o.resume:  # refuse changed settings before the scorer is calibrated for them
        for name in ("checkpoint.json", "checkpoint_random.json"):
            check_resume(out / name, provenance.record(o, RESUME_NEUTRAL))
    out.mkdir(parents=True, exist_ok=True)
    if o.scheduler is None:  # a remote cluster's workers keep their own thread settings
        choice = choose_threads(o.threads, share=o.workers)
        o = replace(o, threads=choice.threads)
        log(choice.line("search"))
    executor = make_executor(o.workers, o.scheduler)  # an unreachable --scheduler fails before calibration
    try:
        problem = calibrated_problem(o, out, log)
        t_cal = time.perf_counter() - t0
        log(f"[search] {o.space} / {o.scorer}: budget {o.budget}, population {o.population}, objectives "
            f"{','.join(problem.objectives)}, workers {o.workers if o.scheduler is None else o.scheduler}")
        main = _evolve(o, problem, executor, "evolution", out)
        t_search = time.perf_counter() - t0 - t_cal
        other = _evolve(o, problem, executor, "random", out) if o.compare_random else None
    finally:
        executor.close()
    report = rep.write_outputs(problem, main, other, out, command_args=train_args(o), scorer_label=o.scorer)
    saved = problem.costs.save()
    if saved:
        log(f"[search] costs of reported genotypes cached in {saved} (reused by the next search of this setup)")
    report.update(config={**asdict(o), "input_size": list(o.input_size), "objectives": list(o.objectives)},
                  wall_time={"calibration": t_cal, "search": t_search, "total": time.perf_counter() - t0})
    write_json(out / "report.json", report, default=str)
    return report


TRAIN_EPOCHS = 100  # a full-length run where a GPU makes it affordable
CPU_TIME_BUDGET = 1800  # seconds: 100 epochs of CamVid would take days on a CPU


def train_length(device: str) -> list[str]:
    """How long the printed train command trains: epochs on an accelerator, a wall-time budget on CPU."""
    if device.split(":")[0] == "cpu":
        return ["--time-budget", str(CPU_TIME_BUDGET)]
    return ["--epochs", str(TRAIN_EPOCHS)]


def train_args(o: SearchOptions) -> list[str]:
    """``zeroseg train`` arguments shared by every genotype of this search (genotype added later)."""
    args = ["--space", o.space, "--dataset", o.dataset, "--input-size", str(o.input_size[0]), str(o.input_size[1]),
            *train_length(o.device), "--device", o.device]
    return args + (["--data-root", str(o.data_root)] if o.data_root else [])

