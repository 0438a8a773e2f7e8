"""One resolver for every place that takes a proxy: a registered name, a ``.proxy`` file, or DSL text.

``resolve_proxy`` is what ``zeroseg score``, ``correlate``, ``proxies show``, ``search --scorer``
and discovery's partner option call, so the three spellings work everywhere. Bad DSL text gets
the parser's positioned error, naming the text; a bad file gets the file's line.
``split_refs`` splits a comma-separated list without breaking DSL text at its own commas.
"""

from __future__ import annotations

import re
from pathlib import Path

from zeroseg.dsl import ProxyError, parse
from zeroseg.proxies.base import PROXIES, Proxy, create_proxy, list_proxies
from zeroseg.proxies.dsl_proxy import inline_proxy
from zeroseg.proxies.library import SUFFIX, file_proxy, read_proxy_file
from zeroseg.registry import UnknownUnitError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def resolve_proxy(ref: str | Proxy) -> Proxy:
    """The proxy ``ref`` names (``UnknownUnitError`` for an unknown bare name, ``ValueError`` for a
    missing/bad file or bad DSL text; every message names ``ref``)."""
    if isinstance(ref, Proxy):
        return ref
    text = str(ref).strip()
    if text in PROXIES:
        return create_proxy(text)
    path = Path(text)
    if text.endswith(SUFFIX):
        if not path.is_file():
            raise ValueError(f"proxy file {text}: no such file")
        return file_proxy(read_proxy_file(path), path.resolve())
    try:
        parse(text)
    except ProxyError as exc:
        if _NAME.fullmatch(text):
            raise UnknownUnitError(f"unknown proxy {text!r}; known: {', '.join(list_proxies())} "
                                   f"(or a {SUFFIX} file, or DSL text)") from None
        raise ValueError(f"proxy {text!r}: {exc}") from None
    return inline_proxy(text)


def split_refs(text: str) -> list[str]:
    """``"snip, nwot,lt(softmax(W), relu(G))"`` → three references (commas inside parentheses kept)."""
    refs, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            refs.append(text[start:i])
            start = i + 1
    refs.append(text[start:])
    return [r.strip() for r in refs if r.strip()]
