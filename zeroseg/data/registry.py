"""Registry of datasets: ``@register_dataset("camvid", num_classes=11)`` on a factory.

A factory is called as ``factory(root, split, *, transform=None, limit=None, **kw)`` and returns a
``SegDataset``; the contract declares ``num_classes`` (None when the user gives it) and ``splits``.
"""

from __future__ import annotations

from typing import Any, Callable

from zeroseg.registry import Registry

DATASETS: Registry[Callable[..., Any]] = Registry("dataset", ("zeroseg.data",))


def register_dataset(name: str, **contract: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return DATASETS.register(name, **contract)


def list_datasets() -> list[str]:
    return DATASETS.list()


def get_dataset(name: str) -> Callable[..., Any]:
    return DATASETS.get(name)


def create_dataset(name: str, root: Any, split: str, **kwargs: Any) -> Any:
    """Build dataset ``name`` on ``root``/``split`` (see the factory for keyword arguments)."""
    return DATASETS.create(name, root, split, **kwargs)
