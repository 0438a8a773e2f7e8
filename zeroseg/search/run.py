"""One segmenter search end to end: calibrate the scorer → evolve (and random search) → report.

Outputs in ``out``: ``calibration.json`` (the scorer's once-per-search state, e.g. AVT min/max and
the genotypes they came from), ``checkpoint.json`` (resume), ``log.csv``, ``evaluated.csv`` /
``.parquet``, ``topk.csv`` / ``.json``, ``pareto.csv`` / ``.png`` (multi-objective), ``curve.png``,
``report.json`` and ``train_winner.sh`` (the command that trains the winner).
"""

from __future__ import annotations

import inspect
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from zeroseg import provenance
from zeroseg.evolution import EvolutionConfig, EvolutionResult, evolve, make_executor
from zeroseg.evolution.checkpoint import check_resume
from zeroseg.jsonio import read_json, write_json
from zeroseg.options_check import at_least, check as check_options
from zeroseg.scorers import ScoringSetup, get_scorer, resolve_scorer
from zeroseg.search import report as rep
from zeroseg.search.problem import SegmenterProblem


@dataclass
class SearchOptions:
    """Everything ``zeroseg search`` takes (JSON-able; stored in the report)."""

    space: str = "fasterseg"
    scorer: str = "saswot"
    dataset: str = "camvid"
    data_root: str | None = None
    input_size: tuple[int, int] = (192, 256)
    batch_size: int = 4
    budget: int = 300
    population: int = 20
    topk: int = 5
    patience: int = 5
    seed: int = 0
    out: str = "runs/search"
    avt_samples: int = 30
    supernet_steps: int = 300
    finetune_steps: int = 20
    supernet_val_images: int = 24
    supernet_dir: str = ".cache/zeroseg/supernet"
    max_flops: float | None = None
    max_params: float | None = None
    max_latency_ms: float | None = None
    latency_model: str | None = None
    measure_latency: bool = False
    objectives: tuple[str, ...] = ("score",)
    latency_penalty: float = 0.0
    compare_random: bool = False
    workers: int = 1
    scheduler: str | None = None
    threads: int | None = 1
    resume: bool = False
    device: str = "cpu"
    progress: bool | None = None


def make_problem(o: SearchOptions, scorer_options: dict[str, Any] | None = None) -> SegmenterProblem:
    """The search's problem; ``scorer_options`` (e.g. saved AVT bounds) override the resolved ones."""
    setup = ScoringSetup(o.space, o.dataset, o.data_root, tuple(o.input_size), o.batch_size, o.seed, o.device)
    name, requested = requested_scorer(o)
    return SegmenterProblem(setup.to_dict(), name, scorer_options or requested,
                            dict(max_flops=o.max_flops, max_params=o.max_params, max_latency_ms=o.max_latency_ms),
                            o.objectives, o.latency_penalty, o.latency_model, o.measure_latency, o.threads)


def requested_scorer(o: SearchOptions) -> tuple[str, dict[str, Any]]:
    """The scorer ``--scorer`` names and the options the user asked for (before calibration): the
    fields of ``o`` its constructor takes by name (``avt_samples``, ``supernet_steps`` …)."""
    name, options = resolve_scorer(o.scorer)
    takes = inspect.signature(get_scorer(name)).parameters
    return name, {**options, **{k: v for k, v in asdict(o).items() if k in takes}}


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
    if o.threads:
        import torch

        torch.set_num_threads(o.threads)
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
         "avt_samples": at_least(2), "max_flops": at_least(0, optional=True), "max_params": at_least(0, optional=True),
         "max_latency_ms": at_least(0, optional=True), "latency_penalty": at_least(0)}


def search(o: SearchOptions, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the search described by ``o``; write the outputs; return the report."""
    check_options(o, RULES)
    out, t0 = Path(o.out), time.perf_counter()
    if o.resume:  # refuse changed settings before the scorer is calibrated for them
        for name in ("checkpoint.json", "checkpoint_random.json"):
            check_resume(out / name, provenance.record(o, RESUME_NEUTRAL))
    out.mkdir(parents=True, exist_ok=True)
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
    report.update(config={**asdict(o), "input_size": list(o.input_size), "objectives": list(o.objectives)},
                  wall_time={"calibration": t_cal, "search": t_search, "total": time.perf_counter() - t0})
    write_json(out / "report.json", report, default=str)
    return report


TRAIN_EPOCHS = 100  # a full-length default for the printed command; edit it for short runs


def train_args(o: SearchOptions) -> list[str]:
    """``zeroseg train`` arguments shared by every genotype of this search (genotype added later)."""
    args = ["--space", o.space, "--dataset", o.dataset, "--input-size", str(o.input_size[0]), str(o.input_size[1]),
            "--epochs", str(TRAIN_EPOCHS), "--device", o.device]
    return args + (["--data-root", str(o.data_root)] if o.data_root else [])

