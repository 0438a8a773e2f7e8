"""Progress of long loops: a tqdm bar on a terminal, plain lines in a log file.

tqdm redraws its bar with carriage returns, which in a redirected log (``zeroseg train … > log``,
a batch job, CI) becomes one unreadable line per refresh. On a non-TTY stderr this prints one line
every ``every`` steps instead (and a last one at the end), with the same postfix values.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Iterable, Iterator

from tqdm import tqdm

LINES = 10  # about this many lines per run when the total is known


class LineProgress:
    """The part of tqdm's interface zeroseg uses, printing ``desc: n/total unit, s, k=v`` lines."""

    def __init__(self, iterable: Iterable[Any] | None, total: int | None, initial: int, desc: str, unit: str,
                 every: int | None) -> None:
        self.iterable, self.total, self.n, self.desc, self.unit = iterable, total, initial, desc or "progress", unit
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            self.total = len(iterable)  # type: ignore[arg-type]
        self.every = every or max(1, (self.total or 10 * LINES) // LINES)
        self.postfix: dict[str, Any] = {}
        self.t0, self.printed, self.closed = time.perf_counter(), initial, False

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable or ():
            yield item
            self.update(1)
        self.close()

    def __enter__(self) -> "LineProgress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.n - self.printed >= self.every:
            self.emit()

    def set_postfix(self, ordered_dict: dict[str, Any] | None = None, **kw: Any) -> None:
        self.postfix = {**(ordered_dict or {}), **kw}

    def emit(self) -> None:
        done = f"{self.n}/{self.total}" if self.total else f"{self.n}"
        extra = "".join(f", {k}={v}" for k, v in self.postfix.items())
        print(f"{self.desc}: {done} {self.unit}, {time.perf_counter() - self.t0:.1f} s{extra}",
              file=sys.stderr, flush=True)
        self.printed = self.n

    def close(self) -> None:
        if not self.closed and self.n != self.printed:
            self.emit()
        self.closed = True


def progress(iterable: Iterable[Any] | None = None, *, total: int | None = None, initial: int = 0, desc: str = "",
             unit: str = "it", enabled: bool | None = True, every: int | None = None) -> Any:
    """A tqdm bar on a terminal, :class:`LineProgress` otherwise; nothing shown when ``enabled`` is False."""
    if enabled is False:
        return tqdm(iterable, total=total, initial=initial, disable=True)
    if sys.stderr.isatty():
        return tqdm(iterable, total=total, initial=initial, desc=desc, unit=unit)
    return LineProgress(iterable, total, initial, desc, unit, every)
