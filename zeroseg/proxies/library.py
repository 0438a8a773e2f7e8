"""The DSL proxy library: ``data/library/*.proxy`` text files (plus user folders), registered as
``kind="dsl"`` proxies.

File format (one proxy per file, the file stem is its name)::

    # name: saswot_minus
    # provenance: SasWOT (Zhu et al., AAAI 2024), Eq. 2; transcribed by … on …
    # sign: +1
    sum_layers(to_sum(lt(softmax(W), relu(G))))

Header lines are ``# key: value`` (``name``, ``provenance``, ``sign`` required; ``note``
optional, repeatable); other ``#`` lines are comments; the remaining non-blank lines, joined by
spaces, are the expression in the ``zeroseg.dsl`` syntax. Parsing here is line splitting only;
the expression goes to ``zeroseg.dsl.parse`` (a real parser, never ``eval``) on first use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from zeroseg.proxies.base import ProxyFailure, register_proxy
from zeroseg.proxies.context import ArchContext

REQUIRED = ("name", "provenance", "sign")
KNOWN = REQUIRED + ("note",)
SUFFIX = ".proxy"


PATH_ENV = "ZEROSEG_PROXY_PATH"  # user folders of .proxy files, os.pathsep-separated


def library_dir() -> Path:
    """The main library: ``$ZEROSEG_PROXY_LIBRARY`` or the packaged ``zeroseg/proxies/data/library``
    (package data, so a wheel install carries it)."""
    env = os.environ.get("ZEROSEG_PROXY_LIBRARY")
    return Path(env) if env else Path(__file__).resolve().parent / "data" / "library"


def library_dirs() -> list[Path]:
    """The main library, then each user folder of ``$ZEROSEG_PROXY_PATH`` (``--proxy-path``), in order."""
    users = [Path(p) for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p]
    missing = [str(p) for p in users if not p.is_dir()]
    if missing:
        raise ValueError(f"${PATH_ENV}: no such folder {', '.join(missing)}")
    return [library_dir(), *users]


@dataclass(frozen=True)
class ProxyFile:
    """One parsed library file."""

    name: str
    provenance: str
    sign: int
    expression: str
    notes: tuple[str, ...] = ()

    def format(self) -> str:
        """The canonical file text (``parse_proxy_text(f.format()) == f``)."""
        lines = [f"# name: {self.name}", f"# provenance: {self.provenance}", f"# sign: {self.sign:+d}"]
        lines += [f"# note: {n}" for n in self.notes]
        return "\n".join(lines + [self.expression]) + "\n"


def parse_proxy_text(text: str, source: str = "<text>") -> ProxyFile:
    """Parse a library file; ``ValueError`` names ``source``, the line and what was expected."""
    header: dict[str, str] = {}
    notes: list[str] = []
    body: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            key = key.strip().lower()
            if not sep or key not in KNOWN:
                continue  # a free comment
            if body:
                raise ValueError(f"{source}:{lineno}: header line '# {key}:' after the expression")
            if key == "note":
                notes.append(value.strip())
            elif key in header:
                raise ValueError(f"{source}:{lineno}: duplicate header '# {key}:'")
            else:
                header[key] = value.strip()
        else:
            body.append(line)
    missing = [k for k in REQUIRED if not header.get(k)]
    if missing:
        raise ValueError(f"{source}: missing header line(s) {', '.join('# ' + k + ':' for k in missing)}")
    if header["sign"] not in ("+1", "1", "-1"):
        raise ValueError(f"{source}: '# sign:' must be +1 or -1, got {header['sign']!r}")
    if not body:
        raise ValueError(f"{source}: no expression after the header")
    return ProxyFile(header["name"], header["provenance"], int(header["sign"]), " ".join(body), tuple(notes))


def read_proxy_file(path: Path) -> ProxyFile:
    """Parse ``path``; its ``# name:`` must equal the file stem."""
    pf = parse_proxy_text(Path(path).read_text(encoding="utf-8"), str(path))
    if pf.name != Path(path).stem:
        raise ValueError(f"{path}: '# name: {pf.name}' differs from the file name {Path(path).stem!r}")
    return pf


def library_files(folder: Path | None = None) -> list[Path]:
    return sorted(Path(folder or library_dir()).glob(f"*{SUFFIX}"))


@lru_cache(maxsize=None)
def _graph(expression: str, source: str):
    from zeroseg.dsl import parse

    return parse(expression, source=source)


def _make(pf: ProxyFile):
    def dsl_proxy(ctx: ArchContext) -> float:
        from zeroseg.dsl import evaluate

        score = evaluate(_graph(pf.expression, f"proxy {pf.name}"), ctx.stats())
        if score.invalid:
            raise ProxyFailure(score.invalid)
        return float(score.value)

    dsl_proxy.__module__ = __name__
    dsl_proxy.__name__ = pf.name
    return dsl_proxy


def register_library(folder: Path | None = None) -> list[str]:
    """Register every ``*.proxy`` file of ``folder`` (default: the library) as a DSL proxy."""
    names = []
    for path in library_files(folder):
        pf = read_proxy_file(path)
        register_proxy(pf.name, needs=("labels", "gradients", "stats"), bn="train", sign=pf.sign,
                       kind="dsl", provenance=pf.provenance, expression=pf.expression,
                       path=str(path))(_make(pf))
        names.append(pf.name)
    return names


for _folder in library_dirs():
    register_library(_folder)
