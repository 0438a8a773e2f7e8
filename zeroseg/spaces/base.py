"""The segmenter search-space protocol and its registry.

A space is a registered class; its genotypes are frozen, hashable values with a compact text
encoding. Everything the engine, the scorers and the trainer need goes through this protocol, so
no caller ever reaches into one space's internals.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from zeroseg.registry import Registry
from zeroseg.spaces.cost import Cost, measure_cost

SPACES: Registry[type] = Registry("space", ("zeroseg.spaces.catalog",))


class InvalidGenotype(ValueError):
    """A genotype that breaks its space's rules; the message says which rule and where."""


class SearchSpace:
    """Base class of every space. Subclasses set ``name``/``description`` and implement the rest."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    paper: ClassVar[str] = ""

    def sample(self, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def mutate(self, g: Any, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def crossover(self, a: Any, b: Any, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def validate(self, g: Any) -> None:
        """Raise ``InvalidGenotype`` naming the broken rule; return None when valid."""
        raise NotImplementedError

    def canonical(self, g: Any) -> Any:
        """The representative of ``g``'s class: genotypes that build the same network share it.

        Search deduplicates on ``encode(canonical(g))``; spaces with genes that can be unused
        (e.g. FasterSeg nodes no branch passes through) override this.
        """
        return g

    def encode(self, g: Any) -> str:
        """Compact, canonical text (equal genotypes ⇔ equal text)."""
        raise NotImplementedError

    def decode(self, text: str) -> Any:
        """Inverse of ``encode``; validates and raises ``InvalidGenotype`` on bad text."""
        raise NotImplementedError

    def build(self, g: Any, num_classes: int) -> torch.nn.Module:
        """A network returning logits at input resolution for any input of at least 64×64."""
        raise NotImplementedError

    def cost(self, g: Any, input_size: tuple[int, int], num_classes: int = 19) -> Cost:
        """Params, FLOPs (2 × MACs) and activation MiB at batch 1, counted on the meta device."""
        with torch.device("meta"):
            net = self.build(g, num_classes)
        return measure_cost(net, input_size, device="meta")

    def published(self) -> dict[str, Any]:
        """Named genotypes printed in the space's paper (fixtures for size checks); none by default."""
        return {}

    def describe(self) -> str:
        """Multi-line human description for ``zeroseg spaces show`` (subclasses add their choices)."""
        return f"{self.name}: {self.description}\npaper: {self.paper}"


def register_space(cls: type) -> type:
    """Class decorator: ``@register_space`` on a ``SearchSpace`` subclass with a ``name``."""
    return SPACES.register(cls.name, description=cls.description, paper=cls.paper)(cls)


def list_spaces() -> list[str]:
    return SPACES.list()


def get_space(name: str) -> type:
    return SPACES.get(name)


def create_space(name: str, **kwargs: Any) -> SearchSpace:
    return SPACES.create(name, **kwargs)
