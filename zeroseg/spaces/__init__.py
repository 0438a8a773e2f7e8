"""Segmenter search spaces (FasterSeg, GAS, AttNAS, Auto-DeepLab, RTSeg) behind one protocol."""

from zeroseg.spaces.base import (
    Cost,
    InvalidGenotype,
    SearchSpace,
    create_space,
    get_space,
    list_spaces,
    register_space,
)

__all__ = ["Cost", "InvalidGenotype", "SearchSpace", "create_space", "get_space", "list_spaces", "register_space"]
