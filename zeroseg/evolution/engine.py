"""The evolution engine: SasWOT's greedy evolution (papers/saswot.md, Algorithm 1 and §Evolution).

Each generation: take the top-k (greedy on the first objective, or NSGA-II when
``multiobjective``), make offspring by mutation and crossover of parents drawn from the top-k,
fill the pool with random samples, drop duplicates by ``problem.key`` (a key is evaluated at most
once per run), evaluate the new candidates through an executor, count rejections by reason, and
select the next top-k from the new candidates and the old top-k (elitism). After ``patience``
generations without improvement the top-k is recorded and the pool restarts from random samples;
the hall of fame spans restarts. ``strategy="random"`` spends the same budget on random samples
only (the baseline of SasWOT Fig. 4).

All randomness comes from one ``numpy.random.Generator`` seeded from ``seed`` and is drawn in the
main process before evaluation, so results do not depend on the executor or worker count; with a
checkpoint path the state is saved atomically after every generation and ``resume=True`` continues
to the same result as an uninterrupted run.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from zeroseg.evolution import checkpoint as ckpt
from zeroseg import provenance as prov
from zeroseg.evolution.checkpoint import EngineState, MemoEntry
from zeroseg.evolution.executors import Executor, SerialExecutor
from zeroseg.evolution.logbook import EvolutionResult, build_result, log_row
from zeroseg.evolution.offspring import propose
from zeroseg.evolution.problem import Fitness, Problem
from zeroseg.evolution.selection import dominates, select_top
from zeroseg.progress import progress as show_progress
from zeroseg.jsonio import clean_stale_tmp

STRATEGIES = ("evolution", "random")


@dataclass(frozen=True)
class EvolutionConfig:
    """Search settings; the budget is ``generations`` and optionally ``max_evaluations``."""

    population: int = 20
    topk: int = 5
    generations: int = 10
    max_evaluations: int | None = None
    patience: int = 5
    mutation_share: float = 0.5
    crossover_share: float = 0.25
    strategy: str = "evolution"
    multiobjective: bool = False
    hall_of_fame: int = 10
    seed: int = 0

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        if self.population < 1 or self.topk < 1 or self.generations < 1 or self.patience < 1:
            raise ValueError(f"population, topk, generations, patience must be >= 1: {self}")
        if not 0 <= self.mutation_share + self.crossover_share <= 1:
            raise ValueError("mutation_share + crossover_share must lie in [0, 1]")


def _improved(state: EngineState, new: list[tuple[str, Fitness]], multiobjective: bool) -> bool:
    """Did this generation beat the current top-k? (a new best, or a point no elite dominates)."""
    old = state.valid_entries(state.elites)
    if not new:
        return False
    if not old:
        return True
    if multiobjective:
        return any(not any(dominates(o.values, f.values) for _, o in old) for _, f in new)
    return max(f.values[0] for _, f in new) > max(f.values[0] for _, f in old)


class Engine:
    """Drives one :class:`Problem` under an :class:`EvolutionConfig`."""

    def __init__(self, problem: Problem, config: EvolutionConfig, executor: Executor | None = None,
                 checkpoint: str | Path | None = None, progress: bool | None = None,
                 on_generation: Callable[[EngineState], None] | None = None,
                 provenance: dict[str, Any] | None = None):
        self.problem, self.config, self.provenance = problem, config, provenance
        self.executor = executor or SerialExecutor()
        self.checkpoint = Path(checkpoint) if checkpoint else None
        self.progress = progress  # None: a bar on a terminal, a line per few generations in a log
        self.on_generation = on_generation

    def _fresh_state(self) -> tuple[EngineState, np.random.Generator]:
        rng = np.random.default_rng(self.config.seed)
        return EngineState(rng_state=rng.bit_generator.state, config=asdict(self.config),
                           provenance=self.provenance or {}), rng

    def _resumed_state(self) -> tuple[EngineState, np.random.Generator]:
        """The saved state; refused when the engine config or the run's provenance differ from now."""
        state = ckpt.load(self.checkpoint)
        now = asdict(self.config)
        changed = sorted(k for k in set(state.config) | set(now) if state.config.get(k) != now.get(k))
        if changed:
            raise prov.ResumeMismatch(f"checkpoint {self.checkpoint} was written with other engine settings, cannot "
                                      "resume: " + "; ".join(f"{k} was {state.config.get(k)!r}, now {now.get(k)!r}"
                                                             for k in changed) + " (resume needs the same settings)")
        if self.provenance is not None:
            prov.check(state.provenance, self.provenance, f"checkpoint {self.checkpoint}")
        return state, ckpt.rng_from_state(state.rng_state)

    def _budget_left(self, state: EngineState) -> int:
        cap = self.config.max_evaluations
        return self.config.population if cap is None else min(self.config.population, cap - state.evaluations)

    def _done(self, state: EngineState) -> bool:
        return state.generation >= self.config.generations or self._budget_left(state) <= 0

    def step(self, state: EngineState, rng: np.random.Generator) -> bool:
        """One generation; False when no new candidate could be proposed (space exhausted)."""
        cfg, t0 = self.config, time.perf_counter()
        evolve = cfg.strategy == "evolution"
        parents = [self.problem.decode(state.memo[k].text) for k in state.elites] if evolve else []
        size = self._budget_left(state)
        pool = propose(self.problem, rng, parents, size, state.memo.__contains__,
                       cfg.mutation_share, cfg.crossover_share, max_attempts=20 * size + 20)
        if not pool.keys:
            return False
        fits = self.executor.evaluate(self.problem, pool.items)
        if len(fits) != len(pool.keys):
            raise RuntimeError(f"problem returned {len(fits)} fitnesses for {len(pool.keys)} candidates")
        gen_rejected = self._record(state, pool, fits)
        new = state.valid_entries(pool.keys)
        improved = _improved(state, new, cfg.multiobjective)
        state.elites = [k for k, _ in select_top(state.valid_entries(state.elites) + new, cfg.topk,
                                                  cfg.multiobjective)]
        state.stale = 0 if improved else state.stale + 1
        state.wall_time += time.perf_counter() - t0
        state.log.append(log_row(state, new, gen_rejected))
        if evolve and state.stale >= cfg.patience:
            self._restart(state)
        state.generation += 1
        state.rng_state = rng.bit_generator.state
        return True

    def _record(self, state: EngineState, pool, fits: list[Fitness]) -> dict[str, int]:
        """Memoise the new candidates; count this generation's rejections by reason."""
        rejected: dict[str, int] = {"duplicate": pool.duplicates} if pool.duplicates else {}
        for key, x, fit in zip(pool.keys, pool.items, fits):
            state.memo[key] = MemoEntry(self.problem.encode(x), [float(v) for v in fit.values],
                                        fit.invalid, fit.info, state.generation)
            if not fit.ok:
                rejected[fit.invalid] = rejected.get(fit.invalid, 0) + 1
        for reason, n in rejected.items():
            state.rejected[reason] = state.rejected.get(reason, 0) + n
        state.evaluations += len(pool.keys)
        return rejected

    @staticmethod
    def _restart(state: EngineState) -> None:
        """SasWOT §Evolution: record the top-k, then start the pool afresh (random samples)."""
        top = [{"key": k, "x": state.memo[k].text, "values": state.memo[k].values} for k in state.elites]
        state.restarts.append({"generation": state.generation, "episode": state.episode, "top": top})
        state.elites, state.stale, state.episode = [], 0, state.episode + 1

    def run(self, resume: bool = False) -> EvolutionResult:
        """Run to the budget (continuing from the checkpoint when ``resume`` and it exists)."""
        if self.checkpoint is not None and self.checkpoint.parent.is_dir():
            clean_stale_tmp(self.checkpoint.parent, self.checkpoint.name)
        can_resume = resume and self.checkpoint is not None and self.checkpoint.exists()
        state, rng = self._resumed_state() if can_resume else self._fresh_state()
        bar = show_progress(total=self.config.generations, initial=state.generation, enabled=self.progress,
                            desc=f"{self.config.strategy}", unit="gen")
        try:
            while not self._done(state) and self.step(state, rng):
                if self.checkpoint is not None:
                    ckpt.save(state, self.checkpoint)
                if self.on_generation is not None:
                    self.on_generation(state)
                bar.update(1)
                bar.set_postfix(best=state.log[-1]["best"], evals=state.evaluations)
        finally:
            bar.close()
        return build_result(self.problem, state, self.config.hall_of_fame, self.config.multiobjective)


def evolve(problem: Problem, config: EvolutionConfig, executor: Executor | None = None,
           checkpoint: str | Path | None = None, resume: bool = False, progress: bool | None = None,
           on_generation: Callable[[EngineState], None] | None = None,
           provenance: dict[str, Any] | None = None) -> EvolutionResult:
    """Convenience wrapper: ``Engine(...).run(resume)``; ``provenance`` (``provenance.record``) is saved
    with the checkpoint and must match on resume."""
    return Engine(problem, config, executor, checkpoint, progress, on_generation, provenance).run(resume=resume)
