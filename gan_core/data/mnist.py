"""MNIST (LeCun et al. 1998) and KMNIST (Clanuwat et al. 2018): 60,000 28x28 grayscale
training images each, in 10 classes (digits; cursive Japanese hiragana).

Looked for in the data directory (`--data-dir`, $GAN_DATA_DIR, default `data/`) in a folder named
after the dataset (`mnist/`, `kmnist/`) or in torchvision's layout (`MNIST/raw/`, `KMNIST/raw/`),
raw or .gz IDX files; else downloaded by torchvision into the data directory (needs internet;
$GAN_DATA_DOWNLOAD=0 turns it off). Not directly in the data directory itself: the three
MNIST-family datasets share file names, and `data/` directly is Fashion-MNIST's place.
"""

from __future__ import annotations

from pathlib import Path

from gan_core.data._registry import DataError, Raw, SourceRequest, register_source
from gan_core.data.idxfamily import IMAGES, LABELS, find_idx_pair, idx_raw, read_idx_pair, torchvision_download
from gan_core.data.paths import download_allowed, resolve_data_dir
from gan_core.messages import Msg

KMNIST_CLASSES = ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo")  # お き す つ な は ま や れ を


def _family_loader(title: str, folder_name: str, tv_name: str, class_names: tuple[str, ...]):
    def places(root: Path) -> list[Path]:
        return [root / folder_name, root / tv_name / "raw"]

    def raw(req: SourceRequest) -> Raw:
        root = resolve_data_dir(req.data_dir)
        pair = find_idx_pair(places(root))
        download_error = "download turned off ($GAN_DATA_DOWNLOAD=0)"
        if pair is None and download_allowed(req.download):
            download_error = torchvision_download(tv_name, root) or "downloaded, but the files are not there"
            pair = find_idx_pair(places(root))
        if pair is None:
            a, b = places(root.resolve())  # absolute in the message: the server's cwd is not obvious
            raise DataError(
                f"{title} not found and could not be downloaded ({download_error}). Put {IMAGES}[.gz] and "
                f"{LABELS}[.gz] in {a}/ or {b}/ (torchvision's layout; set the data directory with --data-dir "
                f"or $GAN_DATA_DIR), or connect to the internet so torchvision can download them.")
        images, labels = read_idx_pair(*pair, title)
        source = Msg("{title} from {folder}", title=title, folder=str(pair[0].parent))
        return idx_raw(images, labels, source, class_names)

    return raw


register_source(
    "mnist", label="MNIST", raw=_family_loader("MNIST", "mnist", "MNIST", tuple(str(i) for i in range(10))),
    kind="image", shape=(1, 28, 28), size=60_000,
    help="60,000 28x28 handwritten digits, the running example of the GAN tutorials. Read from data/mnist/ or "
    "data/MNIST/raw/ (IDX files), else downloaded by torchvision.")
register_source(
    "kmnist", label="KMNIST (Kuzushiji)", raw=_family_loader("KMNIST", "kmnist", "KMNIST", KMNIST_CLASSES),
    kind="image", shape=(1, 28, 28), size=60_000,
    help="60,000 28x28 cursive Japanese characters (10 hiragana), a drop-in for MNIST with more varied strokes. "
    "Read from data/kmnist/ or data/KMNIST/raw/, else downloaded by torchvision.")
