"""Fashion-MNIST (Xiao et al. 2017): 60,000 28x28 grayscale training images in 10 classes.

Found in this order:
1. the data directory (`TrainConfig.data_dir`, `--data-dir`, or $GAN_DATA_DIR; default `data/`),
   directly or in `fashion-mnist/` or torchvision's `FashionMNIST/raw/` below it;
2. the Debian package `dataset-fashion-mnist`: /usr/share/datasets/fashion-mnist/;
3. a torchvision download into the data directory (needs internet; $GAN_DATA_DOWNLOAD=0 turns it off).
Both `.gz` and raw IDX files are accepted.
"""

from __future__ import annotations

from pathlib import Path

from gan_core.data._registry import DataError, Dataset, Raw, register_source
from gan_core.data.idxfamily import IMAGES, LABELS, find_idx_pair, idx_raw, read_idx_pair, torchvision_download
from gan_core.data.paths import download_allowed, resolve_data_dir
from gan_core.messages import Msg

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASS_NAMES = (Msg("T-shirt/top"), Msg("Trouser"), Msg("Pullover"), Msg("Dress"), Msg("Coat"), Msg("Sandal"),
               Msg("Shirt"), Msg("Sneaker"), Msg("Bag"), Msg("Ankle boot"))


def _find_pair(folder: Path) -> tuple[Path, Path] | None:
    return find_idx_pair([folder, folder / "fashion-mnist", folder / "FashionMNIST" / "raw"])


def _raw(img: Path, lab: Path) -> Raw:
    images, labels = read_idx_pair(img, lab, "Fashion-MNIST")
    return idx_raw(images, labels, str(img.parent), CLASS_NAMES)


def fashion_mnist_raw(data_dir: str = "data", *, debian_dir: Path = DEBIAN_DIR, download: bool | None = None) -> Raw:
    folder = resolve_data_dir(data_dir)
    for place in (folder, debian_dir):
        pair = _find_pair(place)
        if pair:
            return _raw(*pair)
    download_error = "download not attempted"
    if download_allowed(download):
        download_error = torchvision_download("FashionMNIST", folder) or "downloaded, but the files are not there"
        pair = _find_pair(folder)
        if pair:
            return _raw(*pair)
    raise DataError(
        "Fashion-MNIST not found. Looked in: "
        f"(1) the data directory {folder}/ (set with --data-dir or $GAN_DATA_DIR), "
        f"(2) the Debian package path {debian_dir}/ (apt-get install dataset-fashion-mnist), "
        f"(3) a torchvision download into {folder}/ ({download_error}). "
        f"Fix: install the Debian package, or put {IMAGES}[.gz] and {LABELS}[.gz] in {folder}/."
    )


def load_fashion_mnist(data_dir: str = "data", *, debian_dir: Path = DEBIAN_DIR, download: bool = True) -> Dataset:
    """The 60,000 training images as float32 (N, 1, 28, 28) in [-1, 1] with their labels."""
    raw = fashion_mnist_raw(data_dir, debian_dir=debian_dir, download=download)
    x = raw.x.float().div_(127.5).sub_(1.0)  # (N, 1, 28, 28) in [-1, 1]
    return Dataset(x=x, y=raw.y, kind="image", source=raw.source, class_names=CLASS_NAMES)


register_source(
    "fashion-mnist", label="Fashion-MNIST",
    raw=lambda req: fashion_mnist_raw(req.data_dir, download=req.download), kind="image", shape=(1, 28, 28),
    size=60_000,
    help="60,000 28x28 grayscale images of clothing in 10 classes; a harder drop-in for MNIST. "
    "Read offline from the data directory or the Debian package, else downloaded by torchvision.")
