"""Reference-counted memo of subexpression values, shared by the per-arch and the pooled evaluator.

Equal subtrees (by canonical text) of the candidates in one call are computed once; a value is
dropped as soon as its last consumer has read it, so memory stays bounded by the live frontier.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .graph import ProxyGraph


class SubexpressionMemo:
    """``_memo`` text → value, ``_refs`` text → readers still to come."""

    def __init__(self) -> None:
        self._memo: dict[str, Any] = {}
        self._refs: Counter[str] = Counter()

    def _count_refs(self, graphs: list[ProxyGraph]) -> None:
        seen: set[str] = set()
        for g in graphs:
            texts = g.subtexts
            self._refs[texts[0]] += 1
            for i, t in enumerate(texts):
                if t not in seen:
                    seen.add(t)
                    self._refs.update(texts[c] for c in g.children[i])

    def _release(self, key: str) -> None:
        self._refs[key] -= 1
        if self._refs[key] <= 0:
            del self._refs[key]
            self._memo.pop(key, None)
