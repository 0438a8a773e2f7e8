"""A found proxy's ``# setup:``: where its stored AVT bounds hold, and the setup it is scored at by default.

Its bounds are applied only to values of the setup they were fitted at; elsewhere each term is
normalised by its own bounds at the scoring setup (SasWOT Eq. 4), and a line says so once."""

from __future__ import annotations

import json

import pytest

from zeroseg.cli.main import main
from zeroseg.proxies import list_proxies, resolve_proxy, score_many, write_found_proxy
from zeroseg.proxies import dsl_proxy
from zeroseg.proxies.dsl_proxy import stored_key
from zeroseg.proxies.scoring import fitted_setup, scoring_setup

MICRO, MACRO = "64-41414-1_00_210", "64-111114-basic"
TERMS = [(0.75, 100.0, 5000.0, "sum_layers(to_sum(abs(G)))"), (-0.25, 20.0, 30.0, "slogdet(KH)")]


def found(tmp_path, name: str, **setup):
    return str(write_found_proxy(tmp_path / f"{name}.proxy", TERMS, setup, "a test's found proxy"))


def by_hand(parts: dict, lims: dict) -> float:
    return sum(w * (parts[e].value - lims[e][0]) / (lims[e][1] - lims[e][0]) for w, _, _, e in TERMS)


def test_stored_key_names_the_setup_of_each_space():
    setup = {"space": "micro+macro", "resolution": 64, "batch_size": 8, "seed": 0}
    assert stored_key(setup, "micro") == "micro@64x8" and stored_key(setup, "macro") == "macro@64x8"
    assert stored_key(setup, "gas") is None
    assert stored_key({"resolution": [96, 128], "batch_size": 2}, "gas") == "gas@96x128x2"
    assert stored_key({"space": "micro"}, "micro") is None  # no input size: never the stored setup


def test_stored_bounds_under_the_fitted_setup_and_the_setups_own_elsewhere(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(dsl_proxy, "_NOTED", set())  # the notice is once per process: start from none
    path = found(tmp_path, "mine", space="micro", resolution=32, batch_size=2, seed=0)
    exprs = [t[3] for t in TERMS]
    parts = score_many(exprs, MICRO, resolution=32, batch_size=2)
    stored = {e: (lo, hi) for _, lo, hi, e in TERMS}
    assert score_many([path], MICRO, resolution=32, batch_size=2)[path].value == pytest.approx(by_hand(parts, stored), rel=1e-12)
    # macro is not the fitted space: the bounds given for macro@32x2 are used, not the stored ones
    there = {exprs[0]: (1.0, 9.0e4), exprs[1]: (-5.0, 80.0)}
    macro = score_many(exprs, MACRO, resolution=32, batch_size=2)
    capsys.readouterr()
    value = score_many([path], MACRO, resolution=32, batch_size=2, avt=there)[path].value
    assert value == pytest.approx(by_hand(macro, there), rel=1e-12)
    assert value != pytest.approx(by_hand(macro, stored), rel=1e-6)
    note = capsys.readouterr().err
    assert "its stored AVT bounds hold at micro@32x2; at macro@32x2" in note
    score_many([path], MACRO, resolution=32, batch_size=2, avt=there)
    assert "[found]" not in capsys.readouterr().err  # once per process and setup


def test_another_input_or_batch_size_is_another_setup(tmp_path):
    path = found(tmp_path, "sized", space="micro", resolution=32, batch_size=2, seed=0)
    exprs = [t[3] for t in TERMS]
    there = {exprs[0]: (1.0, 9.0e4), exprs[1]: (-5.0, 80.0)}
    for resolution, batch in ((64, 2), (32, 3)):
        parts = score_many(exprs, MICRO, resolution=resolution, batch_size=batch)
        value = score_many([path], MICRO, resolution=resolution, batch_size=batch, avt=there)[path].value
        assert value == pytest.approx(by_hand(parts, there), rel=1e-12)


def test_score_defaults_to_the_found_proxys_setup_and_says_so(tmp_path, capsys):
    path = found(tmp_path, "small", space="micro", resolution=32, batch_size=2, seed=0)
    assert main(["score", "--space", "micro", "--arch", MICRO, "--proxy", path, "--json"]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert (doc["resolution"], doc["batch_size"]) == (32, 2)
    assert "resolution 32, batch_size 2: the setup the requested found proxies' AVT bounds were fitted at" in out.err
    assert doc["results"][path]["value"] == pytest.approx(score_many([path], MICRO, resolution=32, batch_size=2)[path].value,
                                                          rel=1e-12)
    assert main(["score", "--space", "micro", "--arch", MICRO, "--proxy", "nwot", "--json"]) == 0
    plain = capsys.readouterr()
    assert json.loads(plain.out)["resolution"] == 256 and "[score]" not in plain.err  # no found proxy: the default


def test_disagreeing_setups_fall_back_to_the_defaults(tmp_path):
    a = found(tmp_path, "a", space="micro", resolution=32, batch_size=2, seed=0)
    b = found(tmp_path, "b", space="micro", resolution=64, batch_size=2, seed=0)
    assert fitted_setup([a]) == {"resolution": 32, "batch_size": 2}
    assert fitted_setup([a, b]) == {}
    assert scoring_setup([a, b]) == ({"resolution": 256, "batch_size": 8}, "")
    assert scoring_setup([a], resolution=128)[0] == {"resolution": 128, "batch_size": 2}


def test_every_shipped_found_proxy_names_the_setup_its_bounds_hold_at():
    shipped = [n for n in list_proxies(kind="dsl") if resolve_proxy(n).contract.get("terms")]
    assert shipped  # found_micro_pooled, found_macro_pooled, …
    for name in shipped:
        setup = resolve_proxy(name).contract["setup"]
        assert setup.get("space") and all(stored_key(setup, s) for s in setup["space"].split("+")), name


def test_a_term_that_cannot_score_contributes_its_minimum(tmp_path):
    """As in the fit the proxy was chosen with (``ensemble.Term.apply``); with no term left, invalid."""
    bad = "log(sub(slogdet(KH), slogdet(KH)))"  # log(0): non-finite on every network
    ok = TERMS[0]
    some = str(write_found_proxy(tmp_path / "some.proxy", [ok, (2.0, 1.0, 3.0, bad)],
                                 {"space": "micro", "resolution": 32, "batch_size": 2}, "a test"))
    none = str(write_found_proxy(tmp_path / "none.proxy", [(1.0, 1.0, 3.0, bad)],
                                 {"space": "micro", "resolution": 32, "batch_size": 2}, "a test"))
    r = score_many([some, none, ok[3]], MICRO, resolution=32, batch_size=2)
    assert r[some].value == pytest.approx(ok[0] * (r[ok[3]].value - ok[1]) / (ok[2] - ok[1]), rel=1e-12)
    assert not r[none].ok and "non-finite after log" in r[none].invalid
