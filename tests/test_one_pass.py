"""All built-ins + SasWOT on one network share one build, one forward+backward (GraSP's Hessian
product on top of it) and no deep copy, and score what one fresh model and pass per measure scores
(the NASLib way, ``benches/peer_scorer.py``) to 1e-6 relative; the scoring path imports neither
``torch._dynamo`` nor sympy (seconds on a cold start)."""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from zeroseg.proxies import make_context, score_context, score_many
from zeroseg.proxies.avt import avt_key
from zeroseg.stats import load_batch
from zeroseg.stats.arch import build_seeded

BENCHES = Path(__file__).resolve().parents[1] / "benches"
sys.path.insert(0, str(BENCHES))
from bench_score import ALL  # noqa: E402
from peer_scorer import peer_scores  # noqa: E402


@pytest.mark.parametrize("code", ["64-41414-1_00_210", "64-3434-basic"])
def test_all_proxies_equal_the_one_pass_per_measure_peer(code: str) -> None:
    got = score_many(list(ALL), code, resolution=64, batch_size=8)
    assert all(r.ok for r in got.values()), {k: r.invalid for k, r in got.items() if not r.ok}
    x, y = load_batch(64, 8)
    want = peer_scores(code, x, y, 0, avt_key("micro" if "_" in code else "macro", 64, 8))
    assert set(want) == set(got)
    bad = {k: (got[k].value, want[k]) for k in want if not math.isclose(got[k].value, want[k], rel_tol=1e-6)}
    assert not bad


def test_one_build_no_deep_copy_and_the_base_network_left_as_built(monkeypatch) -> None:
    code = "64-41414-3_13_021"
    ctx = make_context(code, list(ALL), resolution=64, batch_size=4)
    copies = []
    real_deepcopy = copy.deepcopy
    monkeypatch.setattr(copy, "deepcopy", lambda *a, **k: copies.append(a[0]) or real_deepcopy(*a, **k))
    res = score_context([p for p in ALL if p != "saswot"], ctx)  # saswot at batch 4 would estimate AVT bounds
    assert all(r.ok for r in res.values())
    assert copies == [] and list(ctx.timings).count("build") == 1
    fresh = build_seeded(code, 0)
    model = ctx.base_model()
    for (name, a), (_, b) in zip(fresh.state_dict().items(), model.state_dict().items()):
        assert torch.equal(a, b), name  # weights and BN statistics as initialised
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert all(not m._forward_hooks for m in model.modules())


def test_scoring_imports_neither_dynamo_nor_sympy() -> None:
    code = (
        "import sys, torch; torch.set_num_threads(1)\n"
        "from zeroseg.proxies import score_many\n"
        f"r = score_many({list(ALL)!r}, '64-41414-1_00_210', resolution=64, batch_size=8)\n"
        "assert all(v.ok for v in r.values()), r\n"
        "print(sorted(m for m in ('torch._dynamo', 'sympy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
