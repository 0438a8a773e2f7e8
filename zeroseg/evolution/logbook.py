"""Per-generation log rows and the run's result (hall of fame, Pareto front, counters)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zeroseg.evolution.checkpoint import EngineState
from zeroseg.evolution.problem import Fitness, Problem
from zeroseg.evolution.selection import pareto_front, select_top
from zeroseg.jsonio import write_json


def log_row(state: EngineState, new: list[tuple[str, Fitness]], rejected: dict[str, int]) -> dict[str, Any]:
    """One generation: cumulative evaluations, best so far, this generation's mean and rejections."""
    firsts = [f.values[0] for _, f in new]
    valid_all = [e.values[0] for e in state.memo.values() if e.invalid is None]
    return {
        "gen": state.generation,
        "episode": state.episode,
        "evaluations": state.evaluations,
        "new": len(new) + sum(n for r, n in rejected.items() if r != "duplicate"),
        "valid": len(new),
        "best": max(valid_all) if valid_all else float("nan"),
        "gen_best": max(firsts) if firsts else float("nan"),
        "mean": float(np.mean(firsts)) if firsts else float("nan"),
        "duplicates": rejected.get("duplicate", 0),
        "rejected": sum(n for r, n in rejected.items() if r != "duplicate"),
        "reasons": json.dumps({r: n for r, n in sorted(rejected.items()) if r != "duplicate"}),
        "wall": round(state.wall_time, 4),
    }


@dataclass
class EvolutionResult:
    """What a run found. ``hall_of_fame`` and ``pareto`` hold decoded individuals with fitness."""

    best: Any
    best_key: str | None
    best_fitness: Fitness | None
    hall_of_fame: list[tuple[Any, Fitness]]
    pareto: list[tuple[Any, Fitness]]
    log: pd.DataFrame
    evaluations: int
    rejected: dict[str, int]
    restarts: list[dict[str, Any]]
    generations: int
    wall_time: float

    def summary(self, problem: Problem) -> dict[str, Any]:
        """JSON-able summary (individuals as ``problem.encode`` text)."""
        def enc(pairs: list[tuple[Any, Fitness]]) -> list[dict[str, Any]]:
            return [{"x": problem.encode(x), "values": list(f.values), "info": f.info} for x, f in pairs]

        return {
            "best": None if self.best is None else problem.encode(self.best),
            "best_values": None if self.best_fitness is None else list(self.best_fitness.values),
            "hall_of_fame": enc(self.hall_of_fame),
            "pareto": enc(self.pareto),
            "evaluations": self.evaluations,
            "rejected": self.rejected,
            "restarts": self.restarts,
            "generations": self.generations,
            "wall_time": self.wall_time,
        }

    def write(self, problem: Problem, out: str | Path) -> None:
        """``log.csv`` and ``result.json`` into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.log.to_csv(out / "log.csv", index=False)
        write_json(out / "result.json", self.summary(problem))


def build_result(problem: Problem, state: EngineState, hof_size: int, multiobjective: bool) -> EvolutionResult:
    """Hall of fame over every valid individual of the run (across restarts), best first."""
    valid = state.valid_entries()
    hof = select_top(valid, hof_size, multiobjective=False)
    front = pareto_front(valid) if multiobjective else []

    def dec(pairs: list[tuple[str, Fitness]]) -> list[tuple[Any, Fitness]]:
        return [(problem.decode(state.memo[k].text), f) for k, f in pairs]

    best_key, best_fit = hof[0] if hof else (None, None)
    return EvolutionResult(
        best=problem.decode(state.memo[best_key].text) if best_key else None,
        best_key=best_key,
        best_fitness=best_fit,
        hall_of_fame=dec(hof),
        pareto=dec(front),
        log=pd.DataFrame(state.log),
        evaluations=state.evaluations,
        rejected=dict(sorted(state.rejected.items())),
        restarts=state.restarts,
        generations=state.generation,
        wall_time=state.wall_time,
    )
