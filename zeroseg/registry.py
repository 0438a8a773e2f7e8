"""One registry type for every kind of unit (proxies, primitives, spaces, scorers, commands).

Modelled on timm's ``register_model``/``create_model`` and zero-cost-nas's ``@measure``: a unit
registers itself with a decorator where it is defined and declares its contract there; the
registry discovers every module of its package on first use, so adding a unit touches no other
file. Callers read the contract, never branch on a unit's name.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")


class UnknownUnitError(KeyError):
    """Raised for a name no unit registered; the message lists the known names."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0])


@dataclass(frozen=True)
class Entry(Generic[T]):
    """A registered unit: its name, the object itself and its declared contract."""

    name: str
    obj: T
    contract: dict[str, Any] = field(default_factory=dict)
    module: str = ""

    def __getattr__(self, key: str) -> Any:
        try:
            return self.contract[key]
        except KeyError:
            raise AttributeError(key) from None


class Registry(Generic[T]):
    """Name → unit map filled by a decorator and by importing every module of ``packages``."""

    def __init__(self, kind: str, packages: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.packages = packages
        self._entries: dict[str, Entry[T]] = {}
        self._discovered = False

    def register(self, name: str | None = None, **contract: Any) -> Callable[[T], T]:
        """Decorator: ``@REG.register("snip", needs=("grad",), sign=+1)``."""

        def deco(obj: T) -> T:
            key = name or getattr(obj, "name", None) or getattr(obj, "__name__")
            old = self._entries.get(key)
            if old is not None and old.module != getattr(obj, "__module__", ""):
                raise ValueError(f"{self.kind} {key!r} registered twice ({old.module}, {obj.__module__})")
            self._entries[key] = Entry(key, obj, dict(contract), getattr(obj, "__module__", ""))
            return obj

        return deco

    def discover(self) -> None:
        """Import every module under the registry's packages (once)."""
        if self._discovered:
            return
        self._discovered = True
        for pkg_name in self.packages:
            pkg = importlib.import_module(pkg_name)
            for info in pkgutil.walk_packages(pkg.__path__, prefix=pkg_name + "."):
                if not info.name.rsplit(".", 1)[-1].startswith("_"):
                    importlib.import_module(info.name)

    def load_module(self, module: str) -> list[Entry[T]]:
        """Import ``module`` alone (no discovery of the rest) and return the units it registers: a caller
        that knows where a unit lives (``cli.index``) need not import every module of the package."""
        importlib.import_module(module)
        return [e for n, e in sorted(self._entries.items()) if e.module == module]

    def list(self, **where: Any) -> list[str]:
        """Sorted names, optionally filtered by contract values (``list(needs_labels=False)``)."""
        self.discover()
        return sorted(
            n for n, e in self._entries.items() if all(e.contract.get(k) == v for k, v in where.items())
        )

    def entry(self, name: str) -> Entry[T]:
        self.discover()
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "(none)"
            raise UnknownUnitError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def get(self, name: str) -> T:
        return self.entry(name).obj

    def create(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the registered factory (or class) with the given arguments."""
        return self.get(name)(*args, **kwargs)  # type: ignore[operator]

    def __contains__(self, name: str) -> bool:
        self.discover()
        return name in self._entries

    def entries(self) -> list[Entry[T]]:
        self.discover()
        return [self._entries[n] for n in sorted(self._entries)]
