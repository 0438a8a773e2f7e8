"""What a dataset yields and a transform returns: the label's ignore value and the (image, label) pair.

A leaf module, so that ``transforms`` (which pads with the ignore label) and ``base`` (whose datasets
apply the transforms) both build on it without importing each other.
"""

from __future__ import annotations

import torch

IGNORE_INDEX = 255
Sample = tuple[torch.Tensor, torch.Tensor]
