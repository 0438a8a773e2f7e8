"""The evolution engine shared by proxy discovery and segmenter search."""

from zeroseg.evolution.problem import Fitness, Problem

__all__ = ["Fitness", "Problem"]
