"""A second search under the same setup recomputes nothing: AVT bounds are estimated once into the
user's cache and reused, the report's costs are the search's own or the cost cache's, and a damaged
or mismatched cache entry is refused with one line and recomputed. Real CamVid images, gas at 64×64."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from zeroseg.jsonio import read_json, write_json
from zeroseg.proxies import avt_cache
from zeroseg.scorers import ScoringSetup, create_scorer
from zeroseg.search.run import SearchOptions, search
from zeroseg.spaces import create_space
from zeroseg.spaces.cost_cache import CostCache

SIZE = (64, 64)
REFUSALS = ("ignoring it", "refusing")


def _options(root, out, **kw) -> SearchOptions:
    base = dict(space="gas", scorer="saswot", data_root=str(root), input_size=SIZE, batch_size=2, budget=3,
                population=3, topk=2, scorer_options={"avt_samples": 3}, threads=1, out=str(out), progress=False)
    return SearchOptions(**{**base, **kw})


def _run(o: SearchOptions) -> tuple[dict, list[str]]:
    lines: list[str] = []
    report = search(o, log=lines.append)
    return report, lines


def _calibration(out) -> dict:
    return read_json(out / "calibration.json", checksum=True)["calibration"]


def _scorings(lines: list[str]) -> int:
    """Calibration genotypes scored: ``estimate_bounds`` logs one ``[avt] i/n`` line per network."""
    return sum(1 for m in lines if m.startswith("[avt] ") and m.split()[1].split("/")[0].isdigit())


def _calibrate(root, log) -> dict:
    setup = ScoringSetup("gas", "camvid", str(root), SIZE, 2, 0, "cpu")
    return create_scorer("proxy", setup, proxy="saswot", avt_samples=3).calibrate(log)


def test_avt_bounds_are_estimated_once_and_reused(camvid_root, tmp_path):
    _, first = _run(_options(camvid_root, tmp_path / "a"))
    cal = _calibration(tmp_path / "a")
    assert cal["source"] == "estimated" and cal["scored_genotypes"] == 3 == _scorings(first)
    written = avt_cache.cache_file().read_bytes()
    _, second = _run(_options(camvid_root, tmp_path / "b"))
    again = _calibration(tmp_path / "b")
    assert again["scored_genotypes"] == 0 == _scorings(second) and again["source"].startswith("user cache")
    assert again["avt"] == cal["avt"] and avt_cache.cache_file().read_bytes() == written  # written once
    assert pd.read_csv(tmp_path / "a" / "evaluated.csv")["score"].tolist() == \
        pd.read_csv(tmp_path / "b" / "evaluated.csv")["score"].tolist()


def _damage_text(path):
    path.write_text("{not json")


def _edit_a_byte(path):
    path.write_text(path.read_text().replace('"min": ', '"min": 1', 1))


def _old_format(path):
    path.write_text(json.dumps({"gas@64x2/camvid-train-seed0": {"bounds": {}}}))


def _foreign_entry(path):
    doc = read_json(path, checksum=True)
    key = next(k for k in doc["entries"] if "|nwot|" in k)
    doc["entries"][key]["key"] = key.replace("@64x2", "@128x2")  # copied from another setup
    write_json(path, doc, indent=1, checksum=True)


@pytest.mark.parametrize("damage, says", [
    (_damage_text, "is not valid JSON"), (_edit_a_byte, "damaged or was edited"),
    (_old_format, "is not a zeroseg-avt-cache/1 file"), (_foreign_entry, "records key")])
def test_a_bad_avt_cache_entry_is_refused_with_one_line(camvid_root, damage, says):
    good = _calibrate(camvid_root, lambda _m: None)
    damage(avt_cache.cache_file())
    lines: list[str] = []
    again = _calibrate(camvid_root, lines.append)
    refusals = [m for m in lines if any(r in m for r in REFUSALS)]
    assert len(refusals) == 1 and says in refusals[0] and str(avt_cache.cache_file()) in refusals[0], refusals
    assert again["scored_genotypes"] == 3 == _scorings(lines) and again["avt"] == good["avt"]
    assert _calibrate(camvid_root, lines.append)["scored_genotypes"] == 0  # rewritten sound


def test_report_costs_are_the_search_costs(camvid_root, tmp_path):
    """FLOPs objective: every candidate's cost is computed in the loop; the report shows those numbers."""
    report, _ = _run(_options(camvid_root, tmp_path, scorer="nwot", scorer_options={}, budget=4,
                              objectives=("score", "flops")))
    table = pd.read_csv(tmp_path / "evaluated.csv").set_index("genotype")
    space = create_space("gas")
    for row in report["topk"] + report["pareto"]:
        g = row["genotype"]
        assert [row[c] for c in ("params", "flops", "act_mb")] == \
            [table.loc[g, c].item() for c in ("params", "flops", "act_mb")]
        assert row["params"] == space.cost(space.decode(g), SIZE, 11).params  # the cost model's number


def test_a_second_report_reuses_the_cost_cache(camvid_root, tmp_path):
    """Unconstrained: params come from the scorer's network, the top-k FLOPs from the cost model once."""
    report, first = _run(_options(camvid_root, tmp_path / "a", scorer="nwot", scorer_options={}))
    assert any(m.startswith("[search] costs of reported genotypes cached in") for m in first)
    table = pd.read_csv(tmp_path / "a" / "evaluated.csv")
    space = create_space("gas")
    for g, params in zip(table["genotype"], table["params"]):
        assert params == space.cost(space.decode(g), SIZE, 11).params  # the scorer's count is the cost model's
    cached = CostCache("gas", SIZE, 11).entries
    again, second = _run(_options(camvid_root, tmp_path / "b", scorer="nwot", scorer_options={}))
    assert not any(m.startswith("[search] costs") for m in second)  # nothing new to compute or write
    assert again["topk"] == report["topk"]
    assert all(cached[r["genotype"]] == {c: r[c] for c in ("params", "flops", "act_mb")} for r in again["topk"])


def _cost_of(space, g):
    calls = []

    def compute():
        calls.append(g)
        c = space.cost(space.decode(g), SIZE, 11)
        return {"params": c.params, "flops": c.flops, "act_mb": round(c.act_mb, 3)}
    return compute, calls


def test_a_bad_cost_cache_is_refused_with_one_line(tmp_path):
    space = create_space("gas")
    g = space.encode(space.sample(np.random.default_rng(0)))
    cache = CostCache("gas", SIZE, 11, root=tmp_path)
    compute, calls = _cost_of(space, g)
    cost = cache.get(g, compute)
    assert cache.save() == cache.path and len(calls) == 1
    for damage, says in [(lambda p: p.write_text("[1,"), "is not valid JSON"),
                         (lambda p: _rekey(p, "torch", "0.0"), "was made for"),
                         (lambda p: _reentry(p, g, {"params": cost["params"]}), "flops, act_mb missing")]:
        lines: list[str] = []
        fresh = CostCache("gas", SIZE, 11, root=tmp_path, log=lines.append)
        damage(fresh.path)
        before = len(calls)
        assert fresh.get(g, compute) == cost and len(calls) == before + 1
        assert len(lines) == 1 and says in lines[0] and str(fresh.path) in lines[0], lines
        fresh.save()


def _rekey(path, package, version):
    doc = read_json(path, checksum=True)
    doc["key"]["code"][package] = version
    write_json(path, doc, checksum=True)


def _reentry(path, g, entry):
    doc = read_json(path, checksum=True)
    doc["entries"][g] = entry
    write_json(path, doc, checksum=True)
