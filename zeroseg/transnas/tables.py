"""The shipped TransNAS-Bench-101 segmentsemantic tables (package data).

One row per architecture: ``arch`` (op-index tuple), ``net_code``, ``val_acc`` (final-epoch
validation pixel accuracy), ``params_m``, ``flops_m`` and NAS-Bench-Suite-Zero's precomputed
zero-cost scores. Source: /work/shared/data/transnas101 (see REFERENCES.md, TNB101 section).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from zeroseg.transnas.codes import SPACES


@lru_cache(maxsize=None)
def _read(space: str) -> pd.DataFrame:
    ref = resources.files("zeroseg.transnas") / "data" / f"{space}_segmentsemantic.csv"
    with resources.as_file(ref) as path:
        return pd.read_csv(path)


def load_table(space: str) -> pd.DataFrame:
    """The ``space`` table (``"micro"``: 711 rows, ``"macro"``: 500 rows) as a fresh DataFrame.

    The file is parsed once per process; each call returns a copy, so callers may modify it.
    """
    if space not in SPACES:
        raise ValueError(f"unknown TransNAS-Bench-101 space {space!r}; valid spaces: {', '.join(SPACES)}")
    return _read(space).copy()
