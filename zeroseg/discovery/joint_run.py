"""``zeroseg discover-joint`` end to end: one proxy searched on the micro and macro train splits at once.

The search is ``joint.JointDiscovery`` (fitness: the lower of the two mean train τ) run by the same
engine, options and checkpoints as ``zeroseg discover`` (``run.DiscoverOptions``; per-space options
such as ``--partner`` do not apply). The found proxy is fitted like a single-space one
(``ensemble.fit_parts`` over both train pools: the objective is the lower train τ, AVT bounds span
both spaces, the size is chosen on held-out folds of each train split), from the search's best
distinct expressions and the self-contained baselines both spaces have. Then, per space, it is
scored once on that space's test split against every reference fitted on that space's train archs
(``honest.judged``). Outputs in ``out``: ``found.proxy``, ``report.json``, ``log.csv``,
``curve.png``, checkpoints.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from zeroseg import provenance
from zeroseg.discovery import report as rep
from zeroseg.discovery.ensemble import fit_parts, terms_of
from zeroseg.discovery.found import dsl_vectors, evaluated, found_setup, term_expression
from zeroseg.discovery.honest import judged, own_candidates, top_distinct
from zeroseg.discovery.joint import JointDiscovery
from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.discovery.run import (RESUME_NEUTRAL, RULES, DiscoverOptions, collect_stats, problem_for, scores_csv,
                                   searches)
from zeroseg.evolution import EvolutionResult, make_executor
from zeroseg.evolution.checkpoint import check_resume
from zeroseg.evolution.plots import search_curve
from zeroseg.jsonio import write_json
from zeroseg.options_check import check as check_options
from zeroseg.proxies.library import write_found_proxy

SPACES = ("micro", "macro")
# DiscoverOptions fields that mean nothing for a joint search (one space, a partner of one space …)
NOT_JOINT = frozenset({"space", "partner", "partner_weights", "save_proxy", "shards", "transfer", "baseline_scores"})


def joint_parts(o: DiscoverOptions) -> dict[str, ProxyDiscovery]:
    """One single-space problem per space, each built as ``zeroseg discover --space S`` would."""
    return {space: problem_for(replace(o, space=space)) for space in SPACES}


Vectors = dict[str, np.ndarray]


def space_baselines(o: DiscoverOptions, parts: dict[str, ProxyDiscovery]) -> dict[str, tuple[Vectors, Vectors]]:
    """Every baseline's (train, test) scores of each space, scored once for the main and the random search."""
    return {space: tuple(rep.baseline_vectors(space, pool, part.settings, o.device, scores_csv(o, space))
                         for pool in (part.fitness_pool, part.plan.test))
            for space, part in parts.items()}


def joint_found(o: DiscoverOptions, parts: dict[str, ProxyDiscovery], checkpoint: Path,
                baselines: dict[str, tuple[Vectors, Vectors]]) -> dict[str, Any]:
    """The joint found proxy of the search in ``checkpoint`` (its best distinct expressions)."""
    texts = top_distinct(evaluated(checkpoint), o.term_pool)
    return {**joint_fit(o, parts, candidate_vectors(o, parts, texts, baselines)), "candidate_texts": texts}


def candidate_vectors(o: DiscoverOptions, parts: dict[str, ProxyDiscovery], texts: list[str],
                      baselines: dict[str, tuple[Vectors, Vectors]]) -> dict[str, tuple[Vectors, Vectors]]:
    """Per space, the (train, test) scores of the baselines (``space_baselines``) and of ``texts``."""
    return {space: tuple({**base, **dsl_vectors(texts, pool, part.settings, o.device)}
                         for base, pool in zip(baselines[space], (part.fitness_pool, part.plan.test)))
            for space, part in parts.items()}


def joint_fit(o: DiscoverOptions, parts: dict[str, ProxyDiscovery],
              vectors: dict[str, tuple[Vectors, Vectors]]) -> dict[str, Any]:
    """The joint proxy fitted on both train splits from the self-contained candidates of ``vectors``
    (``candidate_vectors``), then judged on each space's test split."""
    candidates = [own_candidates(train) for train, _ in vectors.values()]
    common = set.intersection(*(set(c) for c in candidates))
    fitted = fit_parts([({n: c[n] for n in common}, part.fitness_acc) for c, part in zip(candidates, parts.values())],
                       max_terms=o.max_terms, folds=o.folds, seed=o.data_seed)

    def test_metrics(scores: np.ndarray, acc: np.ndarray) -> dict[str, Any]:
        return rep.metrics(scores, acc, o.samples, o.report_repeats, o.data_seed, o.n_boot)

    per_space = {}
    for space, part in parts.items():
        (train, test), pool = vectors[space], part.fitness_pool
        block = judged(space, fitted, train, test, pool.codes, part.plan.test.codes, pool.acc, part.plan.test.acc,
                       part.fitness_samples, test_metrics, o.n_boot, o.data_seed)
        per_space[space] = {k: v for k, v in block.items() if not k.startswith("_")}
    return {"fitted": fitted, "spaces": per_space}


def _searches(o: DiscoverOptions, problem: JointDiscovery, parts: dict[str, ProxyDiscovery], out: Path,
              log: Callable[[str], None]) -> tuple[EvolutionResult, EvolutionResult | None, float]:
    executor = make_executor(o.workers, o.scheduler)
    t0 = time.perf_counter()
    try:
        for part in parts.values():
            collect_stats(o, part, executor, log, "[discover-joint]")
        t_stats = time.perf_counter() - t0
        main, other = searches(o, problem, executor, out)
    finally:
        executor.close()
    return main, other, t_stats


def discover_joint(o: DiscoverOptions, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the joint search described by ``o`` (``o.space`` is ignored); write the outputs; return the report."""
    check_options(o, RULES)
    if o.max_terms < 1:
        raise ValueError(f"--max-terms must be >= 1 for a joint search (its result is the found proxy), got {o.max_terms}")
    out, t0 = Path(o.out), time.perf_counter()
    if o.resume:
        for suffix in ("", "_random") if o.compare_random else ("",):
            check_resume(out / f"checkpoint{suffix}.json", provenance.record(o, RESUME_NEUTRAL))
    out.mkdir(parents=True, exist_ok=True)
    parts = joint_parts(o)
    problem = JointDiscovery({space: part.config for space, part in parts.items()})
    main, other, t_stats = _searches(o, problem, parts, out, log)
    report: dict[str, Any] = {"config": {k: v for k, v in asdict(o).items() if k not in NOT_JOINT},
                              "spaces": list(SPACES), "seed": o.seed,
                              "budget": {"generations": main.generations, "population": o.population,
                                         "evaluations": main.evaluations},
                              "evaluated": main.evaluations, "rejected": main.rejected}
    if main.best is None:
        raise ValueError(f"the joint search found no valid proxy in {main.evaluations} evaluations")
    baselines = space_baselines(o, parts)
    report["found"] = joint_found(o, parts, out / "checkpoint.json", baselines)
    setup = found_setup(["micro", "macro"], o)
    flags = f"{rep.FOUND}-joint --seed {o.seed} --generations {o.generations} --population {o.population}"
    report["found"]["file"] = str(write_joint(out / "found.proxy", report["found"], setup, flags))
    if other is not None and other.best is not None:
        report["random"] = {"evaluated": other.evaluations,
                            "found": joint_found(o, parts, out / "checkpoint_random.json", baselines)}
    report["wall_time"] = {"stats": t_stats, "search": main.wall_time, "total": time.perf_counter() - t0}
    write_json(out / "report.json", report, default=str)
    search_curve(main.log, out / "curve.png", None if other is None else other.log,
                 title="micro + macro: joint proxy discovery", ylabel="lower of the two train Kendall τ (samples)")
    return report


def write_joint(path: Path, found: dict[str, Any], setup: dict[str, Any], provenance_text: str) -> Path:
    """The joint found proxy as one ``.proxy`` file, noting its train and test τ on each space."""
    terms = [(t.weight, t.lo, t.hi, term_expression(t.name)) for t in terms_of(found["fitted"])]
    notes = tuple(f"{space}: train τ {b['found']['train']['kendall_mean']:.4f}, test τ "
                  f"{b['found']['test']['kendall_mean']:.4f}" for space, b in found["spaces"].items())
    notes += (f"size chosen on {found['fitted']['folds']} folds of each train split",)
    return write_found_proxy(path, terms, setup, provenance_text, notes=notes)


def summary(report: dict[str, Any]) -> str:
    """The joint found proxy with its test τ on each space beside the strongest self-contained reference."""
    f = report["found"]
    lines = ["found:  " + " + ".join(f"{t['weight']:g}·AVT({t['name']})" for t in f["fitted"]["terms"]),
             f"        lower train τ of the two spaces {f['fitted']['train_tau']:.4f}"]
    for space, block in f["spaces"].items():
        m, found = block["margin"], block["found"]["test"]["kendall_mean"]
        ref = "no self-contained reference" if m is None else (
            f"strongest self-contained {m['over']} {found - m['estimate_sampled']:.4f} (margin {m['estimate_sampled']:+.4f})")
        lines.append(f"{space}: test τ {found:.4f} | {ref}")
    return "\n".join(lines)
