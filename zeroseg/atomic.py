"""The one atomic file write of zeroseg: checkpoints, caches, latency tables, JSON reports.

A file is written to a temporary name in its own folder, flushed to disk and ``os.replace``d into
place, so a run killed mid-write leaves the previous version (or nothing), never half a file. The
folder is created first (``--out latency/rtseg.json`` works on a fresh clone) and the file gets the
mode a plain ``open(..., "w")`` would give (0666 minus the umask), not ``mkstemp``'s private 0600,
so every output of a command has the same permissions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def _umask() -> int:
    """The process umask (read once at import, while single-threaded; os.umask can only set-and-return)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()

Content = bytes | str | Callable[[Path], None]


def atomic_write(path: str | Path, content: Content, fsync: bool = True) -> Path:
    """Write ``content`` (bytes, text, or a function writing to the temporary path it is given) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content.encode() if isinstance(content, str) else content)
        if fsync:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
