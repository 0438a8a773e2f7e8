"""Standard JSON in and out: one writer for every JSON file zeroseg produces, one checked reader.

Why: Python's ``json`` writes ``NaN``/``Infinity`` by default, which strict parsers (``jq``, browsers,
most languages) reject. :func:`to_standard` turns every non-finite float into ``null`` and, inside a
dict, says why under ``"why_null"`` (a caller's own reason for that key wins); the dump then runs with
``allow_nan=False`` so a bare NaN can never be written. :func:`write_json` is atomic (through
:func:`zeroseg.atomic.atomic_write`: a kill leaves the old or the new file) and, with
``checksum=True``, embeds the sha256 of the canonical body so that :func:`read_json` detects any
changed byte. :func:`read_json` turns every way a file can be unreadable into one ``ValueError``
line that names the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import time
from pathlib import Path
from typing import Any, Callable

from zeroseg.atomic import atomic_write

CHECKSUM = "sha256"
WHY_NULL = "why_null"
_STALE_TMP_S = 600.0


def _reason(x: float) -> str:
    return "not a number (undefined)" if math.isnan(x) else ("+inf" if x > 0 else "-inf")


def to_standard(obj: Any, reasons: bool = True) -> Any:
    """``obj`` with non-finite floats as ``None`` (numpy scalars/arrays, tuples and sets made plain);
    with ``reasons`` a dict holding such a value gains ``why_null: {key: reason}``."""
    if _is_float(obj):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, dict):
        out = {str(k) if not isinstance(k, str) else k: to_standard(v, reasons) for k, v in obj.items()}
        if reasons:
            why = {k: _reason(float(v)) for k, v in obj.items() if _non_finite(v)}
            if why:
                out[WHY_NULL] = {**why, **(obj.get(WHY_NULL) or {})}
        return out
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_standard(v, reasons) for v in obj]
    if hasattr(obj, "tolist") and callable(obj.tolist):  # numpy arrays and scalars
        return to_standard(obj.tolist(), reasons)
    return obj


def _is_float(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral)


def _non_finite(v: Any) -> bool:
    return _is_float(v) and not math.isfinite(float(v))


def dumps(obj: Any, indent: int | None = None, default: Callable[[Any], Any] | None = None,
          reasons: bool = True) -> str:
    """Standard JSON text of ``obj`` (see :func:`to_standard`)."""
    return json.dumps(to_standard(obj, reasons), indent=indent, default=default, allow_nan=False)


def body_digest(body: dict[str, Any]) -> str:
    """sha256 of the canonical form of ``body`` (sorted keys, no spaces) without its checksum field."""
    canon = {k: v for k, v in body.items() if k != CHECKSUM}
    return hashlib.sha256(json.dumps(canon, sort_keys=True, separators=(",", ":"),
                                     allow_nan=False).encode()).hexdigest()


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through the one atomic write (:func:`zeroseg.atomic.atomic_write`)."""
    return atomic_write(path, text)


def write_json(path: str | Path, obj: Any, indent: int | None = 2, default: Callable[[Any], Any] | None = None,
               checksum: bool = False, reasons: bool = True) -> Path:
    """Atomically write ``obj`` as standard JSON; ``checksum`` embeds ``sha256`` of the body (a dict)."""
    body = to_standard(obj, reasons)
    if default is not None:
        body = json.loads(json.dumps(body, default=default, allow_nan=False))
    if checksum:
        if not isinstance(body, dict):
            raise TypeError("a checksummed JSON document must be a dict")
        body = {**body, CHECKSUM: body_digest(body)}
    return write_text_atomic(path, json.dumps(body, indent=indent, allow_nan=False) + "\n")


def read_json(path: str | Path, what: str = "file", checksum: bool = False) -> Any:
    """The parsed document; ``ValueError`` naming ``what`` and the file when it cannot be used.

    With ``checksum`` a document carrying ``sha256`` must match it (the field is removed); one without
    it is accepted (written before zeroseg checksummed its files) and then relies on the caller's schema.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} {path} not found") from None
    except IsADirectoryError:
        raise ValueError(f"{what} {path} is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} {path} is damaged: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except OSError as exc:
        raise ValueError(f"{what} {path} cannot be read ({exc.strerror or exc})") from None
    if checksum and isinstance(doc, dict) and CHECKSUM in doc:
        if doc[CHECKSUM] != body_digest(doc):
            raise ValueError(f"{what} {path} is damaged or was edited: its sha256 does not match its contents")
        doc.pop(CHECKSUM)
    return doc


def clean_stale_tmp(folder: str | Path, name: str, age_s: float = _STALE_TMP_S) -> int:
    """Delete ``.<name>.*.tmp`` (and older writers' ``<name>.*.tmp``) files older than ``age_s`` that
    crashed writers left in ``folder``."""
    removed, now = 0, time.time()
    folder = Path(folder)
    for tmp in [*folder.glob(f".{name}.*.tmp"), *folder.glob(f"{name}.*.tmp")]:
        try:
            if now - tmp.stat().st_mtime > age_s:
                tmp.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
