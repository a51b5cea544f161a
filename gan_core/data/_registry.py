"""What the dataset sources need: the registry of sources, the records they return, their errors.

The sources (toy2d.py, mnist.py, ...) register themselves here and prepare.py reads the registry;
`gan_core.data` (the package) only imports the sources and hands these names on, so no module of
the package imports the package's `__init__` (no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gan_core.registry import Entry, Registry

if TYPE_CHECKING:  # annotations only: the registry itself needs no torch
    import torch


class DataError(RuntimeError):
    """A dataset cannot be found or read; the message says what is wrong and what is allowed."""


class DataOptionError(DataError):
    """A data option of the config is not allowed; `field` names the TrainConfig field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class Dataset:
    x: torch.Tensor  # (N, C, H, W) in [-1, 1] for images, (N, 2) for points
    y: torch.Tensor | None  # (N,) int64 class labels, or None
    kind: str  # "image" | "points"
    source: str  # human-readable description of where the data came from
    class_names: tuple[str, ...] = ()
    extent: float | None = None  # points: half-width of a square view that holds the data
    notes: tuple[str, ...] = ()  # what was skipped or converted while reading (shown to the user)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])

    @property
    def nbytes(self) -> int:
        return self.x.element_size() * self.x.nelement()


@dataclass
class Raw:
    """A source's data before preprocessing."""

    x: torch.Tensor  # images (N, C, H, W) uint8 or float with values in [0, peak]; points (N, 2) float32
    y: torch.Tensor | None  # (N,) int64 or None
    kind: str  # "image" | "points"
    source: str  # where it came from, for people
    class_names: tuple[str, ...] = ()
    peak: float = 255.0  # images: the raw value that maps to +1 (0 maps to -1)
    extent: float | None = None  # points: view half-width (None: computed from the data)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceRequest:
    """What a source's reader gets: the parsed name and the options that matter while reading."""

    arg: str = ""  # the PATH of `KEY:PATH` as given
    path: Path | None = None  # PATH resolved inside the data root (sources that take a path)
    data_dir: str = "data"
    channels: int = 0  # 0 = native
    resolution: int = 0  # 0 = native
    fit: str = "crop"
    download: bool | None = None  # None: $GAN_DATA_DOWNLOAD (default on)
    check_count: Callable[[int], None] | None = field(default=None, compare=False)  # called with N before decoding


@dataclass(frozen=True)
class DatasetSpec:
    raw: Callable[[SourceRequest], Raw]  # reads the source at native size (folder/zip: at the target size)
    kind: str  # "image" | "points"
    shape: tuple[int, ...]  # native per-sample shape (folder/zip: the default 3x64x64)
    size: int | None  # native number of samples; None when only the data can tell (csv, folder, zip)
    takes_path: bool = False  # named KEY:PATH
    signature: Callable[[SourceRequest], tuple] | None = None  # changes when the files change (cache key)


class DatasetRegistry(Registry[DatasetSpec]):
    """The registry, also answering for `KEY:PATH` names of the sources that take a path."""

    def entry(self, name: str) -> Entry[DatasetSpec]:
        key, _, arg = str(name).partition(":")
        if arg and key in self._entries and self._entries[key].obj.takes_path:
            return self._entries[key]
        return super().entry(name)

    def __contains__(self, name: Any) -> bool:
        if not isinstance(name, str):
            return False
        key, sep, arg = name.partition(":")
        spec = self._entries.get(key)
        if spec is None:
            return False
        return bool(arg.strip()) if spec.obj.takes_path else not sep

    def display_names(self) -> list[str]:
        """Names as typed on the command line: `csv:PATH` for the sources that take a path."""
        return [f"{k}:PATH" if e.obj.takes_path else k for k, e in self._entries.items()]


DATASETS: DatasetRegistry = DatasetRegistry("dataset")


def parse_name(name: str) -> tuple[str, str, DatasetSpec]:
    """'csv:pts.csv' -> ('csv', 'pts.csv', spec); 'ring8' -> ('ring8', '', spec). Raises DataOptionError."""
    allowed = ", ".join(DATASETS.display_names())
    if not isinstance(name, str) or not name.strip():
        raise DataOptionError("dataset", f"empty dataset name; allowed: {allowed}")
    key, sep, arg = name.partition(":")
    if key not in DATASETS._entries:
        raise DataOptionError("dataset", f"unknown dataset {name!r}; allowed: {allowed}")
    spec = DATASETS._entries[key].obj
    if spec.takes_path:
        if not arg.strip():
            raise DataOptionError("dataset", f"{key!r} needs a path: {key}:PATH, with PATH inside the data root "
                                  "(e.g. " + {"csv": "csv:points.csv", "folder": "folder:faces",
                                               "zip": "zip:uploads/faces.zip"}.get(key, f"{key}:PATH") + ")")
        if "\x00" in arg or len(arg) > 4096:
            raise DataOptionError("dataset", f"{key}: the path has a NUL character or is over 4096 characters")
    elif sep:
        raise DataOptionError("dataset", f"{key!r} takes no path (got {name!r}); allowed: {key!r} alone, or one of "
                              + ", ".join(n for n in DATASETS.display_names() if n.endswith(":PATH")))
    return key, arg, spec


def register_source(name: str, *, label: str, help: str, raw: Callable[[SourceRequest], Raw], kind: str,
                    shape: tuple[int, ...], size: int | None, takes_path: bool = False,
                    signature: Callable[[SourceRequest], tuple] | None = None) -> DatasetSpec:
    spec = DatasetSpec(raw=raw, kind=kind, shape=shape, size=size, takes_path=takes_path, signature=signature)
    DATASETS.register(name, label=label, help=help)(spec)
    return spec
