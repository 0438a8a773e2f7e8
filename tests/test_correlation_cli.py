"""``zeroseg correlate`` (Suite-Zero source) writes CSV/JSON/Markdown/PNG; ``zeroseg score`` runs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from zeroseg.cli.main import main
from zeroseg.transnas import load_table


def test_correlate_suite_zero_writes_outputs(tmp_path, capsys):
    out = tmp_path / "t3.json"
    rc = main(["correlate", "--space", "micro", "macro", "--proxy", "flops,nwot", "--repeats", "3",
               "--split", "train", "--json", str(out), "--plot", str(tmp_path / "png")])
    assert rc == 0
    rows = json.loads(out.read_text())["rows"]
    assert {(r["space"], r["proxy"]) for r in rows} == {(s, p) for s in ("micro", "macro") for p in ("flops", "nwot")}
    df = pd.read_csv(out.with_suffix(".csv"))
    assert len(df) == 4 and df["kendall_mean"].between(-1, 1).all()
    assert (df["n_pool"] == df["space"].map({"micro": 347, "macro": 241})).all()
    assert "| nwot |" in out.with_suffix(".md").read_text() and "micro Kd" in capsys.readouterr().out
    pngs = sorted(p.name for p in (tmp_path / "png").glob("*.png"))
    assert pngs == ["macro_flops.png", "macro_nwot.png", "micro_flops.png", "micro_nwot.png"]
    assert all((tmp_path / "png" / p).read_bytes()[:4] == b"\x89PNG" for p in pngs)


def test_correlate_rejects_missing_column(capsys):
    assert main(["correlate", "--space", "macro", "--proxy", "zen", "--repeats", "1"]) == 2
    assert "no Suite-Zero column for ['zen']" in capsys.readouterr().err


def test_score_cli_prints_score_and_seconds(capsys):
    arch = load_table("micro")["arch"].iloc[0]  # the table's arch string resolves to its net_code
    rc = main(["score", "--space", "micro", "--arch", arch, "--proxy", "params,l2_norm", "--resolution", "64",
               "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["net_code"] == "64-41414-1_00_210"
    assert out["results"]["params"]["value"] == 11_902_545 and out["results"]["l2_norm"]["seconds"] >= 0


def test_score_cli_wrong_space(capsys):
    assert main(["score", "--space", "macro", "--arch", "64-41414-1_00_210", "--proxy", "params"]) == 2
    assert "belongs to the micro space" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["proxies", "list"], ["proxies", "show", "saswot_minus"]])
def test_proxies_cli(argv, capsys):
    assert main(argv) == 0
    assert "saswot_minus" in capsys.readouterr().out


def test_correlate_ours_scores_and_resumes(tmp_path, capsys):
    argv = ["correlate", "--source", "ours", "--space", "macro", "--proxy", "params,l2_norm", "--limit", "4",
            "--samples", "4", "--repeats", "2", "--resolution", "64", "--scores", str(tmp_path / "s"),
            "--json", str(tmp_path / "o.json")]
    assert main(argv) == 0
    scores = pd.read_csv(tmp_path / "s_macro.csv")
    assert len(scores) == 4 and set(scores.columns) >= {"net_code", "params", "l2_norm", "seconds"}
    table = load_table("macro").set_index("net_code")
    assert (scores["params"].to_numpy() == (table.loc[scores["net_code"], "params_m"] * 1e6).round().to_numpy()).all()
    first = json.loads((tmp_path / "o.json").read_text())["rows"]
    assert main(argv) == 0  # resumed: nothing recomputed, same rows, same table
    assert len(pd.read_csv(tmp_path / "s_macro.csv")) == 4
    assert json.loads((tmp_path / "o.json").read_text())["rows"] == first
