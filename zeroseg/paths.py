"""Where zeroseg keeps its caches: the user's cache directory, never the current folder.

Caches (architecture statistics, supernet checkpoints, AVT bounds) grow to hundreds of MB, so they
live in ``$ZEROSEG_CACHE`` if set, else ``platformdirs.user_cache_dir("zeroseg")`` (on Linux the XDG
convention: ``$XDG_CACHE_HOME/zeroseg``, else ``~/.cache/zeroseg``). Each kind
of cache is a subfolder (``stats``, ``supernet`` …); every command that uses one takes an option to
put it elsewhere and prints where it is.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV = "ZEROSEG_CACHE"


def cache_root() -> Path:
    """The root of zeroseg's caches (see the module docstring for the order of precedence)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    return Path(platformdirs.user_cache_dir("zeroseg"))


def cache_dir(kind: str) -> str:
    """Folder of one kind of cache (``stats``, ``supernet`` …), as text for option defaults."""
    return str(cache_root() / kind)


def describe(path: str | Path, shown: int = 8) -> str:
    """``path``, and for a folder the names of what it holds (first ``shown``)."""
    path = Path(path)
    if not path.is_dir():
        return str(path)
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in path.iterdir() if not p.name.startswith("."))
    more = f", … {len(names)} in all" if len(names) > shown else ""
    return f"{path}/ ({', '.join(names[:shown])}{more})"


def wrote_line(command: str, paths: list[str | Path]) -> str:
    """The last line of a command: what it wrote, so the user need not guess (``[search] wrote: …``)."""
    existing = [describe(p) for p in paths if p is not None and Path(p).exists()]
    return f"[{command}] wrote: " + ("; ".join(existing) if existing else "nothing")
