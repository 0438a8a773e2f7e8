"""The proxy library: every zero-cost proxy as one registered unit with a declared contract.

Two kinds of unit share ``PROXIES``: DSL proxies, one text file each under the repo's
``proxies/`` folder (``library.py`` registers them), and built-ins computed on the model, one
module each under ``builtin/`` (NASLib / SamsungLabs zero-cost-nas definitions). Score an arch
with ``score_arch``/``score_many`` (``scoring.py``).
"""

from zeroseg.proxies.base import (
    BN_MODES,
    KINDS,
    NEEDS,
    PROXIES,
    Proxy,
    ProxyResult,
    create_proxy,
    get_proxy,
    list_proxies,
    register_proxy,
)
from zeroseg.proxies.context import ArchContext
from zeroseg.proxies.scoring import score_arch, score_many

__all__ = [
    "ArchContext",
    "BN_MODES",
    "KINDS",
    "NEEDS",
    "PROXIES",
    "Proxy",
    "ProxyResult",
    "create_proxy",
    "get_proxy",
    "list_proxies",
    "register_proxy",
    "score_arch",
    "score_many",
]
