"""One proxy for both TNB101 spaces: the joint fitness, the joint fit and ``zeroseg discover-joint`` end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from zeroseg.cli.main import main
from zeroseg.discovery.ensemble import fit_ensemble, fit_parts
from zeroseg.discovery.joint import JointDiscovery
from zeroseg.discovery.problem import ProxyDiscovery
from zeroseg.dsl import parse
from zeroseg.proxies.library import read_proxy_file

SMALL = dict(samples=5, repeats=2, archs=6, seed=0)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("stats_joint"))


def _parts(cache: str) -> dict[str, ProxyDiscovery]:
    stats = dict(cache_dir=cache, resolution=64, batch_size=4)
    return {space: ProxyDiscovery(space, stats, **SMALL) for space in ("micro", "macro")}


def test_joint_fitness_is_the_lower_of_the_two_spaces_and_rebuilds_from_its_spec(cache):
    parts = _parts(cache)
    joint = JointDiscovery({s: p.config for s, p in parts.items()})
    batch = [parse(t) for t in ("sum_layers(to_sum(abs(G)))", "slogdet(KH)", "sum_layers(to_sum(W))")]
    per_space = {s: p.evaluate(batch) for s, p in parts.items()}
    got = joint.evaluate(batch)
    for i, fit in enumerate(got):
        assert fit.ok
        assert fit.values[0] == min(per_space[s][i].values[0] for s in parts)
    rebuilt = JointDiscovery(**json.loads(joint.spec().to_json())["config"])
    assert [f.values for f in rebuilt.evaluate(batch)] == [f.values for f in got]
    with pytest.raises(ValueError, match="at least two spaces"):
        JointDiscovery({"micro": parts["micro"].config})


def test_joint_fit_prefers_the_term_that_ranks_both_pools():
    rng = np.random.default_rng(0)
    acc_a, acc_b = rng.normal(size=60), rng.normal(size=60)
    noise = lambda: rng.normal(scale=0.6, size=60)  # noqa: E731
    part_a = {"only_a": acc_a + 0.05 * noise(), "both": acc_a + noise()}
    part_b = {"only_a": rng.normal(size=60), "both": acc_b + noise()}
    alone = fit_ensemble(part_a, acc_a, max_terms=1)
    joint = fit_parts([(part_a, acc_a), (part_b, acc_b)], max_terms=1)
    assert alone["terms"][0]["name"] == "only_a"
    assert joint["terms"][0]["name"] == "both"
    both = np.concatenate([part_a["both"], part_b["both"]])
    assert (joint["terms"][0]["lo"], joint["terms"][0]["hi"]) == (both.min(), both.max())  # bounds span both pools


def test_cli_joint_run_writes_a_found_proxy_judged_on_both_test_splits(cache, tmp_path, capsys):
    out = tmp_path / "joint"
    rc = main(["discover-joint", "--samples", "5", "--repeats", "2", "--archs", "6", "--resolution", "64",
               "--batch-size", "4", "--generations", "2", "--population", "4", "--workers", "1", "--cache", cache,
               "--bootstrap", "20", "--report-repeats", "3", "--max-terms", "2", "--no-progress", "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr()
    assert "micro: test τ" in printed.out and "macro: test τ" in printed.out
    assert "[discover-joint] wrote:" in printed.err
    report = json.loads((out / "report.json").read_text())
    spaces = report["found"]["spaces"]
    assert set(spaces) == {"micro", "macro"}
    for block in spaces.values():
        assert {r["kind"] for r in block["references"]} >= {"single", "ridge"}
        assert np.isfinite(block["found"]["test"]["kendall_mean"])
    pf = read_proxy_file(out / "found.proxy")
    assert [t.expression for t in pf.terms] == [t["name"].split(":", 1)[1] for t in report["found"]["fitted"]["terms"]]
    assert "space" not in report["config"] and "partner" not in report["config"]
    with pytest.raises(SystemExit):
        main(["discover-joint", "--space", "micro", "--out", str(out)])  # one space's option is refused
