"""Auto-DeepLab space: path/cell rules, variation, and the published Auto-DeepLab-S size."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zeroseg.spaces import InvalidGenotype, create_space

SPACE = create_space("autodeeplab")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_paths_keep_halve_or_double(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = SPACE.crossover(SPACE.sample(rng), SPACE.mutate(SPACE.sample(rng), rng), rng)
    assert g.path[0] in (0, 1)
    assert all(abs(a - b) <= 1 for a, b in zip(g.path, g.path[1:]))


def test_rules_name_what_is_broken() -> None:
    g = SPACE.published()["auto-deeplab-s"]
    cases = {
        "path\\[0\\] = 2": dataclasses.replace(g, path=(2,) + g.path[1:]),
        "keeps, halves or doubles": dataclasses.replace(g, path=(0, 2) + g.path[2:]),
        "distinct and increasing": dataclasses.replace(g, inputs=(1, 0) + g.inputs[2:]),
        "only states 0..1": dataclasses.replace(g, inputs=(0, 2) + g.inputs[2:]),
        r"ops\[0\] = 9": dataclasses.replace(g, ops=(9,) + g.ops[1:]),
    }
    for message, bad in cases.items():
        with pytest.raises(InvalidGenotype, match=message):
            SPACE.validate(bad)
    with pytest.raises(InvalidGenotype, match="missing field"):
        SPACE.decode("p=000121223321;i=0101032435")


def test_published_auto_deeplab_s_matches_the_paper() -> None:
    """Table 2: Auto-DeepLab-S (F=20) 10.15 M params, 333.25 B Multi-Adds (= MACs) at 1024×2048."""
    g = SPACE.published()["auto-deeplab-s"]
    assert SPACE.encode(g) == "p=000121223321;i=0101032435;o=3002001113"
    cost = SPACE.cost(g, (1024, 2048), num_classes=19)  # meta device: no memory, no compute
    assert cost.params == pytest.approx(10.15e6, rel=0.10)
    assert cost.macs == pytest.approx(333.25e9, rel=0.15)
