"""The shipped TransNAS-Bench-101 segmentsemantic tables (package data).

One row per architecture: ``arch`` (op-index tuple), ``net_code``, ``val_acc`` (final-epoch
validation pixel accuracy), ``params_m``, ``flops_m`` and NAS-Bench-Suite-Zero's precomputed
zero-cost scores. Source: /work/shared/data/transnas101 (see REFERENCES.md, TNB101 section).
Two other TNB101 tasks of the same archs (``class_scene``, ``normal``) ship for transfer checks
only: discovery never searches on them.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from zeroseg.transnas.codes import SPACES


TASKS = ("segmentsemantic", "class_scene", "normal")


@lru_cache(maxsize=None)
def _read(space: str, task: str = "segmentsemantic") -> pd.DataFrame:
    ref = resources.files("zeroseg.transnas") / "data" / f"{space}_{task}.csv"
    with resources.as_file(ref) as path:
        return pd.read_csv(path)


def load_table(space: str, task: str = "segmentsemantic") -> pd.DataFrame:
    """The ``space`` table (``"micro"``: 711 rows, ``"macro"``: 500 rows) of ``task`` as a fresh DataFrame.

    The file is parsed once per process; each call returns a copy, so callers may modify it.
    """
    if space not in SPACES:
        raise ValueError(f"unknown TransNAS-Bench-101 space {space!r}; valid spaces: {', '.join(SPACES)}")
    if task not in TASKS:
        raise ValueError(f"unknown TransNAS-Bench-101 task {task!r}; valid tasks: {', '.join(TASKS)}")
    return _read(space, task).copy()
