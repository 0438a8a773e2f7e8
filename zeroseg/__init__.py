"""zeroseg: evolutionary, zero-cost search for real-time semantic-segmentation architectures."""

__version__ = "0.1.0"
