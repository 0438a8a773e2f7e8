"""The small shared helpers a new user meets first: atomic writes (folder created, plain file mode),
the cache location (ZEROSEG_CACHE > XDG_CACHE_HOME > ~/.cache), line progress in logs, thread choice."""

from __future__ import annotations

import os
import stat

import torch

from zeroseg.atomic import FILE_MODE, atomic_write
from zeroseg.paths import cache_dir, wrote_line
from zeroseg.progress import LineProgress, progress
from zeroseg.threads import choose_threads, usable_cores


def test_atomic_write_creates_folder_and_plain_mode(tmp_path) -> None:
    path = atomic_write(tmp_path / "new" / "deeper" / "x.json", '{"a": 1}')
    assert path.read_text() == '{"a": 1}'
    plain = tmp_path / "plain.txt"
    plain.write_text("x")  # what open(..., "w") gives under this umask
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == FILE_MODE
    atomic_write(path, lambda tmp: tmp.write_bytes(b"yz"))
    assert path.read_bytes() == b"yz" and sorted(p.name for p in path.parent.iterdir()) == ["x.json"]


def test_cache_dir_precedence(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("ZEROSEG_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir("stats") == str(tmp_path / "xdg" / "zeroseg" / "stats")
    monkeypatch.setenv("ZEROSEG_CACHE", str(tmp_path / "mine"))
    assert cache_dir("supernet") == str(tmp_path / "mine" / "supernet")
    monkeypatch.delenv("ZEROSEG_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir("stats") == os.path.expanduser("~/.cache/zeroseg/stats")


def test_wrote_line_names_files_and_folders(tmp_path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.json").write_text("{}")
    line = wrote_line("search", [tmp_path / "out", tmp_path / "missing.csv"])
    assert line == f"[search] wrote: {tmp_path / 'out'}/ (report.json)"


def test_line_progress_on_non_tty(capsys) -> None:
    bar = progress(total=20, desc="train", unit="it")  # pytest's stderr is not a TTY
    assert isinstance(bar, LineProgress)
    for _ in range(20):
        bar.update(1)
        bar.set_postfix(loss="0.5")
    bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 10 and lines[-1].startswith("train: 20/20 it,") and lines[-1].endswith("loss=0.5")
    assert list(progress(range(3), enabled=False)) == [0, 1, 2] and capsys.readouterr().err == ""


def test_thread_choice() -> None:
    old = torch.get_num_threads()
    try:
        assert choose_threads(1).threads == 1 == torch.get_num_threads()
        auto = choose_threads()
        assert 1 <= auto.threads <= usable_cores() and auto.threads == torch.get_num_threads()
        assert "torch threads" in auto.line("train")
    finally:
        torch.set_num_threads(old)
