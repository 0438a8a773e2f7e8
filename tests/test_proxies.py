"""Registry-driven smoke tests of every proxy: finite and deterministic under a seed (64×64)."""

from __future__ import annotations

import json
import math

import pytest

from zeroseg.proxies import avt, avt_cache, create_proxy, list_proxies, score_arch, score_many
from zeroseg.proxies.base import BN_MODES, KINDS, NEEDS
from zeroseg.scorers.batch import batch_name
from zeroseg.search.run import SearchOptions
from zeroseg.spaces import list_spaces

ARCH = "64-41414-1_00_210"  # first micro row of the table
SETUP = dict(resolution=64, batch_size=2, seed=0)


# Values of the scoring code before the one-core rewrite (main at 8c23781, same setup): must not move.
PINNED = {
    "epe_nas": 1.9999900000797683e-05,
    "fisher": 0.0010972931054225483,
    "flops": 3270508544.0,
    "grad_norm": 5.924123108386993,
    "grasp": -0.1298762785229428,
    "jacov": -2.004833873245139,
    "l2_norm": 341.9527974128723,
    "nwot": 24.783784866333008,
    "params": 11902545.0,
    "plain": 0.19663530543479316,
    "saswot_minus": 2343609.25,
    "snip": 30.551697583486302,
    "synflow": 8.864011330140177e+26,
    "zen": 7.229391325366176,
}


@pytest.fixture(scope="module")
def avt_file(tmp_path_factory):
    """AVT min 0 / max 1 for both SasWOT components, so saswot = saswot_minus + nwot exactly."""
    path = tmp_path_factory.mktemp("avt") / "avt.json"
    key = avt.avt_key("micro", SETUP["resolution"], SETUP["batch_size"])
    bounds = {n: {"min": 0.0, "max": 1.0} for n in ("saswot_minus", "nwot")}
    path.write_text(json.dumps({key: {"bounds": bounds}}))
    return path


def fitted(name: str) -> bool:
    """A found proxy with a ``# setup:``: scored at that setup, where its stored AVT bounds hold."""
    return bool(create_proxy(name).contract.get("setup"))


@pytest.fixture(scope="module")
def twice(avt_file):
    """Every proxy scored on two fresh contexts (same seed): at ``SETUP``, a found proxy at its own setup."""
    mp = pytest.MonkeyPatch()
    mp.setattr(avt, "AVT_FILE", avt_file)
    try:
        plain = [n for n in list_proxies() if not fitted(n)]
        found = [n for n in list_proxies() if fitted(n)]
        return tuple({**score_many(plain, ARCH, **SETUP), **score_many(found, ARCH, seed=0)} for _ in range(2))
    finally:
        mp.undo()


@pytest.mark.parametrize("name", list_proxies())
def test_contract_is_complete(name):
    c = create_proxy(name).contract
    assert c["kind"] in KINDS and c["bn"] in BN_MODES and c["sign"] in (1, -1)
    assert set(c["needs"]) <= set(NEEDS) and c["provenance"]


@pytest.mark.parametrize("name", list_proxies())
def test_finite_and_deterministic(name, twice):
    a, b = twice[0][name], twice[1][name]
    assert a.ok, a.invalid
    assert math.isfinite(a.value)
    assert a.value == b.value, f"{name}: {a.value} != {b.value} under one seed"


def test_saswot_is_sum_of_avt_components(twice):
    r = twice[0]
    assert r["saswot"].value == pytest.approx(r["saswot_minus"].value + r["nwot"].value, rel=1e-12)


def test_missing_avt_bounds_are_estimated_into_the_user_cache(tmp_path, monkeypatch, capsys):
    shipped = tmp_path / "package" / "avt.json"
    monkeypatch.setattr(avt, "AVT_FILE", shipped)
    monkeypatch.setattr(avt, "ON_DEMAND_SAMPLES", 3)  # one of the 3 is degenerate: skipped
    r = score_arch("saswot", ARCH, **SETUP)
    assert r.ok, r.invalid
    assert "estimating from 3 random networks of micro" in capsys.readouterr().err
    entries = avt_cache.read_entries(avt.user_avt_file())
    assert set(entries) == {f"micro@64x2|{c}|n3|seed0" for c in ("saswot_minus", "nwot")} and not shipped.exists()
    assert all(e["n"] == 3 and len(e["archs"]) == 3 for e in entries.values())
    assert score_arch("saswot", ARCH, **SETUP).value == r.value  # the second time, read from the cache
    assert "estimating" not in capsys.readouterr().err


def test_avt_normalize_and_empty_range():
    assert avt.normalize(3.0, 1.0, 5.0) == 0.5
    with pytest.raises(ValueError, match="empty"):
        avt.normalize(1.0, 2.0, 2.0)


def test_score_arch_times_the_whole_call():
    r = score_arch("params", ARCH, **SETUP)
    assert r.ok and r.value == 11_902_545 and r.seconds > 0  # the table's params_m × 1e6


def test_unknown_proxy_lists_known_names():
    with pytest.raises(KeyError, match="known: .*saswot"):
        score_arch("no_such_proxy", ARCH, **SETUP)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_values_are_pinned(name, twice):
    assert twice[0][name].value == pytest.approx(PINNED[name], rel=1e-6)


def test_shipped_bounds_cover_the_default_setups():
    """Both TNB101 spaces at 256² and 64² (batch 8) and every segmenter space at the search's defaults."""
    o = SearchOptions()
    keys = {avt.avt_key(s, r, 8) for s in ("micro", "macro") for r in (256, 64)}
    keys |= {avt.avt_key(s, o.input_size, o.batch_size, batch_name(o.dataset, o.seed)) for s in list_spaces()}
    data = avt.load_avt()
    assert not keys - set(data), f"missing: {sorted(keys - set(data))}"
    for k in keys:
        b = data[k]["bounds"]
        assert data[k]["n"] >= 2 and all(b[c]["max"] > b[c]["min"] for c in ("saswot_minus", "nwot")), k
