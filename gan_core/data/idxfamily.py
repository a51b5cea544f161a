"""Shared by the MNIST-family sources (MNIST, KMNIST, Fashion-MNIST): find the IDX pair of
training files in the places a teacher would put them, read it, or let torchvision download it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gan_core.data._registry import DataError, Raw
from gan_core.data.idx import IDXError, read_idx

IMAGES = "train-images-idx3-ubyte"
LABELS = "train-labels-idx1-ubyte"


def find_idx_pair(folders: list[Path]) -> tuple[Path, Path] | None:
    """First folder holding both training files, raw or .gz."""
    for sub in folders:
        for ext in ("", ".gz"):
            img, lab = sub / (IMAGES + ext), sub / (LABELS + ext)
            if img.is_file() and lab.is_file():
                return img, lab
    return None


def read_idx_pair(img: Path, lab: Path, title: str, side: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """-> images uint8 (N, side, side), labels uint8 (N,). DataError says which file is wrong and how."""
    try:
        images, labels = read_idx(img), read_idx(lab)
    except IDXError as e:
        raise DataError(f"{title} file is damaged: {e}. Delete it and let the loader find another copy.") from e
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{title} files {img} and {lab} do not match: shapes {images.shape} and {labels.shape}")
    if images.shape[1:] != (side, side):
        raise DataError(f"{title} file {img} holds {images.shape[1]}x{images.shape[2]} images; "
                        f"allowed: {side}x{side}, as in the original dataset")
    if len(images) == 0:
        raise DataError(f"{title} file {img} holds no images")
    return images, labels


def idx_raw(images: np.ndarray, labels: np.ndarray, source: str, class_names: tuple[str, ...]) -> Raw:
    x = torch.from_numpy(images.copy()).unsqueeze(1)  # (N, 1, 28, 28) uint8
    y = torch.from_numpy(labels.astype("int64"))
    if len(class_names) and int(y.max()) >= len(class_names):
        raise DataError(f"{source}: label {int(y.max())} found; allowed: 0 to {len(class_names) - 1}")
    return Raw(x=x, y=y, kind="image", source=source, class_names=class_names)


def torchvision_download(cls_name: str, folder: Path) -> str | None:
    """Ask torchvision to download the training split into `folder`; None on success, else the reason."""
    try:
        import torchvision.datasets as tvd

        getattr(tvd, cls_name)(root=str(folder), train=True, download=True)
        return None
    except Exception as e:
        return f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
