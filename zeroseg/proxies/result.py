"""What scoring one proxy on one network gives: a value, or invalid with the reason.

Kept apart from the registry (``base``) and the context (``context``) so that both can use it
without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProxyResult:
    """A score, or ``invalid`` with the reason (``value`` is then NaN); ``seconds`` of wall time."""

    name: str
    value: float
    invalid: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.invalid is None


class ProxyFailure(Exception):
    """Raised inside a proxy (or by the context) to report a defined invalid score."""
