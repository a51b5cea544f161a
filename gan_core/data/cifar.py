"""CIFAR-10 (Krizhevsky 2009): 50,000 32x32 colour training images in 10 classes.

Read from the python version's batches `cifar-10-batches-py/data_batch_1..5` in the data
directory (torchvision's layout), else downloaded (the official archive, MD5-checked, through
torchvision's download helper) into the data directory.

The batches are pickles, and unpickling can run code. They are read with `SafeUnpickler`, which
allows only what the CIFAR-10 batch format needs (a dict of bytes/str/int/list and one uint8 numpy
array, rebuilt by numpy's own reconstructors) and refuses any other class, so a doctored file
fails with a DataError instead of running anything. torchvision's CIFAR10 class (which calls
plain pickle.load) is never used to read.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import torch

from gan_core.data._registry import DataError, Raw, SourceRequest, register_source
from gan_core.data.paths import download_allowed, resolve_data_dir
from gan_core.messages import Msg

BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
FOLDER = "cifar-10-batches-py"
CLASS_NAMES = (Msg("airplane"), Msg("automobile"), Msg("bird"), Msg("cat"), Msg("deer"), Msg("dog"), Msg("frog"),
               Msg("horse"), Msg("ship"), Msg("truck"))
MAX_BATCH_BYTES = 256 * 2**20  # a real batch is about 31 MB


class SafeUnpickler(pickle.Unpickler):
    """Unpickler for CIFAR-10 batches: every global outside ALLOWED is refused."""

    ALLOWED = frozenset({
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),  # ndarray (proto <= 4)
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),  # ndarray (protocol 5)
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("_codecs", "encode"),  # how Python 3 writes bytes in protocol 2
    })

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR-10 batch")

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent ids are not allowed in a CIFAR-10 batch")


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file -> images uint8 (N, 3, 32, 32), labels int64 (N,)."""
    size = path.stat().st_size
    if size > MAX_BATCH_BYTES:
        raise DataError(f"{path}: {size:,} bytes, too big for a CIFAR-10 batch (about 31 MB)")
    try:
        with open(path, "rb") as f:
            obj = SafeUnpickler(f, encoding="bytes").load()
    except Exception as e:
        raise DataError(f"{path}: not a CIFAR-10 python batch ({type(e).__name__}: {e}). Allowed: the files of "
                        "cifar-10-python.tar.gz, unchanged. Delete it and let the loader download it again.") from e
    if not isinstance(obj, dict):
        raise DataError(f"{path}: a CIFAR-10 batch is a dict, found {type(obj).__name__}")
    d = {(k.decode() if isinstance(k, bytes) else k): v for k, v in obj.items()}
    data, labels = d.get("data"), d.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        got = f"{type(data).__name__} {getattr(data, 'dtype', '')} {getattr(data, 'shape', '')}".strip()
        raise DataError(f"{path}: key 'data' must be a uint8 array of shape (N, 3072), found {got}")
    if not isinstance(labels, list) or len(labels) != len(data) or not all(
            isinstance(v, int) and 0 <= v < 10 for v in labels):
        raise DataError(f"{path}: key 'labels' must be a list of {len(data)} integers from 0 to 9")
    # each row: 1024 red, then 1024 green, then 1024 blue values, row-major 32x32
    return data.reshape(-1, 3, 32, 32), np.asarray(labels, dtype=np.int64)


def _find(root: Path) -> Path | None:
    for d in (root / FOLDER, root / "cifar10" / FOLDER, root / "cifar10"):
        if any((d / b).is_file() for b in BATCHES):
            return d
    return None


def _download(root: Path) -> str | None:
    try:
        from torchvision.datasets import CIFAR10
        from torchvision.datasets.utils import download_and_extract_archive

        download_and_extract_archive(CIFAR10.url, str(root), filename=CIFAR10.filename, md5=CIFAR10.tgz_md5)
        return None
    except Exception as e:
        return f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"


def _load(req: SourceRequest) -> Raw:
    root = resolve_data_dir(req.data_dir)
    folder = _find(root)
    why = "download turned off ($GAN_DATA_DOWNLOAD=0)"
    if folder is None and download_allowed(req.download):
        why = _download(root) or "downloaded, but the batches are not there"
        folder = _find(root)
    if folder is None:
        raise DataError(f"CIFAR-10 not found and could not be downloaded ({why}). Put the python version's "
                        "batches data_batch_1 ... data_batch_5 (from cifar-10-python.tar.gz) in "
                        f"{root.resolve() / FOLDER}/ "
                        "(set the data directory with --data-dir or $GAN_DATA_DIR), or connect to the internet.")
    missing = [b for b in BATCHES if not (folder / b).is_file()]
    if missing:
        raise DataError(f"CIFAR-10 in {folder}/ is incomplete: {', '.join(missing)} missing. Allowed: all five "
                        "training batches data_batch_1 ... data_batch_5 from cifar-10-python.tar.gz.")
    parts = [read_batch(folder / b) for b in BATCHES]
    x = torch.from_numpy(np.concatenate([p[0] for p in parts]))
    y = torch.from_numpy(np.concatenate([p[1] for p in parts]))
    return Raw(x=x, y=y, kind="image", source=Msg("{title} from {folder}", title="CIFAR-10", folder=str(folder)),
               class_names=CLASS_NAMES)


register_source(
    "cifar10", label="CIFAR-10", raw=_load, kind="image", shape=(3, 32, 32), size=50_000,
    help="50,000 32x32 colour photos in 10 classes (planes, cars, birds, cats, ...): much harder than the MNIST "
    "family. Read from data/cifar-10-batches-py/ (python batches), else downloaded by torchvision.")
