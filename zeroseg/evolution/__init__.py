"""The evolution engine shared by proxy discovery and segmenter search.

``evolve(problem, EvolutionConfig(...), executor=make_executor(workers, scheduler), checkpoint=...,
resume=...)`` runs SasWOT's greedy evolution (or the random baseline, or NSGA-II top-k selection)
on any :class:`Problem`. Heavy imports (DEAP, Dask, joblib) happen inside functions.
"""

from zeroseg.evolution.engine import Engine, EvolutionConfig, evolve
from zeroseg.evolution.executors import DaskExecutor, JoblibExecutor, ProblemSpec, SerialExecutor, make_executor
from zeroseg.evolution.logbook import EvolutionResult
from zeroseg.evolution.problem import Fitness, Problem

__all__ = [
    "DaskExecutor",
    "Engine",
    "EvolutionConfig",
    "EvolutionResult",
    "Fitness",
    "JoblibExecutor",
    "Problem",
    "ProblemSpec",
    "SerialExecutor",
    "evolve",
    "make_executor",
]
