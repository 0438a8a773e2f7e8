"""A small real problem for exercising the engine: match hidden bit strings under constraints.

Individuals are strings of ``n_bits`` '0'/'1'. Objective i is the fraction of bits equal to hidden
target i (targets drawn from ``target_seed``); one objective is a plain search problem, two
conflicting targets give a real Pareto front. Candidates with a run of more than ``max_run`` ones,
or starting with ``zero_prefix`` zeros, are rejected with that reason (exercises rejection
counting). ``delay`` slows evaluation down (kill/resume tests), and ``crash_marker`` is fault
injection: the first process to evaluate creates that file and dies hard (``os._exit``), as a Dask
worker killed mid-task would — only for use on workers, never in-process.
"""

from __future__ import annotations

import os
import time
from typing import Sequence

import numpy as np

from zeroseg.evolution.executors import ProblemSpec
from zeroseg.evolution.problem import Fitness


class BitMatch:
    """Bit-string matching with 1 or 2 objectives (maximise agreement with hidden targets)."""

    def __init__(self, n_bits: int = 24, objectives: int = 1, target_seed: int = 1234, max_run: int = 4,
                 zero_prefix: int = 4, delay: float = 0.0, crash_marker: str | None = None):
        if n_bits < 2 or objectives not in (1, 2):
            raise ValueError(f"BitMatch needs n_bits >= 2 and 1 or 2 objectives, got {n_bits}, {objectives}")
        self.config = dict(n_bits=n_bits, objectives=objectives, target_seed=target_seed, max_run=max_run,
                           zero_prefix=zero_prefix, delay=delay, crash_marker=crash_marker)
        trng = np.random.default_rng(target_seed)
        self.targets = trng.integers(0, 2, size=(objectives, n_bits))
        self.n_bits = n_bits

    def spec(self) -> ProblemSpec:
        return ProblemSpec("zeroseg.evolution.toy:BitMatch", self.config)

    def sample(self, rng: np.random.Generator) -> str:
        return "".join(map(str, rng.integers(0, 2, self.n_bits)))

    def mutate(self, x: str, rng: np.random.Generator) -> str:
        flips = rng.random(self.n_bits) < 1.0 / self.n_bits
        flips[int(rng.integers(self.n_bits))] = True
        return "".join(str(int(c) ^ int(f)) for c, f in zip(x, flips))

    def crossover(self, a: str, b: str, rng: np.random.Generator) -> str:
        cut = int(rng.integers(1, self.n_bits))
        return a[:cut] + b[cut:]

    def key(self, x: str) -> str:
        return x

    def encode(self, x: str) -> str:
        return x

    def decode(self, text: str) -> str:
        if len(text) != self.n_bits or set(text) - {"0", "1"}:
            raise ValueError(f"BitMatch: expected {self.n_bits} characters of 0/1, got {text!r}")
        return text

    def _crash_once(self) -> None:
        marker = self.config["crash_marker"]
        if marker is None:
            return
        try:
            with open(marker, "x"):
                pass
        except FileExistsError:
            return
        os._exit(17)

    def evaluate(self, batch: Sequence[str]) -> list[Fitness]:
        self._crash_once()
        if self.config["delay"]:
            time.sleep(self.config["delay"] * len(batch))
        out = []
        for x in batch:
            if "1" * (self.config["max_run"] + 1) in x:
                out.append(Fitness.reject(f"run of more than {self.config['max_run']} ones"))
            elif x.startswith("0" * self.config["zero_prefix"]):
                out.append(Fitness.reject(f"starts with {self.config['zero_prefix']} zeros"))
            else:
                bits = np.frombuffer(x.encode(), dtype=np.uint8) - ord("0")
                out.append(Fitness(tuple(float(np.mean(bits == t)) for t in self.targets)))
        return out
