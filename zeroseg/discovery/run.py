"""One discovery run end to end: statistics → evolution (and random baseline) → test report → files.

Outputs in ``out``: ``best_<i>.proxy`` (library format, with provenance), ``report.json``, ``log.csv``
(and ``log_random.csv``), ``curve.png``, ``checkpoint.json`` (``checkpoint_random.json``) for resume.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from zeroseg.cli.options import device_opt, opt, seed_opt
from zeroseg.discovery import report as rep
from zeroseg.discovery.archs import Pool
from zeroseg.discovery.found import found_block, found_setup, transfer_for, write_found
from zeroseg.discovery.partners import partner_vector, shipped_scores
from zeroseg.evolution.plots import search_curve
from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.shards import ShardedDiscovery
from zeroseg.discovery.statstore import precompute
from zeroseg.dsl.primitives import outside_vocabulary
from zeroseg.paths import cache_dir
from zeroseg import provenance
from zeroseg.evolution import EvolutionConfig, EvolutionResult, evolve, make_executor
from zeroseg.evolution.executors import SerialExecutor
from zeroseg.evolution.checkpoint import check_resume
from zeroseg.jsonio import write_json
from zeroseg.options_check import at_least, check as check_options, positive_all, share
from zeroseg.proxies.library import ProxyFile, library_dir


@dataclass
class DiscoverOptions:
    """Everything ``zeroseg discover`` takes (JSON-able; stored in the report). Each field's ``opt`` is
    its CLI flag (``zeroseg.cli.options``): a new option is one line here."""

    space: str = opt("micro", "TNB101 space", choices=("micro", "macro"))
    out: str = opt("runs/discover", "output folder")
    generations: int = opt(20, "generations")
    population: int = opt(20, "new candidates per generation")
    topk: int = opt(5, "elites kept per generation")
    patience: int = opt(5, "generations without gain before a restart")
    samples: int = opt(30, "archs per train sample")
    repeats: int = opt(5, "train samples averaged in the fitness")
    archs: int | None = opt(50, "use at most N random archs of each split, train and test (0: all)",
                            from_cli=lambda n: n or None)
    strategy: str = opt("evolution", "search strategy", choices=("evolution", "random"))
    compare_random: bool = opt(False, "also run random search with the same evaluation budget (curve + report)")
    max_evaluations: int | None = opt(None, "cap on candidate evaluations (default none)", flag="--budget")
    seed: int = seed_opt("random seed of the search (--data-seed fixes the data)")
    data_seed: int = opt(0, "seed of the arch subset, train samples and statistics; --seed drives the search only")
    layer_share: float = opt(0.5, "share of random candidates that aggregate a layer-level tree")
    seed_share: float = opt(0.05, "share of random candidates drawn from the library's baselines")
    seed_library: bool = opt(True, "do not seed the search with library proxies")
    resolution: int = opt(64, "input size of the statistics")
    batch_size: int = opt(8, "images in the statistics batch")
    cache: str = opt(help="statistics cache folder (default $ZEROSEG_CACHE/stats, else ~/.cache/zeroseg/stats)",
                     factory=lambda: cache_dir("stats"))
    workers: int = opt(2, "local worker processes (joblib)")
    scheduler: str | None = opt(None, "Dask scheduler address tcp://host:port")
    device: str | None = device_opt()
    resume: bool = opt(False, "continue from OUT/checkpoint.json")
    hall_of_fame: int = opt(5, "proxies reported")
    report_repeats: int = opt(20, "test samples in the report")
    n_boot: int = opt(1000, "bootstrap resamples for the CI", flag="--bootstrap")
    save_proxy: str | None = opt(None, "also write the winner to the proxy library as NAME.proxy", metavar="NAME")
    baseline_scores: str | None = opt(
        None, "our built-in proxies' scores of this space's archs (net_code + one column per proxy, e.g. "
        "experiments/table3/results/fidelity_scores_micro.csv): they join the baselines and the AVT partners as "
        "ours:<name>", metavar="CSV")
    partner: str | None = opt(None, "optimise AVT(candidate) + AVT(NAME) (SasWOT Eq. 3) instead of the candidate "
                              "alone; NAME is suite_zero:<column>, ours:<proxy> (with --baseline-scores) or "
                              "proxy:<name, .proxy file or DSL>, a found proxy included (the search then looks for what adds to it)",
                              metavar="NAME")
    partner_weights: tuple[float, ...] = opt(
        (1.0,), "weights w of w·AVT(winner) + AVT(partner) tried by the report's combination (chosen on train) "
        "and, with --partner, by the fitness (the best w counts); default 1: SasWOT's equal weights", metavar="W")
    extra_terminals: tuple[str, ...] = opt((), "opt-in DSL primitives the search may draw besides SasWOT's "
                                           "vocabulary (e.g. M: a layer's multiply-accumulates)", metavar="NAME")
    progress: bool | None = opt(None, "no progress bar", flag="--no-progress", const=False)
    max_terms: int = opt(4, "terms of the found proxy, a weighted AVT sum fitted on train folds (0: none)")
    term_pool: int = opt(30, "best distinct evolved expressions offered to the found proxy")
    folds: int = opt(5, "train folds that choose the number of terms")
    shards: int = opt(0, "split the train archs into N shards whose statistics stay resident on the workers; "
                         "candidates are broadcast and τ is computed here (0: split work by candidate)")
    transfer: bool = opt(False, "also score the found proxy on the other space and on TNB101's class_scene/normal tasks")
    stats_extra: dict[str, Any] = opt(help="extra zeroseg.stats settings (Python only)", factory=dict, cli=False)


def scores_csv(o: DiscoverOptions, space: str | None = None) -> str | None:
    """``--baseline-scores``, else our built-ins' shipped scores when they match the statistics setup."""
    if o.baseline_scores and (space is None or space == o.space):
        return o.baseline_scores
    return shipped_scores(space or o.space, o.resolution, o.batch_size, o.data_seed)


def library_seeds(extra: Sequence[str]) -> list[str]:
    """The library's DSL baselines the search can express: one that needs an opt-in terminal the run
    did not name (``activations`` needs ``U``) is no seed there, as the search could not mutate it."""
    return [g.text for g, _ in rep.library_baselines().values()
            if not outside_vocabulary([n.op for n in g.nodes], extra)]


def problem_for(o: DiscoverOptions) -> ProxyDiscovery:
    """``data_seed`` fixes the archs, their train samples and the statistics (so runs with other search
    seeds reuse the cache and are compared on the same archs); ``seed`` drives the search only."""
    stats = dict(cache_dir=str(Path(o.cache).resolve()), resolution=o.resolution, batch_size=o.batch_size,
                 seed=o.data_seed, **o.stats_extra)
    seeds = library_seeds(o.extra_terminals) if o.seed_library else []
    return ProxyDiscovery(o.space, stats, samples=o.samples, repeats=o.repeats, archs=o.archs, seed=o.data_seed,
                          device=o.device, layer_share=o.layer_share, seed_share=o.seed_share, seeds=seeds,
                          partner=o.partner, scores_csv=scores_csv(o), partner_weights=o.partner_weights,
                          extra_terminals=o.extra_terminals)


def run_strategy(o: DiscoverOptions, problem: Any, executor, strategy: str, out: Path,
                 max_evaluations: int | None, generations: int) -> EvolutionResult:
    cfg = EvolutionConfig(population=o.population, topk=o.topk, generations=generations, patience=o.patience,
                          max_evaluations=max_evaluations, strategy=strategy, hall_of_fame=o.hall_of_fame,
                          seed=o.seed)
    suffix = "" if strategy == o.strategy else f"_{strategy}"
    if o.shards:  # parallel across arch shards; the engine's own map is then serial
        problem, executor = ShardedDiscovery(problem, executor, o.shards), SerialExecutor()
    result = evolve(problem, cfg, executor=executor, checkpoint=out / f"checkpoint{suffix}.json",
                    resume=o.resume, progress=o.progress, provenance=provenance.record(o, RESUME_NEUTRAL))
    result.log.to_csv(out / f"log{suffix}.csv", index=False)
    return result


def _search_flags(o: DiscoverOptions) -> str:
    """The options that change what the search optimises, as flags (for a found proxy's provenance)."""
    flags = [f" --partner {o.partner}"] if o.partner else []
    if o.partner and tuple(o.partner_weights) != (1.0,):
        flags.append(" --partner-weights " + " ".join(f"{w:g}" for w in o.partner_weights))
    if o.extra_terminals:
        flags.append(" --extra-terminals " + " ".join(o.extra_terminals))
    return "".join(flags)


def _write_proxies(o: DiscoverOptions, result: EvolutionResult, rows: list[dict], out: Path) -> list[str]:
    """``best_<rank>.proxy`` in ``out``; with ``save_proxy``, the winner also into the proxy library."""
    files = []
    for row in rows:
        prov = (f"{rep.FOUND} --space {o.space} --strategy {o.strategy} --seed {o.seed} "
                f"--generations {o.generations} --population {o.population} --resolution {o.resolution}"
                f"{_search_flags(o)}; "
                f"train τ {row['train_fitness']:.4f}, test τ {row['test']['kendall_mean']:.4f}")
        pf = ProxyFile(f"best_{row['rank']}", prov, +1, row["proxy"], (f"found in {result.evaluations} evaluations",))
        (out / f"{pf.name}.proxy").write_text(pf.format())
        files.append(pf)
    if not (o.save_proxy and files):
        return []
    dest = library_dir() / f"{o.save_proxy}.proxy"
    dest.write_text(replace(files[0], name=o.save_proxy).format())
    return [str(dest)]


def _combined(o: DiscoverOptions, problem: ProxyDiscovery, result: EvolutionResult, train_used: Pool,
              train_vectors: dict[str, np.ndarray], test_vectors: dict[str, np.ndarray]
              ) -> tuple[dict | None, np.ndarray | None, np.ndarray]:
    """AVT(winner) + AVT(partner), partner, weight and min/max chosen on the train archs (``combine``).
    Also the test scores of the combination and of the winner alone."""
    test = problem.plan.test
    (w_train,), _ = rep.pool_scores([result.best], train_used, problem.settings, o.device)
    (w_test,), _ = rep.pool_scores([result.best], test, problem.settings, o.device)
    block, combined_test = rep.combined_block(w_train, w_test, train_vectors, test_vectors, problem.fitness_acc,
                                              problem.fitness_samples, test.acc, o.samples, o.report_repeats,
                                              o.data_seed, o.n_boot, o.partner_weights)
    return block, combined_test, w_test


def _found(o: DiscoverOptions, problem: ProxyDiscovery, checkpoint: Path, train_used: Pool,
           baselines: tuple[dict[str, np.ndarray], dict[str, np.ndarray]], log: Callable[[str], None],
           transfer: bool) -> dict[str, Any]:
    """The multi-term found proxy fitted on train, its references and (``transfer``) its transfer rows."""
    def test_metrics(scores: np.ndarray, acc: np.ndarray) -> dict[str, Any]:
        return rep.metrics(scores, acc, o.samples, o.report_repeats, o.data_seed, o.n_boot)

    t0 = time.perf_counter()
    block = found_block(o.space, checkpoint, train_used,
                        problem.plan.test, problem.fitness_samples, problem.settings, test_metrics, baselines,
                        pool_size=o.term_pool, max_terms=o.max_terms, folds=o.folds, n_boot=o.n_boot,
                        seed=o.data_seed, device=o.device)
    if transfer:
        executor = make_executor(o.workers, o.scheduler)
        try:
            block["transfer"] = transfer_for(o.space, block, train_used.acc, problem.settings, test_metrics,
                                             lambda sp: scores_csv(o, sp), executor, o.data_seed, o.device, log)
        finally:
            executor.close()
    block["seconds"] = time.perf_counter() - t0
    return {k: v for k, v in block.items() if not k.startswith("_")}


def _wall_times(t_stats: float, main: EvolutionResult, other: EvolutionResult | None, process: float) -> dict:
    """Seconds: the searches' engine time summed over every resume (a re-report of a finished run keeps
    the time the run took), this process's statistics loading and its whole time."""
    walls = {"stats": t_stats, "search": main.wall_time}
    if other is not None:
        walls["random_search"] = other.wall_time
    return {**walls, "total": sum(walls.values()), "this_process": process}


def collect_stats(o: DiscoverOptions, problem: ProxyDiscovery, executor: Any, log: Callable[[str], None],
                  tag: str) -> None:
    """The statistics of the archs a space's fitness and report read, into the cache (failures stop the run)."""
    codes = list(problem.fitness_codes) + list(problem.plan.test.codes)
    space = problem.config["space"]
    log(f"{tag} {space}: statistics of {len(codes)} archs at {o.resolution}² → {o.cache}")
    failures = precompute(problem.settings, codes, executor)
    if failures:
        first = next(iter(failures.items()))
        raise ValueError(f"statistics failed for {len(failures)} of {len(codes)} {space} archs at --resolution "
                         f"{o.resolution} (macro archs need >= 64), e.g. {first[0]}: {first[1]}")


def searches(o: DiscoverOptions, problem: Any, executor: Any, out: Path) -> tuple[EvolutionResult, EvolutionResult | None]:
    """The search of ``o.strategy`` and, with ``compare_random``, random search at its budget."""
    main = run_strategy(o, problem, executor, o.strategy, out, o.max_evaluations, o.generations)
    other = None
    if o.compare_random and o.strategy != "random":
        other = run_strategy(o, problem, executor, "random", out, main.evaluations, 4 * o.generations)
    return main, other


# Options that change neither the search nor its checkpoint (the report is recomputed on every run).
RESUME_NEUTRAL = provenance.NEUTRAL | {"cache", "save_proxy", "compare_random", "report_repeats", "n_boot", "shards",
                                       "max_terms", "term_pool", "folds", "transfer"}  # how it runs, or report-only
RULES = {"generations": at_least(1), "population": at_least(1), "topk": at_least(1), "patience": at_least(1),
         "samples": at_least(2), "repeats": at_least(1), "archs": at_least(2, optional=True),
         "max_evaluations": at_least(1, optional=True), "resolution": at_least(8), "batch_size": at_least(1),
         "workers": at_least(1), "hall_of_fame": at_least(1), "report_repeats": at_least(1), "n_boot": at_least(0),
         "layer_share": share(), "seed_share": share(), "partner_weights": positive_all()}


def discover(o: DiscoverOptions, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the search described by ``o``; write the outputs; return the report."""
    check_options(o, RULES)
    out = Path(o.out)
    if o.resume:  # refuse changed settings before statistics are computed for them
        for strategy in {o.strategy, "random"} if o.compare_random else {o.strategy}:
            suffix = "" if strategy == o.strategy else f"_{strategy}"
            check_resume(out / f"checkpoint{suffix}.json", provenance.record(o, RESUME_NEUTRAL))
    out.mkdir(parents=True, exist_ok=True)
    problem, t0 = problem_for(o), time.perf_counter()
    plan = problem.plan
    executor = make_executor(o.workers, o.scheduler)
    try:
        collect_stats(o, problem, executor, log, "[discover]")
        t_stats = time.perf_counter() - t0
        main, other = searches(o, problem, executor, out)
    finally:
        executor.close()
    train_used = problem.fitness_pool
    hof = [(problem.encode(x), f.values[0]) for x, f in main.hall_of_fame]
    args = (o.space, train_used, plan.test, problem.settings, o.samples, o.report_repeats, o.data_seed, o.device,
            o.n_boot)
    rows = rep.proxies_block([t for t, _ in hof], [v for _, v in hof], *args)
    test_vectors = rep.baseline_vectors(o.space, plan.test, problem.settings, o.device, scores_csv(o))
    baselines = rep.baseline_block(o.space, test_vectors, plan.test.acc, o.samples, o.report_repeats, o.data_seed,
                                   o.n_boot)
    train_all = rep.baseline_vectors(o.space, train_used, problem.settings, o.device, scores_csv(o))
    train_vectors, test_combined = train_all, test_vectors
    if o.partner is not None:  # the combination takes the fitness's partner, on train as on test
        train_vectors = {o.partner: problem.partner_scores}
        test_combined = {o.partner: partner_vector(o.space, o.partner, plan.test.codes, scores_csv(o), problem.settings)}
    combined, combined_test, alone_test = (_combined(o, problem, main, train_used, train_vectors, test_combined)
                                           if main.best is not None else (None, None, None))
    comparison = rep.comparison(o.space, rows, baselines, combined, forced=o.partner is not None)
    if alone_test is not None and comparison["reference"] in test_vectors:
        used = alone_test if comparison["found"] == "alone" else combined_test
        comparison["margin_full_pool"] = rep.paired_margin(used, test_vectors[comparison["reference"]],
                                                           plan.test.acc, o.n_boot, o.data_seed)
    report = {
        "config": asdict(o), "seed": o.seed,
        "budget": {"generations": main.generations, "population": o.population, "evaluations": main.evaluations},
        "pools": {"train_used": len(train_used), "test": len(plan.test), "samples": len(plan.samples[0]),
                  "repeats": len(plan.samples)},
        "evaluated": main.evaluations, "rejected": main.rejected, "restarts": len(main.restarts),
        "proxies": rows, "combined": combined, "baselines": baselines,
        "comparison": comparison,
        "wall_time": _wall_times(t_stats, main, other, time.perf_counter() - t0),
    }
    if other is not None:
        rnd = [] if other.best is None else rep.proxies_block(
            [problem.encode(other.best)], [other.best_fitness.values[0]], *args)
        report["random"] = {"evaluated": other.evaluations, "rejected": other.rejected, "proxies": rnd,
                            "combined": None if other.best is None else _combined(
                                o, problem, other, train_used, train_vectors, test_combined)[0]}
    if main.best is not None and o.max_terms > 0:
        report["found"] = _found(o, problem, out / "checkpoint.json", train_used, (train_all, test_vectors), log,
                                 o.transfer)
        setup = found_setup([o.space], o)
        report["found"]["file"] = str(write_found(out / "found.proxy", report["found"], setup,
                                                  f"{rep.FOUND} --space {o.space} --seed {o.seed}{_search_flags(o)}"))
        if other is not None and other.best is not None:
            report["random"]["found"] = _found(o, problem, out / "checkpoint_random.json", train_used,
                                             (train_all, test_vectors), log, False)
    report["saved"] = _write_proxies(o, main, rows, out)
    write_json(out / "report.json", report, default=str)
    lines = {f"{comparison['reference']} (test τ)": comparison["reference_test_tau"],
             f"{comparison['best_baseline']} (test τ)": comparison["best_baseline_test_tau"]}
    search_curve(main.log, out / "curve.png", None if other is None else other.log, title=f"{o.space}: proxy discovery",
                 ylabel="Kendall τ (train samples)", baselines={k: v for k, v in lines.items() if np.isfinite(v)})
    return report
