"""Fashion-MNIST (Xiao et al. 2017): 60,000 28x28 grayscale training images in 10 classes.

Found in this order:
1. the data directory (`TrainConfig.data_dir`, `--data-dir`, or $GAN_DATA_DIR; default `data/`),
   directly or in `fashion-mnist/` or torchvision's `FashionMNIST/raw/` below it;
2. the Debian package `dataset-fashion-mnist`: /usr/share/datasets/fashion-mnist/;
3. a torchvision download into the data directory (needs internet).
Both `.gz` and raw IDX files are accepted.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from gan_core.data import DATASETS, DataError, Dataset, DatasetSpec
from gan_core.data.idx import IDXError, read_idx

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")
IMAGES = "train-images-idx3-ubyte"
LABELS = "train-labels-idx1-ubyte"


def resolve_data_dir(data_dir: str) -> Path:
    """$GAN_DATA_DIR wins over the default 'data'; an explicit other value wins over both."""
    env = os.environ.get("GAN_DATA_DIR")
    if env and data_dir == "data":
        return Path(env)
    return Path(data_dir)


def _find_pair(folder: Path) -> tuple[Path, Path] | None:
    for sub in (folder, folder / "fashion-mnist", folder / "FashionMNIST" / "raw"):
        for ext in ("", ".gz"):
            img, lab = sub / (IMAGES + ext), sub / (LABELS + ext)
            if img.is_file() and lab.is_file():
                return img, lab
    return None


def _from_files(img: Path, lab: Path) -> Dataset:
    try:
        images, labels = read_idx(img), read_idx(lab)
    except IDXError as e:
        raise DataError(f"Fashion-MNIST file is damaged: {e}. Delete it and let the loader find another copy.") from e
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"Fashion-MNIST files {img} and {lab} do not match: shapes {images.shape} and {labels.shape}")
    x = torch.from_numpy(images.copy()).unsqueeze(1).float().div_(127.5).sub_(1.0)  # (N, 1, 28, 28) in [-1, 1]
    y = torch.from_numpy(labels.astype("int64"))
    return Dataset(x=x, y=y, kind="image", source=str(img.parent), class_names=CLASS_NAMES)


def load_fashion_mnist(data_dir: str = "data", *, debian_dir: Path = DEBIAN_DIR, download: bool = True) -> Dataset:
    folder = resolve_data_dir(data_dir)
    for place in (folder, debian_dir):
        pair = _find_pair(place)
        if pair:
            return _from_files(*pair)
    download_error = "download not attempted"
    if download:
        try:
            from torchvision.datasets import FashionMNIST

            FashionMNIST(root=str(folder), train=True, download=True)
            pair = _find_pair(folder)
            if pair:
                return _from_files(*pair)
        except Exception as e:  # no internet, disk full, ...: reported below with the fix
            download_error = f"{type(e).__name__}: {e}"
    raise DataError(
        "Fashion-MNIST not found. Looked in: "
        f"(1) the data directory {folder}/ (set with --data-dir or $GAN_DATA_DIR), "
        f"(2) the Debian package path {debian_dir}/ (apt-get install dataset-fashion-mnist), "
        f"(3) a torchvision download into {folder}/ ({download_error}). "
        f"Fix: install the Debian package, or put {IMAGES}[.gz] and {LABELS}[.gz] in {folder}/."
    )


DATASETS.register(
    "fashion-mnist",
    label="Fashion-MNIST",
    help="60,000 28x28 grayscale images of clothing in 10 classes; a harder drop-in for MNIST. "
    "Read offline from the data directory or the Debian package, else downloaded by torchvision.",
)(DatasetSpec(load=load_fashion_mnist, kind="image", shape=(1, 28, 28), size=60_000))
