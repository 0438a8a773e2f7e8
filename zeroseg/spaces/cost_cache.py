"""Costs (params, FLOPs, activation MiB) of genotypes, cached per (space, input size, classes) in the user's cache.

Why: ``SearchSpace.cost`` takes seconds per genotype in the larger spaces (on the meta device the flop
counter runs every resize through Python decompositions), and a search's report needs the costs of its
top-k genotypes; a second search under the same setup (or a resumed one) reuses what the first computed
instead of re-running the cost model. One file per setup, ``cache_root()/costs/<space>@<H>x<W>_c<classes>.json``,
written through the one atomic write with a sha256 of its body (``zeroseg.jsonio``). The file stores its
key (the setup and the zeroseg and torch versions, whose changes may change counts); a damaged file, a
file made for another key or an incomplete entry is refused with one line and recomputed, never used.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, Callable, Mapping

from zeroseg.jsonio import read_json, write_json
from zeroseg.paths import cache_root
from zeroseg.provenance import code_versions

FORMAT = "zeroseg-cost-cache/1"
FIELDS = ("params", "flops", "act_mb")

Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def entry_problem(entry: Any) -> str | None:
    """Why a cached cost cannot be used, or None."""
    if not isinstance(entry, dict):
        return f"it is a {type(entry).__name__}, not an object"
    bad = [f for f in FIELDS if not isinstance(entry.get(f), (int, float)) or not math.isfinite(entry[f])
           or entry[f] < 0]
    return f"{', '.join(bad)} missing or not a count" if bad else None


class CostCache:
    """The cached costs of one (space, input size, number of classes); loaded on first use, saved once."""

    def __init__(self, space: str, input_size: tuple[int, int], num_classes: int, root: str | Path | None = None,
                 log: Log = _stderr):
        h, w = int(input_size[0]), int(input_size[1])
        self.key = {"format": FORMAT, "space": space, "input_size": [h, w], "num_classes": int(num_classes),
                    "code": {k: v for k, v in code_versions().items() if k in ("zeroseg", "torch")}}
        self.path = Path(root or cache_root() / "costs") / f"{space}@{h}x{w}_c{int(num_classes)}.json"
        self.log = log
        self._entries: dict[str, dict[str, Any]] | None = None
        self.new: dict[str, dict[str, Any]] = {}

    def _load(self, quiet: bool = False) -> dict[str, dict[str, Any]]:
        """The file's entries; {} (with one line unless ``quiet``) when it is absent or refused."""
        if not self.path.is_file():
            return {}
        try:
            doc = read_json(self.path, "cost cache", checksum=True)
        except ValueError as exc:
            why = str(exc)
        else:
            if isinstance(doc, dict) and doc.get("key") == self.key and isinstance(doc.get("entries"), dict):
                return doc["entries"]
            stored = doc.get("key") if isinstance(doc, dict) else None
            why = f"cost cache {self.path} was made for {stored}, not {self.key}"
        if not quiet:
            self.log(f"[costs] {why}: ignoring it; costs are recomputed and the file rewritten")
        return {}

    @property
    def entries(self) -> dict[str, dict[str, Any]]:
        if self._entries is None:
            self._entries = self._load()
        return self._entries

    def get(self, genotype: str, compute: Callable[[], Mapping[str, Any]]) -> dict[str, Any]:
        """The cost of ``genotype`` (its text encoding): cached, else ``compute()``d and remembered."""
        entry = self.entries.get(genotype)
        if entry is not None:
            why = entry_problem(entry)
            if why is None:
                return {f: entry[f] for f in FIELDS}
            self.log(f"[costs] refusing the cached cost of {genotype} in {self.path}: {why}; recomputing it")
            del self.entries[genotype]
        computed = compute()
        cost = {f: computed[f] for f in FIELDS}
        self.add(genotype, cost)
        return cost

    def add(self, genotype: str, cost: Mapping[str, Any]) -> None:
        """Remember a cost the search computed (complete entries only)."""
        entry = {f: cost.get(f) for f in FIELDS}
        if entry_problem(entry) is None and self.entries.get(genotype) != entry:
            self.entries[genotype] = self.new[genotype] = entry

    def save(self) -> Path | None:
        """Write the new entries (merged with what other runs wrote meanwhile); None when nothing is new."""
        if not self.new:
            return None
        merged = {**self._load(quiet=True), **self.new}
        write_json(self.path, {"key": self.key, "entries": dict(sorted(merged.items()))}, indent=None, checksum=True)
        self.new = {}
        return self.path
