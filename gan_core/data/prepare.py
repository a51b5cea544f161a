"""From a source's native data to the training tensor: preprocessing, memory check, caching.

Preprocessing (images only; 2-D points are used as they are):
- channels: 0 keeps the source's (folder/zip: RGB), 1 = grayscale (ITU-R 601 luma), 3 = RGB;
- resolution: 0 keeps the source's size (folder/zip: 64), else 28, 32 or 64. `fit` says how a
  non-square image becomes square: "crop" scales the shorter side and crops the centre, "pad"
  scales the longer side and pads with black. Square sources are simply resized (bilinear,
  antialiased, on the whole batch at once);
- values: linearly to [-1, 1] (0 -> -1, the source's peak -> +1);
- hflip: a mirrored copy of every image is appended (the dataset doubles, labels follow).

The prepared dataset is one float32 tensor: N * C * H * W * 4 bytes. Before anything is built,
that figure is compared with the free memory of the host and of the training device, and a
dataset that would not fit is refused with both figures.
"""

from __future__ import annotations

import math
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields
from typing import Any

import torch

from gan_core.config import choices_of
from gan_core.data._registry import DATASETS, DataError, DataOptionError, Dataset, Raw, SourceRequest, parse_name
from gan_core.data.paths import resolve_data_dir, resolve_user_path
from gan_core.messages import Msg

RESOLUTIONS = choices_of("resolution")  # 0 = native; the choices are declared with the option in gan_core.config
CHANNELS = choices_of("channels")  # 0 = native
FITS = choices_of("fit")
MEMORY_FRACTION = 0.8  # at most this share of the free memory may hold the dataset (models need the rest)
CHUNK = 2048  # images converted at a time (bounds the temporary memory)
RAW_CACHE_BYTES = 2 * 2**30  # raw (uint8 / native) data kept in memory for re-use
PREPARED_CACHE_BYTES = 2 * 2**30  # prepared float32 datasets kept in memory for re-use
LUMA = (0.299, 0.587, 0.114)  # ITU-R 601 weights of R, G, B in grayscale


@dataclass(frozen=True)
class DataOptions:
    """The config fields that decide the data (TrainConfig has them all, with the same meaning)."""

    dataset: str = "ring8"
    data_dir: str = "data"
    resolution: int = 0
    channels: int = 0
    fit: str = "crop"
    hflip: bool = False

    @classmethod
    def of(cls, cfg: Any) -> DataOptions:
        if isinstance(cfg, DataOptions):
            return cfg
        if isinstance(cfg, str):
            return cls(dataset=cfg)
        return cls(**{f.name: getattr(cfg, f.name, f.default) for f in fields(cls)})


# ---------------------------------------------------------------------- checks without reading data
def check_options(cfg: Any) -> DataOptions:
    """Refuse a bad dataset name or preprocessing option (DataOptionError names the field)."""
    o = DataOptions.of(cfg)
    parse_name(o.dataset)
    if isinstance(o.resolution, bool) or o.resolution not in RESOLUTIONS:
        raise DataOptionError("resolution", f"must be one of {', '.join(map(str, RESOLUTIONS))} (0 = the source's "
                              f"native size), got {o.resolution!r}")
    if isinstance(o.channels, bool) or o.channels not in CHANNELS:
        raise DataOptionError("channels", f"must be 0 (native), 1 (grayscale) or 3 (RGB), got {o.channels!r}")
    if o.fit not in FITS:
        raise DataOptionError("fit", f"must be one of {', '.join(FITS)}, got {o.fit!r}")
    if not isinstance(o.hflip, bool):
        raise DataOptionError("hflip", f"must be true or false, got {o.hflip!r}")
    return o


def sample_shape(cfg: Any) -> tuple[int, ...]:
    """Per-sample shape of the prepared dataset, from the config alone (no data is read)."""
    o = check_options(cfg)
    _key, _arg, spec = parse_name(o.dataset)
    if spec.kind == "points":
        return tuple(spec.shape)
    c, r, _ = spec.shape
    return (o.channels or c, o.resolution or r, o.resolution or r)


def dataset_size(cfg: Any) -> int | None:
    """Number of training samples after preprocessing, or None when only the data can tell."""
    o = check_options(cfg)
    _key, _arg, spec = parse_name(o.dataset)
    if spec.size is None:
        return None
    return spec.size * (2 if o.hflip and spec.kind == "image" else 1)


def estimate_nbytes(cfg: Any, n: int | None = None) -> int | None:
    """Bytes of the prepared float32 tensor (n samples, default the known size)."""
    n = dataset_size(cfg) if n is None else n
    return None if n is None else n * math.prod(sample_shape(cfg)) * 4


def check_source(cfg: Any) -> tuple[str, str, Any, SourceRequest]:
    """Options and, for KEY:PATH sources, the path (inside the data root, existing). Cheap: reads no data."""
    o = check_options(cfg)
    key, arg, spec = parse_name(o.dataset)
    path = resolve_user_path(arg, key) if spec.takes_path else None
    req = SourceRequest(arg=arg, path=path, data_dir=o.data_dir, channels=o.channels, resolution=o.resolution,
                        fit=o.fit)
    return key, arg, spec, req


# ---------------------------------------------------------------------- memory
def format_bytes(n: float) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def available_bytes(device: str | torch.device = "cpu") -> int | None:
    """Free memory on a device: CUDA's own figure, else the host's MemAvailable. None if unknown."""
    dev = torch.device(device)
    if dev.type == "cuda":
        try:
            free, _total = torch.cuda.mem_get_info(dev)
            return int(free)
        except Exception:
            return None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_problem(nbytes: int, device: str | torch.device = "cpu") -> str | None:
    """The refusal message when `nbytes` would not fit on the device, else None."""
    avail = available_bytes(device)
    if avail is None or nbytes <= MEMORY_FRACTION * avail:
        return None
    return Msg("the prepared dataset needs {need} (float32), but {avail} is available on {device} and at most "
               "{share:.0%} of it may hold data. Allowed: a lower resolution, grayscale (channels 1), no horizontal "
               "flip, or fewer images.", need=format_bytes(nbytes), avail=format_bytes(avail), device=str(device),
               share=MEMORY_FRACTION)


def check_fits(nbytes: int, device: str | torch.device = "cpu") -> None:
    msg = memory_problem(nbytes, device)
    if msg:
        raise DataError(msg)


# ---------------------------------------------------------------------- caches
class _LRU:
    def __init__(self, max_bytes: int, max_items: int = 6):
        self.max_bytes, self.max_items = max_bytes, max_items
        self._d: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}

    def key_lock(self, key: Any) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key][0]
        return None

    def put(self, key: Any, value: Any, nbytes: int) -> None:
        if nbytes > self.max_bytes:
            return
        with self._lock:
            self._d[key] = (value, nbytes)
            self._d.move_to_end(key)
            while len(self._d) > self.max_items or sum(b for _, b in self._d.values()) > self.max_bytes:
                old, _ = self._d.popitem(last=False)
                self._key_locks.pop(old, None)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


_RAW = _LRU(RAW_CACHE_BYTES)
_PREPARED = _LRU(PREPARED_CACHE_BYTES, max_items=4)


def clear_caches() -> None:
    _RAW.clear()
    _PREPARED.clear()


def _raw_key(key: str, spec: Any, req: SourceRequest) -> tuple:
    if spec.signature is not None:
        return (key, *spec.signature(req))
    return (key, str(resolve_data_dir(req.data_dir).resolve()))


def load_raw(cfg: Any, check_count: Any = None) -> tuple[Raw, tuple]:
    """The source's native data (cached; folder/zip already fitted to the target size)."""
    key, _arg, spec, req = check_source(cfg)
    ck = _raw_key(key, spec, req)
    raw = _RAW.get(ck)
    if raw is None:
        with _RAW.key_lock(ck):  # two threads asking for the same data read it once
            raw = _RAW.get(ck)
            if raw is None:
                req = SourceRequest(**{**{f.name: getattr(req, f.name) for f in fields(req)},
                                       "check_count": check_count})
                raw = spec.raw(req)
                _RAW.put(ck, raw, raw.x.element_size() * raw.x.nelement())
    return raw, ck


# ---------------------------------------------------------------------- preprocessing
def _fit_square(x: torch.Tensor, r: int, fit: str) -> torch.Tensor:
    """(B, C, H, W) float -> (B, C, r, r): resize, then centre-crop or pad with 0 (black).

    Bilinear with antialiasing (what torchvision's resize does on tensors), so a downscale
    averages instead of aliasing, and values stay inside the input's range."""
    h, w = x.shape[-2:]
    if (h, w) == (r, r):
        return x
    scale = r / (min(h, w) if fit == "crop" else max(h, w))
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    x = torch.nn.functional.interpolate(x, size=(nh, nw), mode="bilinear", antialias=True, align_corners=False)
    if fit == "crop":
        top, left = (nh - r) // 2, (nw - r) // 2
        return x[..., top:top + r, left:left + r]
    top, left = (r - nh) // 2, (r - nw) // 2
    return torch.nn.functional.pad(x, (left, r - nw - left, top, r - nh - top), value=0.0)


def _convert(xb: torch.Tensor, c_out: int, r: int, fit: str, peak: float) -> torch.Tensor:
    """(B, C, H, W) raw chunk -> (B, c_out, r, r) float32 in [-1, 1]."""
    xb = xb.float()
    if xb.shape[1] == 3 and c_out == 1:
        xb = torch.tensordot(xb, torch.tensor(LUMA), dims=([1], [0])).unsqueeze(1)  # (B, 1, H, W)
    elif xb.shape[1] == 1 and c_out == 3:
        xb = xb.expand(-1, 3, -1, -1)
    xb = _fit_square(xb, r, fit)
    return (xb / (peak / 2) - 1.0).clamp_(-1.0, 1.0)  # [0, peak] -> [-1, 1]


def finish(raw: Raw, cfg: Any, idx: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Prepare all of the raw data (idx None) or the samples idx of the prepared dataset, whose
    indices from N on (with hflip) are the mirrored copies."""
    o = DataOptions.of(cfg)
    n = raw.x.shape[0]
    if raw.kind == "points":
        if idx is None:
            return raw.x.float(), raw.y
        return raw.x[idx].float(), raw.y[idx] if raw.y is not None else None
    c, r, _ = sample_shape(o)
    flip = o.hflip
    if idx is None:
        total = n * (2 if flip else 1)
        out = torch.empty(total, c, r, r, dtype=torch.float32)  # (N, C, H, W)
        for s in range(0, n, CHUNK):
            e = min(s + CHUNK, n)
            out[s:e] = _convert(raw.x[s:e], c, r, o.fit, raw.peak)
            if flip:
                out[n + s:n + e] = out[s:e].flip(-1)
        y = raw.y if raw.y is None or not flip else torch.cat([raw.y, raw.y])
        return out, y
    idx = torch.as_tensor(idx, dtype=torch.int64)
    base, mirrored = idx % n, idx >= n
    out = _convert(raw.x[base], c, r, o.fit, raw.peak)
    out[mirrored] = out[mirrored].flip(-1)
    return out, raw.y[base] if raw.y is not None else None


def _extent(raw: Raw) -> float | None:
    if raw.kind != "points":
        return None
    if raw.extent is not None:
        return raw.extent
    return round(1.15 * float(raw.x.abs().max()) + 0.05, 2) if len(raw.x) else 1.0


def _describe(raw: Raw, o: DataOptions, shape: tuple[int, ...]) -> str:
    if raw.kind == "points":
        return raw.source
    size = f"{shape[0]}x{shape[1]}x{shape[2]}"
    if o.hflip:
        return Msg("{source} -> {size}, with mirrored copies in [-1, 1]", source=raw.source, size=size)
    return Msg("{source} -> {size} in [-1, 1]", source=raw.source, size=size)


# ---------------------------------------------------------------------- the two entry points
def prepare_dataset(cfg: Any, device: str | torch.device | None = None) -> Dataset:
    """The training dataset for a config: source, preprocessing, memory check against `device`
    (default cpu), and, when the config has a batch_size, the check that one batch fits in it."""
    o = check_options(cfg)
    dev = torch.device(device) if device is not None else torch.device("cpu")
    shape = sample_shape(o)
    per = math.prod(shape) * 4

    def fits(n: int, host: bool) -> None:
        if host:
            check_fits(n * per, "cpu")
        if dev.type != "cpu":
            check_fits(n * per, dev)

    key, _arg, spec, req = check_source(o)
    pk = (_raw_key(key, spec, req), o)
    data = _PREPARED.get(pk)
    if data is None:
        known = dataset_size(o)
        if known is not None:
            fits(known, host=True)  # before reading anything
        raw, _ck = load_raw(o, check_count=lambda n: fits(n * (2 if o.hflip else 1), host=True))
        n = raw.x.shape[0] * (2 if o.hflip and raw.kind == "image" else 1)
        fits(n, host=True)
        x, y = finish(raw, o)
        data = Dataset(x=x, y=y, kind=raw.kind, source=_describe(raw, o, shape), class_names=raw.class_names,
                       extent=_extent(raw), notes=raw.notes)
        _PREPARED.put(pk, data, data.nbytes)
    elif dev.type != "cpu":
        fits(len(data.x), host=False)
    batch = getattr(cfg, "batch_size", None)
    if isinstance(batch, int) and batch > len(data.x):
        raise DataOptionError("batch_size", f"batch_size {batch} is larger than the dataset ({len(data.x):,} "
                              f"samples in {o.dataset}); allowed: 1 to {len(data.x):,}")
    return data


def load_dataset(name: Any, data_dir: str = "data", device: str | torch.device | None = None) -> Dataset:
    """A dataset by name at native size (`load_dataset("digits")`), or for a whole config
    (`load_dataset(cfg, device=...)`, the same as prepare_dataset)."""
    if isinstance(name, str):
        return prepare_dataset(DataOptions(dataset=name, data_dir=data_dir), device)
    return prepare_dataset(name, device)


@dataclass
class Preview:
    """What the Data page shows about a dataset, without preparing all of it."""

    kind: str
    source: str
    n: int  # samples after preprocessing
    shape: tuple[int, ...]  # per sample
    nbytes: int  # of the prepared float32 tensor
    available: int | None  # free bytes on the device
    device: str
    memory_error: str | None  # why it would not fit, or None
    samples: torch.Tensor  # images (k, C, H, W) in [-1, 1] / points (k, 2)
    sample_labels: torch.Tensor | None
    class_names: tuple[str, ...]
    counts: list[int] | None  # samples per class (after preprocessing), None without labels
    value_min: float
    value_max: float
    range_of: int  # how many samples value_min/max were measured on
    extent: float | None
    notes: tuple[str, ...]


def preview(cfg: Any, n_images: int = 64, n_points: int = 4000, n_range: int = 2048,
            device: str | torch.device = "cpu", seed: int = 0) -> Preview:
    """Source, counts and a random sample of the prepared data. Raises DataError for a bad source;
    a dataset too big for the device is reported in `memory_error`, not raised."""
    o = check_options(cfg)
    shape = sample_shape(o)
    raw, _ = load_raw(o)  # the native data only: the prepared tensor may be far bigger
    n = raw.x.shape[0] * (2 if o.hflip and raw.kind == "image" else 1)
    nbytes = n * math.prod(shape) * 4
    g = torch.Generator().manual_seed(seed)
    k = min(n, n_points if raw.kind == "points" else max(n_images, n_range))
    idx = torch.randperm(n, generator=g)[:k]
    x, y = finish(raw, o, idx)
    counts = None
    if raw.y is not None:
        m = max(len(raw.class_names), int(raw.y.max()) + 1 if len(raw.y) else 0)
        counts = (torch.bincount(raw.y, minlength=m) * (n // raw.x.shape[0])).tolist()
    shown = x if raw.kind == "points" else x[:n_images]
    return Preview(kind=raw.kind, source=_describe(raw, o, shape), n=n, shape=shape, nbytes=nbytes,
                   available=available_bytes(device), device=str(device), memory_error=memory_problem(nbytes, device),
                   samples=shown,
                   sample_labels=(y if raw.kind == "points" else y[:n_images]) if y is not None else None,
                   class_names=raw.class_names, counts=counts, value_min=float(x.min()), value_max=float(x.max()),
                   range_of=len(x), extent=_extent(raw), notes=raw.notes)


__all__ = ["DATASETS", "DataOptions", "Preview", "check_options", "sample_shape", "dataset_size", "estimate_nbytes",
           "check_source", "available_bytes", "check_fits", "memory_problem", "prepare_dataset", "load_dataset",
           "preview", "finish", "load_raw", "clear_caches", "format_bytes"]
