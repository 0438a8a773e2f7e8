"""Range checks of an options dataclass before anything runs, one line naming the flag.

Why: a value the code cannot use must fail at once (``--budget 0`` used to end in ``KeyError:
'evaluations'`` after the statistics, ``--workers -2`` silently ran serially). A rule is a field name
→ (test, what the value must be); the flag comes from the field's ``metadata["flag"]`` when the
options define one, else ``--field-name``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable

Rule = tuple[Callable[[Any], bool], str]


def at_least(lo: float, optional: bool = False) -> Rule:
    """An int/float >= ``lo`` (or None when ``optional``)."""
    def ok(v: Any) -> bool:
        if v is None:
            return optional
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= lo
    return ok, f"a number >= {lo:g}" + (" (or unset)" if optional else "")


def share() -> Rule:
    """A fraction in [0, 1]."""
    return (lambda v: isinstance(v, (int, float)) and 0 <= v <= 1), "a share in [0, 1]"


def positive_all(optional: bool = True) -> Rule:
    """A sequence of numbers > 0 (or None)."""
    def ok(v: Any) -> bool:
        if v is None:
            return optional
        return all(isinstance(x, (int, float)) and math.isfinite(x) and x > 0 for x in v) and len(v) > 0
    return ok, "numbers > 0"


def flag_names(options: Any) -> dict[str, str]:
    """field name → the flag that sets it."""
    return {f.name: f.metadata.get("flag", "--" + f.name.replace("_", "-")) for f in dataclasses.fields(options)}


def check(options: Any, rules: dict[str, Rule]) -> None:
    """``ValueError`` for the first field that breaks its rule, naming its flag and value."""
    flags = flag_names(options)
    for name, (ok, what) in rules.items():
        if not hasattr(options, name):  # a rule for an option this command does not have
            continue
        value = getattr(options, name)
        if not ok(value):
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:59] + "…"
            raise ValueError(f"{flags[name]} must be {what}, got {shown}")
