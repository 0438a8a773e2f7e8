"""The found-proxy road: write a multi-term found proxy → ``zeroseg score`` with it on a TNB101
arch → a segmenter search (``--scorer FILE``) → its scores equal the core's on the same genotypes
under the search's setup (whose AVT bounds the terms then take: ``dsl_proxy.term_bounds``)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from zeroseg.cli.main import main
from zeroseg.proxies import score_genotype, score_many, write_found_proxy
from zeroseg.scorers import ScoringSetup
from zeroseg.scorers.batch import batch_name, scoring_batch
from zeroseg.search.run import SearchOptions, search

ARCH = "64-41414-1_00_210"
TERMS = [(0.75, 100.0, 5000.0, "sum_layers(to_sum(abs(G)))"), (-0.25, 20.0, 30.0, "slogdet(KH)")]


def test_found_proxy_from_file_to_score_to_search(tmp_path, camvid_root, capsys):
    path = write_found_proxy(tmp_path / "best.proxy", TERMS, {"resolution": 64, "batch_size": 2, "seed": 0},
                             "a test's found proxy")
    assert main(["score", "--space", "micro", "--arch", ARCH, "--proxy", str(path), "--resolution", "64",
                 "--batch-size", "2", "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)["results"][str(path)]["value"]
    parts = score_many([t[3] for t in TERMS], ARCH, resolution=64, batch_size=2)
    assert scored == pytest.approx(sum(w * (parts[e].value - lo) / (hi - lo) for w, lo, hi, e in TERMS), rel=1e-12)

    o = SearchOptions(space="gas", scorer=str(path), data_root=str(camvid_root), input_size=(64, 64), batch_size=2,
                      budget=3, population=2, topk=1, out=str(tmp_path / "search"), progress=False)
    search(o, log=lambda _m: None)
    table = pd.read_csv(tmp_path / "search" / "evaluated.csv")
    valid = table[table["valid"]]
    assert len(valid) >= 1
    setup = ScoringSetup("gas", data_root=str(camvid_root), input_size=(64, 64), batch_size=2, seed=0)
    x, y, _ = scoring_batch(setup.dataset, setup.data_root, setup.input_size, setup.batch_size, setup.seed)
    for text, value in zip(valid["genotype"], valid["objective_score"]):
        direct = score_genotype([str(path)], "gas", text, (x, y), num_classes=setup.num_classes, seed=0,
                                batch_name=batch_name(setup.dataset, setup.seed))
        assert value == pytest.approx(direct[str(path)].value, rel=1e-9)
