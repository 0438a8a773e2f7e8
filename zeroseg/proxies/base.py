"""Proxy registry and contract.

A proxy is a function ``fn(ctx: Context) -> float`` of one network on one batch
(``context.Context``: any ``nn.Module``, a TNB101 code or a space's genotype); its contract is declared where it is
registered (``@register_proxy``): what it needs, the BatchNorm mode of its pass, its sign
(+1: higher score = better arch) and its kind. ``Proxy.__call__`` times it and turns a runtime
failure (NaN, inf, singular matrix, overflow) into an invalid result with the reason.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable

from zeroseg.proxies.result import ProxyFailure, ProxyResult
from zeroseg.registry import Registry

NEEDS = ("labels", "gradients", "activations", "input_jacobian", "hessian", "stats", "model", "table")
BN_MODES = ("train", "eval", "off")
KINDS = ("dsl", "builtin")

__all__ = ["BN_MODES", "KINDS", "NEEDS", "PROXIES", "Proxy", "ProxyFailure", "ProxyResult", "create_proxy",
           "get_proxy", "list_proxies", "register_proxy"]

ProxyFn = Callable[[Any], float]  # fn(ctx: zeroseg.proxies.context.Context) -> float
PROXIES: Registry[ProxyFn] = Registry("proxy", ("zeroseg.proxies",))


def register_proxy(
    name: str, *, needs: tuple[str, ...], bn: str, sign: int, kind: str, provenance: str, **extra: Any
) -> Callable[[ProxyFn], ProxyFn]:
    """Register ``fn(ctx) -> float`` under ``name`` after checking the contract's values."""
    bad = [n for n in needs if n not in NEEDS]
    if bad:
        raise ValueError(f"proxy {name!r}: unknown needs {bad}; valid: {', '.join(NEEDS)}")
    if bn not in BN_MODES:
        raise ValueError(f"proxy {name!r}: bn must be one of {BN_MODES}, got {bn!r}")
    if sign not in (1, -1):
        raise ValueError(f"proxy {name!r}: sign must be +1 or -1, got {sign!r}")
    if kind not in KINDS:
        raise ValueError(f"proxy {name!r}: kind must be one of {KINDS}, got {kind!r}")
    return PROXIES.register(
        name, needs=tuple(needs), bn=bn, sign=sign, kind=kind, provenance=provenance, **extra
    )


# Failures of the maths on a particular arch; programming errors (TypeError …) still propagate.
_RUNTIME_ERRORS = (ProxyFailure, FloatingPointError, OverflowError, ZeroDivisionError, ArithmeticError)


@dataclass(frozen=True)
class Proxy:
    """A proxy with its contract, callable on a ``Context`` (registered, a file, or DSL text)."""

    name: str
    fn: ProxyFn
    contract: dict

    @property
    def sign(self) -> int:
        return int(self.contract["sign"])

    @property
    def key(self) -> str:
        """What identifies its value on a context: the file it was read from, else its name."""
        return str(self.contract.get("path") or self.name)

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(self.contract["needs"])

    def __call__(self, ctx: Any) -> ProxyResult:
        t0 = time.perf_counter()
        try:
            value = float(self.fn(ctx))
            reason = None if math.isfinite(value) else f"non-finite score {value}"
        except _RUNTIME_ERRORS as exc:
            value, reason = float("nan"), f"{type(exc).__name__}: {exc}"
        except RuntimeError as exc:  # torch linalg / numerical errors surface as RuntimeError
            value, reason = float("nan"), f"RuntimeError: {exc}"
        return ProxyResult(self.name, value if reason is None else float("nan"), reason,
                           time.perf_counter() - t0)


def list_proxies(**where: Any) -> list[str]:
    """Registered proxy names, optionally filtered by contract values (``kind="dsl"``)."""
    return PROXIES.list(**where)


def get_proxy(name: str) -> ProxyFn:
    return PROXIES.get(name)


def create_proxy(name: str) -> Proxy:
    """The named proxy as a callable ``Proxy`` (raises ``UnknownUnitError`` listing known names)."""
    entry = PROXIES.entry(name)
    return Proxy(name, entry.obj, dict(entry.contract))
