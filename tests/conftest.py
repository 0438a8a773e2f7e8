"""Shared test fixtures: real data locations, with a clear skip when a dataset is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from zeroseg.proxies import PROXIES

PROXIES.list()  # the library registers from the real environment, before any test changes $ZEROSEG_PROXY_LIBRARY

REPO = Path(__file__).resolve().parents[1]
CAMVID = Path(os.environ.get("ZEROSEG_CAMVID", REPO.parent / "shared" / "data" / "camvid"))


def pytest_configure(config: pytest.Config) -> None:
    """Markers beyond pyproject's: ``cuda`` tests need a GPU and skip with the reason without one."""
    config.addinivalue_line("markers", "cuda: needs a CUDA device (run them with `pytest -m cuda`)")


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> None:
    """One intra-op thread: test tensors are small, and OpenMP barriers on a shared 2-core machine
    slow them down by orders of magnitude (benchmarks under benches/ set their own threads)."""
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _user_cache(tmp_path_factory, monkeypatch) -> None:
    """Each test gets its own empty user cache (on-demand AVT bounds …): no test reads another's."""
    monkeypatch.setenv("ZEROSEG_CACHE", str(tmp_path_factory.mktemp("user_cache")))


@pytest.fixture(scope="session")
def camvid_root() -> Path:
    """The CamVid folder (SegNet layout); tests that need it skip with the reason when absent."""
    if not (CAMVID / "train.txt").is_file():
        pytest.skip(f"CamVid not found at {CAMVID} (set ZEROSEG_CAMVID to the SegNet-layout folder)")
    return CAMVID
