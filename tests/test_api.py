"""The public Python API: every exported name resolves, ``import zeroseg`` stays light, and the README's
Python example runs as printed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import zeroseg

README = Path(__file__).resolve().parents[1] / "README.md"

# The README's "Python API" example, verbatim (the test below checks the README carries this text).
EXAMPLE = '''\
import torch, zeroseg
print(zeroseg.list_proxies(kind="dsl"))                          # the DSL library (+ $ZEROSEG_PROXY_PATH)
r = zeroseg.score_arch("saswot", "64-41414-1_00_210", resolution=64)  # a TNB101 micro arch
net = zeroseg.create_model("gas", num_classes=11)                # timm-style; genotype= the space's text
print(r.value, net(torch.randn(1, 3, 64, 64)).shape)             # score; logits at input size
opts = zeroseg.SearchOptions(space="gas", budget=20, out="runs/py")  # the CLI's flags, as fields
'''


def test_every_public_name_resolves():
    import zeroseg.search.run  # noqa: F401 - binds the subpackage attributes a public name must not clash with

    missing = [n for n in zeroseg.__all__ if getattr(zeroseg, n, None) is None]
    assert not missing
    assert all(not isinstance(getattr(zeroseg, n), type(zeroseg)) for n in zeroseg.__all__ if n != "__version__")
    assert set(zeroseg.__all__) <= set(dir(zeroseg))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        zeroseg.nope  # noqa: B018


def test_import_zeroseg_does_not_load_torch():
    code = "import sys, zeroseg; print('torch' in sys.modules, zeroseg.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", zeroseg.__version__]


def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(compile(EXAMPLE, "README.md", "exec"), names)  # noqa: S102 - our own README text, not user input
    lines = capsys.readouterr().out.splitlines()
    assert "saswot_minus" in lines[0]
    assert names["r"].ok and lines[1].endswith("torch.Size([1, 11, 64, 64])")
    assert names["opts"].budget == 20 and names["opts"].device == "cpu"
    block = re.search(r"## Python API.*?```python\n(.*?)```", README.read_text(), re.S)
    if block is not None:  # the lead merges the README section; then it must match what is tested here
        assert block.group(1) == EXAMPLE


def test_search_and_discover_take_the_cli_options_as_keywords(tmp_path):
    with pytest.raises(ValueError, match="--budget must be a number >= 1, got 0"):
        zeroseg.run_search(space="gas", budget=0, out=str(tmp_path))
    with pytest.raises(TypeError, match="bogus"):
        zeroseg.run_discovery(bogus=1)


def test_create_model_builds_a_given_genotype_deterministically():
    import numpy as np

    space = zeroseg.create_space("gas")
    text = space.encode(space.sample(np.random.default_rng(3)))  # what create_model samples without a genotype
    a, b = zeroseg.create_model("gas", text, seed=3), zeroseg.create_model("gas", seed=3)
    assert all((p == q).all() for p, q in zip(a.state_dict().values(), b.state_dict().values()))
