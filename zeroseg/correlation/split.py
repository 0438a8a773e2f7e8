"""The fixed train/test split of each TransNAS-Bench-101 table.

Proxy discovery searches on ``train`` and reports on ``test``, so test archs stay unseen. The
split is decided per architecture from a hash of its ``net_code`` (no permutation, no stored
file): an arch is in ``train`` iff the first 8 bytes of ``sha256(SALT + net_code)``, read as an
unsigned integer, fall in the lower half of [0, 2^64). It is therefore stable forever, the same
on every machine and independent of row order or of other rows. Sizes: micro 347 train / 364
test, macro 241 / 259 (see tests/test_correlation_split.py).
"""

from __future__ import annotations

import hashlib

import pandas as pd

from zeroseg.transnas.tables import load_table

SALT = "zeroseg-split-v1:"
SPLIT_PARTS = ("train", "test", "all")


def split_of(net_code: str) -> str:
    """``"train"`` or ``"test"``: the part ``net_code`` belongs to (hash rule above)."""
    digest = hashlib.sha256((SALT + net_code).encode("utf-8")).digest()
    return "train" if int.from_bytes(digest[:8], "big") < 2**63 else "test"


def split_frame(table: pd.DataFrame, part: str) -> pd.DataFrame:
    """Rows of ``table`` (needs a ``net_code`` column) in ``part``; index reset, row order kept."""
    if part not in SPLIT_PARTS:
        raise ValueError(f"unknown split part {part!r}; valid parts: {', '.join(SPLIT_PARTS)}")
    if part == "all":
        return table.reset_index(drop=True)
    mask = table["net_code"].map(split_of) == part
    return table[mask].reset_index(drop=True)


def split_table(space: str, part: str) -> pd.DataFrame:
    """The ``space`` table (``micro``/``macro``) restricted to ``part`` (``train``/``test``/``all``)."""
    return split_frame(load_table(space), part)
