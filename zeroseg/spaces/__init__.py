"""Segmenter search spaces (FasterSeg, GAS, AttNAS, Auto-DeepLab, RTSeg) behind one protocol."""

from zeroseg.spaces.base import (
    InvalidGenotype,
    SearchSpace,
    create_space,
    get_space,
    list_spaces,
    register_space,
)
from zeroseg.spaces.cost import Cost

__all__ = ["Cost", "InvalidGenotype", "SearchSpace", "create_space", "get_space", "list_spaces", "register_space"]
