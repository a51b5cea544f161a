"""scikit-learn's 8x8 handwritten digits: 1,797 images, shipped with sklearn, always offline.

Native size 8x8; a resolution of 28, 32 or 64 upsamples them (bilinear) for the larger models.
"""

from __future__ import annotations

import torch
# Imported here, not lazily in the loader: sklearn imports pandas, and importing pandas from a
# training thread while the UI thread imports it too can hit Python's import-deadlock
# detection ("partially initialized module 'pandas'").
from sklearn.datasets import load_digits

from gan_core.data import Raw, SourceRequest, register_source


def _load_digits(req: SourceRequest) -> Raw:
    d = load_digits()
    # pixel values are integers 0..16: peak 16 maps them to [-1, 1] as x / 8 - 1
    x = torch.tensor(d.images, dtype=torch.float32).unsqueeze(1)  # (1797, 1, 8, 8)
    y = torch.tensor(d.target, dtype=torch.int64)
    return Raw(x=x, y=y, kind="image", source="scikit-learn load_digits (8x8, 1,797 images)", peak=16.0,
               class_names=tuple(str(i) for i in range(10)))


register_source(
    "digits", label="Digits 8x8", raw=_load_digits, kind="image", shape=(1, 8, 8), size=1797,
    help="scikit-learn's 1,797 handwritten digits at 8x8 pixels. Tiny, offline, trains in a minute "
    "on a laptop CPU; good for a first image GAN. A resolution of 28/32/64 upsamples them.")
