"""What produced a run: its settings and code versions, recorded once and compared on every resume.

Why: a resume that silently continues under other settings mixes two experiments into one result
(issue 14: a generation-3 proxy scored at another ``--resolution`` was reported as the winner). The
settings are taken from an options dataclass generically — every field except the few that cannot
change a result (where outputs go, how many workers run them, progress display) — so a field added
later is compared automatically. Field ``metadata["flag"]`` (when the options define it) names the
flag in messages; otherwise ``--field-name``.
"""

from __future__ import annotations

import dataclasses
import json
from importlib import metadata
from typing import Any

from zeroseg.options_check import flag_names

# Fields that never change what a run computes (only where it writes or how fast it runs).
NEUTRAL = frozenset({"out", "resume", "workers", "scheduler", "progress", "threads"})
CODE_PACKAGES = ("zeroseg", "torch", "numpy")


class ResumeMismatch(ValueError):
    """A checkpoint was written under other settings than the ones given now."""


def _plain(value: Any) -> Any:
    """JSON round trip: tuples become lists, so a saved and a fresh record compare equal."""
    return json.loads(json.dumps(value, default=str))


def settings(options: Any, neutral: frozenset[str] | set[str] = NEUTRAL) -> dict[str, Any]:
    """Every field of the options dataclass except ``neutral`` ones, JSON-plain."""
    return {f.name: _plain(getattr(options, f.name)) for f in dataclasses.fields(options) if f.name not in neutral}


def code_versions() -> dict[str, str]:
    """Versions of the packages whose changes may change results bitwise."""
    out = {}
    for name in CODE_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def record(options: Any, neutral: frozenset[str] | set[str] = NEUTRAL, **extra: Any) -> dict[str, Any]:
    """The provenance of a run: ``settings``, ``code`` versions and flag names (``extra`` joins settings)."""
    rec = record_mapping({**settings(options, neutral), **extra},
                         {k: v for k, v in flag_names(options).items() if k not in neutral})
    return {**rec, "neutral": sorted(neutral)}


def record_mapping(values: dict[str, Any], flags: dict[str, str] | None = None) -> dict[str, Any]:
    """:func:`record` of plain ``{setting: value}`` (e.g. parsed command-line arguments)."""
    return {"settings": _plain(values), "code": code_versions(),
            "flags": flags or {k: "--" + k.replace("_", "-") for k in values}}


def differences(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """One phrase per differing setting or code version: ``--resolution was 64, now 32``."""
    flags = {**saved.get("flags", {}), **current.get("flags", {})}
    neutral = set(current.get("neutral", ()))  # declared result-neutral now (e.g. report-only options)
    out = []
    for part in ("settings", "code"):
        old, new = saved.get(part, {}), current.get(part, {})
        for key in sorted(set(old) | set(new)):
            if part == "settings" and key in neutral:
                continue
            if old.get(key, "<unset>") != new.get(key, "<unset>"):
                name = flags.get(key, key) if part == "settings" else f"{key} version"
                out.append(f"{name} was {_short(old.get(key, '<unset>'))}, now {_short(new.get(key, '<unset>'))}")
    return out


def check(saved: dict[str, Any] | None, current: dict[str, Any], where: str) -> None:
    """Refuse (``ResumeMismatch``) when ``saved`` differs from ``current``, naming each difference."""
    if not saved:
        raise ResumeMismatch(f"{where} does not record the settings that produced it (written by an older "
                             "zeroseg), so --resume cannot check them; run without --resume into a new --out")
    diff = differences(saved, current)
    if diff:
        raise ResumeMismatch(f"{where} was written under other settings, cannot resume: " + "; ".join(diff)
                             + " (resume needs the same settings; or give a new --out)")


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
