"""A wheel built from the repository carries every data file: a plain install (no ``-e``, the repo
off the path) lists the DSL library, scores ``saswot`` and picks up a ``$ZEROSEG_PROXY_PATH`` folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from zeroseg.proxies.library import ProxyFile

REPO = Path(__file__).resolve().parents[1]

# Runs inside the installed copy; prints one JSON line.
PROBE = """
import json, sys, zeroseg
from zeroseg.proxies import list_proxies, score_many
res = score_many(["saswot", "user_l1"], "64-41414-1_00_210", resolution=64, batch_size=8)
r, u = res["saswot"], res["user_l1"]
print(json.dumps({"file": zeroseg.__file__, "dsl": list_proxies(kind="dsl"), "saswot": r.value,
                  "saswot_invalid": r.invalid, "user": u.value}))
"""


def _build_wheel(tmp: Path) -> Path:
    """``pip wheel`` of a copy of the sources (keeps ``build/`` and ``*.egg-info`` out of the repo)."""
    src = tmp / "src"
    shutil.copytree(REPO / "zeroseg", src / "zeroseg", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp / "dist"), str(src)], check=True, capture_output=True)
    (wheel,) = (tmp / "dist").glob("zeroseg-*.whl")
    return wheel


def test_wheel_ships_the_library_and_data_and_scores_from_a_plain_install(tmp_path):
    wheel = _build_wheel(tmp_path)
    data = {str(p.relative_to(REPO)) for p in (REPO / "zeroseg").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert {"zeroseg/proxies/data/avt.json", "zeroseg/proxies/data/library/saswot_minus.proxy"} <= data
    assert data <= set(zipfile.ZipFile(wheel).namelist()), "data files missing from the wheel"

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    user = tmp_path / "my_proxies"
    user.mkdir()
    (user / "user_l1.proxy").write_text(ProxyFile("user_l1", "a test", +1, "sum_layers(l1_norm(G))").format())
    env = {**os.environ, "PYTHONPATH": str(site), "ZEROSEG_PROXY_PATH": str(user)}
    env.pop("ZEROSEG_PROXY_LIBRARY", None)
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert Path(got["file"]).is_relative_to(site), got["file"]
    shipped = {p.stem for p in (REPO / "zeroseg/proxies/data/library").glob("*.proxy")}
    assert set(got["dsl"]) == shipped | {"user_l1"}
    assert got["saswot_invalid"] is None and 0.0 <= got["saswot"] <= 2.0
    assert got["user"] is not None


def test_a_missing_proxy_path_folder_is_one_clear_line(tmp_path, monkeypatch, capsys):
    from zeroseg.cli.main import main
    from zeroseg.proxies.library import library_dirs

    missing = tmp_path / "nope"
    assert main(["proxies", "--proxy-path", str(missing), "list"]) == 2
    assert capsys.readouterr().err.strip() == f"zeroseg proxies: error: --proxy-path: no such folder {missing}"
    monkeypatch.setenv("ZEROSEG_PROXY_PATH", os.pathsep.join([str(tmp_path), str(missing)]))
    with pytest.raises(ValueError, match=f"ZEROSEG_PROXY_PATH: no such folder {missing}$"):
        library_dirs()


def test_proxy_path_flag_adds_a_folder_to_the_library(tmp_path, monkeypatch, capsys):
    from zeroseg.cli.main import main
    from zeroseg.proxies import PROXIES

    PROXIES.list()  # registered as they stand, then restored after the test: no proxy leaks to others
    monkeypatch.setattr(PROXIES, "_entries", dict(PROXIES._entries))
    monkeypatch.delenv("ZEROSEG_PROXY_PATH", raising=False)
    (tmp_path / "flag_l1.proxy").write_text(ProxyFile("flag_l1", "a test", +1, "sum_layers(l1_norm(G))").format())
    assert main(["proxies", "--proxy-path", str(tmp_path), "show", "flag_l1"]) == 0
    assert '"expression": "sum_layers(l1_norm(G))"' in capsys.readouterr().out
    assert os.environ["ZEROSEG_PROXY_PATH"] == str(tmp_path)  # worker processes inherit it
