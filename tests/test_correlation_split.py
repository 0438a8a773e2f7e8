"""The fixed train/test split: disjoint, complete, stable (hash of net_code)."""

from __future__ import annotations

import pytest

from zeroseg.correlation.split import split_of, split_table
from zeroseg.transnas import load_table

SIZES = {"micro": (347, 364), "macro": (241, 259)}


@pytest.mark.parametrize("space", ["micro", "macro"])
def test_disjoint_complete_and_sized(space):
    train, test, full = (split_table(space, p) for p in ("train", "test", "all"))
    a, b = set(train["net_code"]), set(test["net_code"])
    assert not a & b
    assert a | b == set(load_table(space)["net_code"])
    assert (len(train), len(test)) == SIZES[space]
    assert len(full) == len(train) + len(test)


def test_stable_assignments():
    # pinned: changing the rule would silently move archs between discovery and evaluation
    codes = ("64-41414-1_00_210", "64-41414-3_33_333", "64-111114-basic", "64-1234-basic")
    assert [split_of(c) for c in codes] == ["test", "test", "test", "train"]
    assert split_table("micro", "train")["net_code"].head(3).tolist() == [
        "64-41414-1_00_223", "64-41414-1_10_123", "64-41414-3_10_022"]


def test_unknown_part():
    with pytest.raises(ValueError, match="valid parts: train, test, all"):
        split_table("micro", "validation")
