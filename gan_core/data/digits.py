"""scikit-learn's 8x8 handwritten digits: 1,797 images, shipped with sklearn, always offline.

Native size 8x8; a resolution of 28, 32 or 64 upsamples them (bilinear) for the larger models.
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import torch

from gan_core.data._registry import DataError, Raw, SourceRequest, register_source
from gan_core.messages import Msg


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 8, 8) float64, labels (1797,)): what sklearn.datasets.load_digits returns,
    read from the CSV file scikit-learn ships, without importing scikit-learn. Its import (scipy,
    pandas) cost 2 s of the app's first page, and importing it lazily in the loader is not safe:
    a training thread importing pandas while the UI thread imports it too can hit Python's
    import-deadlock detection ("partially initialized module 'pandas'"). find_spec locates the
    package without running it."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("the digits dataset ships with scikit-learn: pip install scikit-learn")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(int)


def _load_digits(req: SourceRequest) -> Raw:
    images, target = load_digits_arrays()
    # pixel values are integers 0..16: peak 16 maps them to [-1, 1] as x / 8 - 1
    x = torch.tensor(images, dtype=torch.float32).unsqueeze(1)  # (1797, 1, 8, 8)
    y = torch.tensor(target, dtype=torch.int64)
    return Raw(x=x, y=y, kind="image", source=Msg("scikit-learn load_digits (8x8, {n:,} images)", n=len(x)), peak=16.0,
               class_names=tuple(str(i) for i in range(10)))


register_source(
    "digits", label="Digits 8x8", raw=_load_digits, kind="image", shape=(1, 8, 8), size=1797,
    help="scikit-learn's 1,797 handwritten digits at 8x8 pixels. Tiny, offline, trains in a minute "
    "on a laptop CPU; good for a first image GAN. A resolution of 28/32/64 upsamples them.")
