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

A found proxy (discovery's winner: a small weighted sum of AVT-normalised terms,
score = Σ_i w_i·(t_i − lo_i)/(hi_i − lo_i)) carries its terms and the statistics setup its bounds
were estimated at, instead of one expression::

    # setup: space=micro resolution=64 batch_size=8 seed=0 batch=camvid8-0123456789ab
    # term: 0.75 -1.5 3.25 sum_layers(to_sum(abs(G)))
    # term: 0.25 81.3 100.6 slogdet(KH)

(``term: <weight> <lo> <hi> <expression>``, 1..4 times, numbers as Python float text; ``setup:``
space-separated ``key=value`` pairs, ``space`` one space or several joined by ``+``). The bounds hold
under that setup only (``dsl_proxy.term_bounds``). ``write_found_proxy`` writes one.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from zeroseg.dsl import parse
from zeroseg.proxies.base import Proxy, create_proxy, register_proxy
from zeroseg.proxies.dsl_proxy import NEEDS, expression_fn, is_named, terms_fn

REQUIRED = ("name", "provenance", "sign")
REPEATED = ("note", "term")
KNOWN = REQUIRED + REPEATED + ("setup",)
SUFFIX = ".proxy"
MAX_TERMS = 4
INT_SETUP = ("batch_size", "seed")
_SETUP_ITEM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")


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
class Term:
    """One AVT-normalised term of a found proxy: ``weight · (expression − lo) / (hi − lo)``."""

    weight: float
    lo: float
    hi: float
    expression: str

    def format(self) -> str:
        return f"# term: {float(self.weight)!r} {float(self.lo)!r} {float(self.hi)!r} {self.expression}"


@dataclass(frozen=True)
class ProxyFile:
    """One parsed library file: one ``expression``, or ``terms`` (a found proxy) with their ``setup``."""

    name: str
    provenance: str
    sign: int
    expression: str
    notes: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()
    setup: tuple[tuple[str, str], ...] = ()  # (key, value text) pairs in file order

    @property
    def setup_dict(self) -> dict[str, Any]:
        """The setup with ``batch_size``/``seed`` as ints and ``resolution`` as an int or [H, W]."""
        out: dict[str, Any] = {}
        for k, v in self.setup:
            if k in INT_SETUP:
                out[k] = int(v)
            elif k == "resolution":
                hw = [int(t) for t in v.split("x")]
                out[k] = hw[0] if len(hw) == 1 else hw
            else:
                out[k] = v
        return out

    def format(self) -> str:
        """The canonical file text (``parse_proxy_text(f.format()) == f``)."""
        lines = [f"# name: {self.name}", f"# provenance: {self.provenance}", f"# sign: {self.sign:+d}"]
        if self.setup:
            lines.append("# setup: " + " ".join(f"{k}={v}" for k, v in self.setup))
        lines += [t.format() for t in self.terms]
        lines += [f"# note: {n}" for n in self.notes]
        return "\n".join(lines + ([self.expression] if self.expression else [])) + "\n"


def _parse_term(value: str, where: str) -> Term:
    parts = value.split(None, 3)
    if len(parts) < 4:
        raise ValueError(f"{where}: '# term:' needs <weight> <lo> <hi> <expression>, got {value!r}")
    try:
        w, lo, hi = (float(p) for p in parts[:3])
    except ValueError:
        raise ValueError(f"{where}: '# term:' weight, lo and hi must be numbers, got {' '.join(parts[:3])!r}") from None
    if not all(math.isfinite(v) for v in (w, lo, hi)) or not hi > lo:
        raise ValueError(f"{where}: '# term:' needs finite numbers with hi > lo, got {w!r} {lo!r} {hi!r}")
    return Term(w, lo, hi, parts[3].strip())


def _parse_setup(value: str, where: str) -> tuple[tuple[str, str], ...]:
    items = []
    for token in value.split():
        m = _SETUP_ITEM.fullmatch(token)
        if m is None:
            raise ValueError(f"{where}: '# setup:' items are key=value, got {token!r}")
        key, v = m.groups()
        ok = re.fullmatch(r"\d+(x\d+)?", v) if key == "resolution" else (v.isdigit() if key in INT_SETUP else True)
        if not ok:
            raise ValueError(f"{where}: '# setup:' {key} must be {'N or HxW' if key == 'resolution' else 'an int'}, got {v!r}")
        items.append((key, v))
    return tuple(items)


def parse_proxy_text(text: str, source: str = "<text>") -> ProxyFile:
    """Parse a library file; ``ValueError`` names ``source``, the line and what was expected."""
    header: dict[str, str] = {}
    repeated: dict[str, list] = {k: [] for k in REPEATED}
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
            if key == "term":
                repeated[key].append(_parse_term(value.strip(), f"{source}:{lineno}"))
            elif key == "note":
                repeated[key].append(value.strip())
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
    setup = _parse_setup(header.get("setup", ""), f"{source}: '# setup:'")
    terms = tuple(repeated["term"])
    if not body and not terms:
        raise ValueError(f"{source}: no expression after the header (and no '# term:' lines)")
    if body and terms:
        raise ValueError(f"{source}: a file holds one expression or '# term:' lines, not both")
    if len(terms) > MAX_TERMS:
        raise ValueError(f"{source}: at most {MAX_TERMS} '# term:' lines, got {len(terms)}")
    return ProxyFile(header["name"], header["provenance"], int(header["sign"]), " ".join(body),
                     tuple(repeated["note"]), terms, setup)


def read_proxy_file(path: Path) -> ProxyFile:
    """Parse ``path``; its ``# name:`` must equal the file stem."""
    pf = parse_proxy_text(Path(path).read_text(encoding="utf-8"), str(path))
    if pf.name != Path(path).stem:
        raise ValueError(f"{path}: '# name: {pf.name}' differs from the file name {Path(path).stem!r}")
    return pf


def library_files(folder: Path | None = None) -> list[Path]:
    return sorted(Path(folder or library_dir()).glob(f"*{SUFFIX}"))


def write_found_proxy(path: str | Path, terms: Sequence[Term | tuple[float, float, float, str]],
                      setup: Mapping[str, Any], provenance: str, *, notes: Sequence[str] = ()) -> Path:
    """Write a found proxy file ``path`` (its stem is the name): Σ w·AVT(term) under ``setup``
    (resolution, batch_size, seed, batch …). Round-trips through ``read_proxy_file``; the text is
    parsed back before writing, so a file that could not be read is never written."""
    path = Path(path)
    if path.suffix != SUFFIX:
        raise ValueError(f"{path}: a proxy file name ends in {SUFFIX}")
    made = tuple(t if isinstance(t, Term) else Term(*t) for t in terms)
    for t in made:
        if not is_named(t.expression):
            parse(t.expression)  # ProxySyntaxError / ProxyTypeError at its position
    items = tuple((k, "x".join(str(int(x)) for x in v) if k == "resolution" and not isinstance(v, int) else str(v))
                  for k, v in setup.items())
    pf = ProxyFile(path.stem, provenance, 1, "", tuple(notes), made, items)
    text = pf.format()
    if parse_proxy_text(text, str(path)) != pf:
        raise ValueError(f"{path}: the found proxy does not round-trip (a newline or '#' inside a field?)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def file_proxy(pf: ProxyFile, path: str | Path | None = None) -> Proxy:
    """A parsed ``.proxy`` file as a proxy (its contract carries the expression or the terms and setup)."""
    contract: dict[str, Any] = dict(needs=NEEDS, bn="train", sign=pf.sign, kind="dsl", provenance=pf.provenance)
    if pf.terms:
        named = [create_proxy(t.expression).needs for t in pf.terms if is_named(t.expression)]
        contract["needs"] = tuple(dict.fromkeys([*NEEDS, *(n for needs in named for n in needs)]))
        fn = terms_fn(pf.terms, pf.name, pf.setup_dict)
        contract.update(terms=[dict(weight=t.weight, lo=t.lo, hi=t.hi, expression=t.expression) for t in pf.terms],
                        setup=pf.setup_dict)
    else:
        fn = expression_fn(pf.expression, pf.name)
        contract.update(expression=pf.expression)
    if path is not None:
        contract["path"] = str(path)
    return Proxy(pf.name, fn, contract)


def register_library(folder: Path | None = None) -> list[str]:
    """Register every ``*.proxy`` file of ``folder`` (default: the library) as a DSL proxy."""
    names = []
    for path in library_files(folder):
        proxy = file_proxy(read_proxy_file(path), path)
        register_proxy(proxy.name, **proxy.contract)(proxy.fn)
        names.append(proxy.name)
    return names


for _folder in library_dirs():
    register_library(_folder)
