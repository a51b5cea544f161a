"""Dataset sources, each turned into one in-memory tensor plus labels.

Small datasets live whole on the training device and batches are random index gathers
(`x[torch.randint(...)]`), which is far cheaper than a per-sample DataLoader.

Value conventions: images are float32 (N, C, H, W) in [-1, 1] (the Tanh range of G);
2-D points are float32 (N, 2) in data coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from gan_core.registry import Registry


@dataclass
class Dataset:
    x: torch.Tensor  # (N, C, H, W) in [-1, 1] for images, (N, 2) for points
    y: torch.Tensor | None  # (N,) int64 class labels, or None
    kind: str  # "image" | "points"
    source: str  # human-readable description of where the data came from
    class_names: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])


@dataclass(frozen=True)
class DatasetSpec:
    load: Callable[[str], Dataset]  # data_dir -> Dataset (on the CPU)
    kind: str  # "image" | "points"
    shape: tuple[int, ...]  # per-sample shape, known before loading (for building models)
    size: int  # number of training samples (bounds the batch size)


DATASETS: Registry[DatasetSpec] = Registry("dataset")

_CACHE: dict[tuple[str, str], Dataset] = {}


def load_dataset(name: str, data_dir: str = "data") -> Dataset:
    """Load (and cache in-process) a dataset by registry name. Raises DataError if unavailable."""
    key = (name, data_dir)
    if key not in _CACHE:
        _CACHE[key] = DATASETS.get(name).load(data_dir)
    return _CACHE[key]


class DataError(RuntimeError):
    """A dataset cannot be found or read; the message says where it was looked for and the fix."""


# Register the built-in sources.
from gan_core.data import digits, fashion_mnist, toy2d  # noqa: E402,F401
