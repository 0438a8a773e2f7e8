"""The search's tables and files: everything evaluated, the top-k, the Pareto front, the winner's
training command. Costs (params, FLOPs, activations) of reported genotypes are the search's own when it
computed them (FLOPs/params constraints or objectives; the scorer's params), else the cost model's
through the user's cost cache (``zeroseg.spaces.cost_cache``), so a second search re-runs it for nothing."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from zeroseg.correlation.metrics import spearman
from zeroseg.evolution import EvolutionResult, Fitness
from zeroseg.evolution.checkpoint import load as load_checkpoint
from zeroseg.evolution.plots import search_curve
from zeroseg.search.plots import pareto_plot
from zeroseg.jsonio import write_json


def evaluated_table(problem: Any, checkpoint: Path) -> pd.DataFrame:
    """One row per evaluated genotype (valid or rejected), from the engine's checkpoint memo."""
    state = load_checkpoint(checkpoint)
    rows = []
    for key, e in state.memo.items():
        row = {"genotype": e.text, "generation": e.generation, "valid": e.invalid is None, "invalid": e.invalid}
        row.update({f"objective_{o}": v for o, v in zip(problem.objectives, e.values)})
        row.update(e.info or {})
        rows.append(row)
    return pd.DataFrame(rows)


def ranked_table(problem: Any, pairs: list[tuple[Any, Fitness]]) -> pd.DataFrame:
    """Rows for ``pairs`` (best first) with costs filled in where the search skipped them."""
    rows = []
    for rank, (g, fit) in enumerate(pairs, 1):
        info = dict(fit.info or {})
        if "flops" not in info:  # the search's own numbers win; the cost model (cached) fills the rest
            info = {**problem.cost_info(g), **info}
        row = {"rank": rank, "genotype": problem.encode(g)}
        row.update({f"objective_{o}": v for o, v in zip(problem.objectives, fit.values)})
        rows.append({**row, **info})
    return pd.DataFrame(rows)


def remember_costs(problem: Any, table: pd.DataFrame) -> None:
    """Costs the search computed (FLOPs/params constraints or objectives, in any worker) join the cache."""
    if not len(table) or not {"params", "flops", "act_mb"} <= set(table):
        return
    for row in table[["genotype", "params", "flops", "act_mb"]].dropna().itertuples(index=False):
        problem.costs.add(row.genotype, {"params": int(row.params), "flops": int(row.flops),
                                         "act_mb": float(row.act_mb)})


def train_command(args: list[str], genotype: str, out: str = "runs/train_winner") -> str:
    """The shell command that trains ``genotype`` (``zeroseg train``), quoted for a POSIX shell."""
    return shlex.join(["zeroseg", "train", *args, "--genotype", genotype, "--out", out])


SIZE_RHO = 0.8  # Spearman(score, params) above which an unconstrained search is called size-driven
SIZE_SAMPLE = 60  # valid genotypes whose params are measured for it (meta-device cost, ~0.1 s each)


def size_bias_warning(problem: Any, table: pd.DataFrame, proxy: str, seed: int = 0) -> str | None:
    """A one-line warning when a search with no cost limit or objective ranks by network size
    (SasWOT-style proxies grow with width and depth: a budget-20 fasterseg search picked 15 M params)."""
    if any(v is not None for v in problem.constraints.to_dict().values()) or len(problem.objectives) > 1:
        return None
    valid = table[table["valid"]] if len(table) else table
    if len(valid) < 5:
        return None
    rows = valid.sample(min(len(valid), SIZE_SAMPLE), random_state=seed)
    params = rows["params"] if "params" in rows and rows["params"].notna().all() else \
        [problem.cost_info(problem.space.decode(t))["params"] for t in rows["genotype"]]
    rho = spearman(rows["score"].to_numpy(float), pd.Series(params).to_numpy(float))
    if not rho > SIZE_RHO:
        return None
    return (f"warning: {proxy} favours size here (Spearman {rho:.2f} of score vs params over {len(rows)} evaluated "
            "genotypes); without --max-params/--max-flops/--max-latency-ms the search drifts to the largest networks")


def _frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records"))


def write_outputs(problem: Any, main: EvolutionResult, other: EvolutionResult | None, out: Path,
                  command_args: list[str], scorer_label: str) -> dict[str, Any]:
    """Write the tables, plots and winner command; return the report's search part."""
    table = evaluated_table(problem, out / "checkpoint.json")
    remember_costs(problem, table)
    table.to_csv(out / "evaluated.csv", index=False)
    table.to_parquet(out / "evaluated.parquet", index=False)
    main.log.to_csv(out / "log.csv", index=False)
    top = ranked_table(problem, main.hall_of_fame)
    top.to_csv(out / "topk.csv", index=False)
    write_json(out / "topk.json", _frame_records(top), indent=1)
    report: dict[str, Any] = {
        "evaluated": main.evaluations, "valid": int(table["valid"].sum()) if len(table) else 0,
        "rejected": main.rejected, "restarts": len(main.restarts), "generations": main.generations,
        "objectives": list(problem.objectives), "topk": _frame_records(top),
    }
    if other is not None:
        other.log.to_csv(out / "log_random.csv", index=False)
        report["random"] = {"evaluated": other.evaluations, "best": None if other.best_fitness is None
                            else list(other.best_fitness.values), "best_genotype":
                            None if other.best is None else problem.encode(other.best)}
    search_curve(main.log, out / "curve.png", None if other is None else other.log,
                 title=f"{problem.setup.space}: segmenter search ({scorer_label})", ylabel="score (first objective)")
    if len(problem.objectives) > 1:
        front = ranked_table(problem, sorted(main.pareto, key=lambda p: -p[1].values[0]))
        front.to_csv(out / "pareto.csv", index=False)
        pareto_plot(table[table["valid"]], front, problem.objectives, out / "pareto.png", scorer_label)
        report["pareto"] = _frame_records(front)
    warning = size_bias_warning(problem, table, scorer_label)
    report["warnings"] = [warning] if warning else []
    if len(top):
        cmd = train_command(command_args, top["genotype"].iloc[0])
        (out / "train_winner.sh").write_text("#!/bin/sh\n" + cmd + "\n")
        report["train_command"] = cmd
    return report
