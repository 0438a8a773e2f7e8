"""The few functions of the public API that are more than a re-export (``zeroseg/__init__.py`` maps the
rest lazily): timm-shaped ``create_model``, keyword-friendly ``run_discovery`` / ``run_search`` that take
the CLI's options dataclasses, and ``add_proxy_path`` for user folders of ``.proxy`` files. (Not
``zeroseg.search``: that name is the ``zeroseg.search`` package.)
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from zeroseg.cli.options import NUM_CLASSES
from zeroseg.discovery import joint_run, run as discovery_run
from zeroseg.proxies import library
from zeroseg.search import run as search_run
from zeroseg.train.checkpoint import build_model, make_space


def add_proxy_path(*folders: str | Path) -> list[str]:
    """Add user folders of ``.proxy`` files to the library now and to ``$ZEROSEG_PROXY_PATH`` (so
    worker processes see them too); returns the names registered."""
    missing = [str(f) for f in folders if not Path(f).is_dir()]
    if missing:
        raise ValueError(f"--proxy-path: no such folder {', '.join(missing)}")
    known = [p for p in os.environ.get(library.PATH_ENV, "").split(os.pathsep) if p]
    added = [str(Path(f)) for f in folders if str(Path(f)) not in known]
    os.environ[library.PATH_ENV] = os.pathsep.join(known + added)
    return [name for f in folders for name in library.register_library(Path(f))]


def create_model(space: str, genotype: str | None = None, num_classes: int = NUM_CLASSES, seed: int = 0,
                 **space_options: Any) -> torch.nn.Module:
    """A segmenter of ``space`` (timm's ``create_model`` shape): ``genotype`` text in the space's
    encoding, else the space's first published genotype, else one sampled with ``seed``; weights are
    initialised under ``seed``."""
    if genotype is None:
        sp = make_space(space, space_options)
        published = list(sp.published().values())
        g = published[0] if published else sp.sample(np.random.default_rng(seed))
        genotype = sp.encode(g)
    torch.manual_seed(seed)
    return build_model(space, genotype, num_classes, space_options)


def run_discovery(options: discovery_run.DiscoverOptions | None = None, log: Callable[[str], None] = print,
                  **changes: Any) -> dict[str, Any]:
    """``zeroseg discover`` from Python: ``run_discovery(space="macro", generations=5)`` or
    ``run_discovery(DiscoverOptions(...))``; the keywords are the CLI's flags (field names)."""
    return discovery_run.discover(replace(options or discovery_run.DiscoverOptions(), **changes), log=log)


def run_joint_discovery(options: discovery_run.DiscoverOptions | None = None, log: Callable[[str], None] = print,
                        **changes: Any) -> dict[str, Any]:
    """``zeroseg discover-joint`` from Python: one proxy for micro and macro (``space`` is ignored)."""
    return joint_run.discover_joint(replace(options or discovery_run.DiscoverOptions(out="runs/discover_joint"),
                                            **changes), log=log)


def run_search(options: search_run.SearchOptions | None = None, log: Callable[[str], None] = print,
               **changes: Any) -> dict[str, Any]:
    """``zeroseg search`` from Python: ``run_search(space="gas", budget=20, out="runs/s")`` or
    ``run_search(SearchOptions(...))``; scorer options go in ``scorer_options={"avt_samples": 10}``."""
    return search_run.search(replace(options or search_run.SearchOptions(), **changes), log=log)
