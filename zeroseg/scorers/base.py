"""Scorer registry, contract and the shared setup of one search's scoring.

Contract (declared in ``@register_scorer``): ``needs`` ⊆ {"dataset", "training"}, ``cost``, a
short sentence on what one candidate costs, and ``smoke``, the options of a small, quick setting
(the registry-driven tests use it), and optionally ``flags``, ``{constructor parameter: help}``: the
options ``zeroseg search`` offers as ``--param-name`` flags (type and default from the constructor;
any parameter can also be given as ``--scorer-opt KEY=VALUE``). A scorer is rebuilt on Dask/joblib
workers from JSON (``setup`` + ``options()``), so everything it learns once per search
(``calibrate``: AVT min/max of SasWOT, Eq. 4) must come back as JSON-able options.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Protocol

from zeroseg.registry import Registry

NEEDS = ("dataset", "training")
SCORERS: Registry[type] = Registry("scorer", ("zeroseg.scorers",))


@dataclass(frozen=True)
class ScoringSetup:
    """Where and how candidates are scored (JSON-able; the same for every candidate of a search)."""

    space: str
    dataset: str = "camvid"
    data_root: str | None = None
    input_size: tuple[int, int] = (192, 256)
    batch_size: int = 4
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        h, w = self.input_size
        if h < 1 or w < 1 or self.batch_size < 1:
            raise ValueError(f"input_size and batch_size must be positive, got {self.input_size}, {self.batch_size}")
        object.__setattr__(self, "input_size", (int(h), int(w)))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["input_size"] = list(self.input_size)
        return d

    @property
    def num_classes(self) -> int:
        from zeroseg.data import DATASETS  # heavy (torch): zeroseg.scorers stays light for the CLI

        n = DATASETS.entry(self.dataset).contract.get("num_classes")
        if n is None:
            raise ValueError(f"dataset {self.dataset!r} declares no num_classes; the search needs a fixed class count")
        return int(n)


@dataclass(frozen=True)
class ScoreResult:
    """A candidate's score (higher is better) or the reason it has none; ``info`` goes to the table."""

    value: float = float("nan")
    invalid: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.invalid is None


class Scorer(Protocol):
    """What the segmenter problem needs from a scorer."""

    def options(self) -> dict[str, Any]:
        """JSON-able keyword arguments that rebuild this scorer (calibration included)."""
        ...

    def calibrate(self, log: Callable[[str], None] = print) -> dict[str, Any]:
        """Once-per-search preparation; returns what it learned (also kept in ``options()``)."""
        ...

    def score(self, g: Any) -> ScoreResult: ...


def register_scorer(name: str, *, needs: tuple[str, ...], cost: str, **extra: Any) -> Callable[[type], type]:
    """Class decorator registering a scorer after checking its contract."""
    bad = [n for n in needs if n not in NEEDS]
    if bad:
        raise ValueError(f"scorer {name!r}: unknown needs {bad}; valid: {', '.join(NEEDS)}")
    return SCORERS.register(name, needs=tuple(needs), cost=cost, **extra)


def list_scorers(**where: Any) -> list[str]:
    return SCORERS.list(**where)


def get_scorer(name: str) -> type:
    return SCORERS.get(name)


def create_scorer(name: str, setup: ScoringSetup, **options: Any) -> Scorer:
    return SCORERS.create(name, setup, **options)


def resolve_scorer(text: str) -> tuple[str, dict[str, Any]]:
    """``--scorer`` value → (scorer name, options): a registered scorer, else a proxy for ``proxy``."""
    if text in SCORERS:
        return text, {}
    return "proxy", {"proxy": text}
