"""Scorers of segmenter candidates: what the segmenter search maximises.

A scorer is a registered class (``@register_scorer``, one module each) whose contract declares what
it needs (a dataset? training?) and what one candidate costs. ``proxy`` scores a network at random
initialisation with a DSL proxy (SasWOT by default). Create one with ``create_scorer(name, setup,
**options)``; ``resolve_scorer`` maps the CLI's ``--scorer`` value (a scorer or a proxy name).
"""

from zeroseg.scorers.base import (
    SCORERS,
    ScoreResult,
    Scorer,
    ScoringSetup,
    create_scorer,
    get_scorer,
    list_scorers,
    register_scorer,
    resolve_scorer,
)

__all__ = ["SCORERS", "ScoreResult", "Scorer", "ScoringSetup", "create_scorer", "get_scorer", "list_scorers",
           "register_scorer", "resolve_scorer"]
