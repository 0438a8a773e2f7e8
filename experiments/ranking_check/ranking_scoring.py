"""Scoring stages of the ranking check: the same genotypes scored by SasWOT, NWOT and the supernet.

Each scorer is created through the registry (``create_scorer``), calibrated once (SasWOT's AVT
min/max from random genotypes of the space, Eq. 4 of papers/saswot.md; the supernet's one-shot
training) with the result saved in ``calibration_<name>.json`` and reused on resume, then every arch
is scored and appended to ``scores.csv``. ``cfg`` is ``run.Config``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

PROXIES = ("saswot", "nwot")
SCORE_FIELDS = ("arch", "scorer", "value", "invalid", "seconds", "info")


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def append_row(path: Path, fields: tuple[str, ...], row: dict[str, Any]) -> None:
    """Append one row (header first when the file is new); flushed so a kill keeps it."""
    new = not path.is_file()
    with open(path, "a", newline="") as fh:
        w = csv.DictWriter(fh, fields)
        if new:
            w.writeheader()
        w.writerow({k: row.get(k, "") for k in fields})


def scoring_setup(cfg: Any) -> Any:
    from zeroseg.scorers import ScoringSetup

    return ScoringSetup(space=cfg.space, dataset="camvid", data_root=cfg.data_root, input_size=cfg.input_size,
                        batch_size=cfg.batch_size, seed=cfg.seed, device=cfg.device)


def calibrated(cfg: Any, name: str, options: dict[str, Any], log: Callable[[str], None]) -> Any:
    """A scorer whose once-per-run calibration is saved in ``calibration_<name>.json`` and reused."""
    from zeroseg.scorers import create_scorer

    path = Path(cfg.results) / f"calibration_{name}.json"
    if path.is_file():
        saved = json.loads(path.read_text())["options"]
        stale = {k: (saved.get(k), v) for k, v in options.items() if saved.get(k) != v}
        if stale:
            raise ValueError(f"{path} was calibrated with other options (saved, asked): {stale}; "
                             "delete it or use another --results folder")
        return create_scorer(_scorer_of(name), scoring_setup(cfg), **saved)
    scorer = create_scorer(_scorer_of(name), scoring_setup(cfg), **options)
    t0 = time.perf_counter()
    learned = scorer.calibrate(log)
    path.write_text(json.dumps({"options": scorer.options(), "learned": learned,
                                "seconds": round(time.perf_counter() - t0, 2)}, indent=2, default=str) + "\n")
    return scorer


def _scorer_of(name: str) -> str:
    """Result-table name → registered scorer (proxies go through the ``proxy`` scorer)."""
    return name if name == "supernet" else "proxy"


def score_all(cfg: Any, space: Any, genotypes: list[str], name: str, scorer: Any,
              log: Callable[[str], None]) -> None:
    path = Path(cfg.results) / "scores.csv"
    done = {(r["scorer"], r["arch"]) for r in read_rows(path)}
    for i, text in enumerate(genotypes):
        if (name, str(i)) in done:
            continue
        t0 = time.perf_counter()
        r = scorer.score(space.decode(text))
        append_row(path, SCORE_FIELDS, {"arch": i, "scorer": name, "value": r.value, "invalid": r.invalid or "",
                                        "seconds": round(time.perf_counter() - t0, 3),
                                        "info": json.dumps(r.info, default=str)})
        log(f"[{name}] arch {i}: {r.value:.4g} {r.invalid or ''}")


def stage_proxy(cfg: Any, space: Any, genotypes: list[str], log: Callable[[str], None]) -> None:
    for proxy in PROXIES:
        scorer = calibrated(cfg, proxy, {"proxy": proxy, "avt_samples": cfg.avt_samples}, log)
        score_all(cfg, space, genotypes, proxy, scorer, log)


def stage_supernet(cfg: Any, space: Any, genotypes: list[str], options: dict[str, Any], digest: str | None,
                   log: Callable[[str], None]) -> dict[str, Any]:
    """The supernet column when the scorer is registered; otherwise the reason, never a number."""
    from zeroseg.scorers import list_scorers

    known = list_scorers()
    if "supernet" not in known:
        status = {"available": False, "reason": f"scorer 'supernet' not registered (list_scorers() = {known})"}
        log(f"[supernet] NOT AVAILABLE: {status['reason']}; no supernet column")
        return status
    scorer = calibrated(cfg, "supernet", options, log)
    score_all(cfg, space, genotypes, "supernet", scorer, log)
    return {"available": True, "options": scorer.options(), "code_sha256": digest}


def code_digest() -> str | None:
    """Hash of the supernet scorer's source as the registry loads it (call right after the first
    ``list_scorers()``): that scorer was being written while this experiment ran."""
    mod = sys.modules.get("zeroseg.scorers.supernet")
    if mod is None:
        return None
    files = [Path(mod.__file__)] + sorted((Path(mod.__file__).parents[1] / "supernet").glob("*.py"))
    return hashlib.sha256(b"".join(f.read_bytes() for f in files if f.is_file())).hexdigest()[:16]
