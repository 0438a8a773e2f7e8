"""The proxy library: every zero-cost proxy as one registered unit with a declared contract.

Two kinds of unit share ``PROXIES``: DSL proxies, one text file each under the repo's
``proxies/`` folder (``library.py`` registers them), and built-ins computed on the model, one
module each under ``builtin/`` (NASLib / SamsungLabs zero-cost-nas definitions). Any reference
(a name, a ``.proxy`` file, DSL text) resolves with ``resolve_proxy``. Every score goes through one
``Context`` (a network, a batch, a loss): ``score_network`` for any module, ``score_many`` /
``score_arch`` for a TNB101 code, ``score_genotype`` for a space's genotype (``scoring.py``).
"""

from zeroseg.proxies.base import (
    BN_MODES,
    KINDS,
    NEEDS,
    PROXIES,
    Proxy,
    ProxyFailure,
    ProxyResult,
    create_proxy,
    get_proxy,
    list_proxies,
    register_proxy,
)
from zeroseg.proxies.context import Context, Setup
from zeroseg.proxies.library import ProxyFile, Term, read_proxy_file, write_found_proxy
from zeroseg.proxies.networks import genotype_context, module_context, tnb101_context
from zeroseg.proxies.reference import resolve_proxy, split_refs
from zeroseg.proxies.scoring import make_context, score_arch, score_context, score_genotype, score_many, score_network

ArchContext = tnb101_context  # the former name: ArchContext(net_code, resolution=…, …) still builds one

__all__ = [
    "ArchContext", "BN_MODES", "Context", "KINDS", "NEEDS", "PROXIES", "Proxy", "ProxyFailure", "ProxyFile",
    "ProxyResult", "Setup", "Term", "create_proxy", "genotype_context", "get_proxy", "list_proxies",
    "make_context", "module_context", "read_proxy_file", "register_proxy", "resolve_proxy", "score_arch",
    "score_context", "score_genotype", "score_many", "score_network", "split_refs", "tnb101_context",
    "write_found_proxy",
]
