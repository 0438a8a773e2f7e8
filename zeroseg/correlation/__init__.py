"""Correlation benchmark of proxies against TransNAS-Bench-101 ``val_acc`` (SasWOT Table 3)."""

from zeroseg.correlation.metrics import (
    CorrelationSummary,
    bootstrap_ci,
    correlations,
    kendall,
    pearson,
    sampled_correlations,
    spearman,
)
from zeroseg.correlation.split import SPLIT_PARTS, split_of, split_table

__all__ = [
    "CorrelationSummary",
    "SPLIT_PARTS",
    "bootstrap_ci",
    "correlations",
    "kendall",
    "pearson",
    "sampled_correlations",
    "spearman",
    "split_of",
    "split_table",
]
