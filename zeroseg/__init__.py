"""zeroseg: evolutionary, zero-cost search for real-time semantic-segmentation architectures.

The public API, importable from ``zeroseg`` (each name loads its module on first use, so ``import zeroseg``
stays fast)::

    import zeroseg
    zeroseg.list_proxies(kind="dsl")                                # the proxy library
    zeroseg.score_arch("saswot", "64-41414-1_00_210", resolution=64)  # a TNB101 arch
    net = zeroseg.create_model("gas", num_classes=11)                 # a segmenter (timm shape)
    zeroseg.run_search(space="gas", scorer="saswot", budget=20, out="runs/gas")  # the CLI's options
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> "module:attribute"
_EXPORTS = {
    # proxies: list / create / score
    # MERGE: helper core's score_network(...) (any nn.Module on a batch, NASLib's find_measures shape) goes here:
    # "score_network": "zeroseg.proxies:score_network",
    "PROXIES": "zeroseg.proxies:PROXIES",
    "list_proxies": "zeroseg.proxies:list_proxies",
    "create_proxy": "zeroseg.proxies:create_proxy",
    "get_proxy": "zeroseg.proxies:get_proxy",
    "register_proxy": "zeroseg.proxies:register_proxy",
    "score_arch": "zeroseg.proxies:score_arch",
    "score_many": "zeroseg.proxies:score_many",
    "parse_proxy": "zeroseg.dsl:parse",
    "add_proxy_path": "zeroseg.api:add_proxy_path",
    # spaces and models
    "list_spaces": "zeroseg.spaces:list_spaces",
    "list_models": "zeroseg.spaces:list_spaces",  # timm's name: create_model takes these
    "create_space": "zeroseg.spaces:create_space",
    "create_model": "zeroseg.api:create_model",
    "build_model": "zeroseg.train.checkpoint:build_model",
    "load_model": "zeroseg.train.checkpoint:load_model",
    # datasets and scorers
    "list_datasets": "zeroseg.data:list_datasets",
    "create_dataset": "zeroseg.data:create_dataset",
    "list_scorers": "zeroseg.scorers:list_scorers",
    "create_scorer": "zeroseg.scorers:create_scorer",
    "ScoringSetup": "zeroseg.scorers:ScoringSetup",
    # discovery and search, with the CLI's options
    "DiscoverOptions": "zeroseg.discovery.run:DiscoverOptions",
    "run_discovery": "zeroseg.api:run_discovery",
    "run_joint_discovery": "zeroseg.api:run_joint_discovery",
    "SearchOptions": "zeroseg.search.run:SearchOptions",
    "run_search": "zeroseg.api:run_search",  # not "search": that is the zeroseg.search package
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    """Load a public name's module on first access (PEP 562)."""
    try:
        module, attr = _EXPORTS[name].split(":")
    except KeyError:
        raise AttributeError(f"module 'zeroseg' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
