"""Evolution engine on a real small problem (zeroseg.evolution.toy.BitMatch)."""

from __future__ import annotations

import json

import pytest

from zeroseg.evolution import checkpoint as ckpt
from zeroseg.evolution.engine import EvolutionConfig, evolve
from zeroseg.evolution.executors import JoblibExecutor, SerialExecutor, n_chunks, split
from zeroseg.evolution.problem import Fitness
from zeroseg.evolution.selection import dominates
from zeroseg.evolution.toy import BitMatch

CFG = EvolutionConfig(population=16, topk=4, generations=12, seed=3)


class CountingBitMatch(BitMatch):
    """Records every individual it is asked to evaluate (to prove nothing is evaluated twice)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.seen: list[str] = []

    def evaluate(self, batch):
        self.seen.extend(batch)
        return super().evaluate(batch)


def _same_run(a, b) -> None:
    assert a.best == b.best and a.best_fitness == b.best_fitness
    assert a.evaluations == b.evaluations and a.rejected == b.rejected
    assert a.log.drop(columns="wall").equals(b.log.drop(columns="wall"))


def test_evolution_improves_and_is_deterministic():
    a = evolve(BitMatch(), CFG, progress=False)
    b = evolve(BitMatch(), CFG, progress=False)
    _same_run(a, b)
    assert a.log["best"].iloc[-1] > a.log["best"].iloc[0]
    assert a.log["best"].is_monotonic_increasing
    assert evolve(BitMatch(), EvolutionConfig(**{**CFG.__dict__, "seed": 4}), progress=False).log["mean"].tolist() \
        != a.log["mean"].tolist()


def test_joblib_workers_give_the_same_run():
    _same_run(evolve(BitMatch(), CFG, progress=False),
              evolve(BitMatch(), CFG, executor=JoblibExecutor(2), progress=False))


def test_never_evaluates_a_key_twice_and_counts_duplicates():
    p = CountingBitMatch(n_bits=8, max_run=8, zero_prefix=9)  # 256 individuals: duplicates are certain
    r = evolve(p, EvolutionConfig(population=16, topk=4, generations=30, seed=0), progress=False)
    assert len(p.seen) == len(set(p.seen)) == r.evaluations
    assert r.rejected.get("duplicate", 0) > 0
    assert r.log["duplicates"].sum() == r.rejected["duplicate"]


def test_rejections_counted_by_reason():
    r = evolve(BitMatch(max_run=2, zero_prefix=2), CFG, progress=False)
    runs, zeros = "run of more than 2 ones", "starts with 2 zeros"
    assert r.rejected[runs] > 0 and r.rejected[zeros] > 0
    per_gen = [json.loads(s) for s in r.log["reasons"]]
    assert sum(d.get(runs, 0) for d in per_gen) == r.rejected[runs]
    assert all("1" * 3 not in x and not x.startswith("00") for x, _ in r.hall_of_fame)


def test_random_strategy_same_budget_and_evolution_wins():
    budget = dict(population=16, topk=4, generations=50, max_evaluations=160)
    evo = [evolve(BitMatch(n_bits=40, max_run=40, zero_prefix=41), EvolutionConfig(seed=s, **budget),
                  progress=False) for s in range(3)]
    rnd = [evolve(BitMatch(n_bits=40, max_run=40, zero_prefix=41),
                  EvolutionConfig(seed=s, strategy="random", **budget), progress=False) for s in range(3)]
    assert all(r.evaluations == 160 for r in evo + rnd)
    assert sum(r.best_fitness.values[0] for r in evo) > sum(r.best_fitness.values[0] for r in rnd)


def test_restart_after_patience_records_topk():
    # 6 bits, no constraints: the optimum is found fast, then nothing improves → restarts
    r = evolve(BitMatch(n_bits=6, max_run=6, zero_prefix=7),
               EvolutionConfig(population=4, topk=2, generations=30, patience=3, seed=0), progress=False)
    assert r.restarts and all(len(rec["top"]) <= 2 for rec in r.restarts)
    assert r.log["episode"].iloc[-1] == len(r.restarts) or r.log["episode"].iloc[-1] == len(r.restarts) - 1
    assert r.best_fitness.values[0] == max(f.values[0] for _, f in r.hall_of_fame)


def test_nsga2_front_is_non_dominated():
    p = BitMatch(objectives=2, max_run=24, zero_prefix=25)
    r = evolve(p, EvolutionConfig(population=16, topk=8, generations=8, multiobjective=True, seed=1),
               progress=False)
    every = [f.values for _, f in r.hall_of_fame]  # contains the overall best of objective 0
    front = [f.values for _, f in r.pareto]
    assert len(front) >= 2
    assert not any(dominates(a, b) for a in front for b in front)
    assert all(not any(dominates(e, f) for e in every) for f in front)


def test_checkpoint_roundtrip_and_bad_files(tmp_path):
    path = tmp_path / "ck.json"
    evolve(BitMatch(), CFG, checkpoint=path, progress=False)
    state = ckpt.load(path)
    assert state.generation == CFG.generations and state.evaluations == len(state.memo)
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="expected format"):
        ckpt.load(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="same settings"):
        evolve(BitMatch(), EvolutionConfig(population=8), checkpoint=path, resume=True, progress=False)


def test_split_and_serial_executor():
    assert split(list(range(7)), 3) == [[0, 1, 2], [3, 4], [5, 6]]
    assert split([1], 4) == [[1]]
    assert n_chunks(BitMatch(), 100, workers=2, chunks_per_worker=1) == 2

    class Hinted(BitMatch):
        chunk_hint = 8

    assert n_chunks(Hinted(), 100, workers=2, chunks_per_worker=1) == 13
    assert SerialExecutor().evaluate(BitMatch(), []) == []
    assert isinstance(SerialExecutor().evaluate(BitMatch(), ["1" * 24])[0], Fitness)
    with pytest.raises(ValueError, match="strategy"):
        EvolutionConfig(strategy="greedy")
