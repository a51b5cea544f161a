"""Data sources: the IDX reader, the Fashion-MNIST search order, the ring of 8 Gaussians, digits."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_core.data import DataError
from gan_core.data import fashion_mnist as fm
from gan_core.data.idx import IDXError, read_idx, write_idx
from gan_core.data.toy2d import RING8_STD, ring8_means, sample_ring8

pytestmark = pytest.mark.usefixtures("isolated")

REAL_FMNIST = Path("/usr/share/datasets/fashion-mnist")


# ---------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
@pytest.mark.parametrize("shape", [(7,), (5, 28, 28), (3, 4, 5, 2)])
def test_idx_round_trip(tmp_path, name, shape):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, size=shape, dtype=np.uint8)
    p = tmp_path / name
    write_idx(p, a)
    if name.endswith(".gz"):
        with gzip.open(p, "rb") as f:  # really gzip, really IDX inside
            assert f.read(4) == bytes([0, 0, 8, len(shape)])
    else:
        assert p.read_bytes()[:4] == bytes([0, 0, 8, len(shape)])
    b = read_idx(p)
    assert b.dtype == np.uint8
    assert b.shape == shape
    np.testing.assert_array_equal(a, b)


def _idx_bytes(a: np.ndarray) -> bytes:
    import struct

    return bytes([0, 0, 8, a.ndim]) + struct.pack(">" + "I" * a.ndim, *a.shape) + a.tobytes()


GOOD = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)

CORRUPT = {
    "empty": b"",
    "bad-magic": b"\x01\x00" + _idx_bytes(GOOD)[2:],
    "bad-type": b"\x00\x00\x0d" + _idx_bytes(GOOD)[3:],  # 0x0D = float32: not supported
    "truncated-header": _idx_bytes(GOOD)[:9],
    "truncated-data": _idx_bytes(GOOD)[:-1],
    "extra-data": _idx_bytes(GOOD) + b"\x00",
    "zero-dims": b"\x00\x00\x08\x00",
}


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("kind", list(CORRUPT))
def test_corrupt_idx_raises_idxerror(tmp_path, kind, gz):
    p = tmp_path / ("f.gz" if gz else "f")
    data = CORRUPT[kind]
    p.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(IDXError) as e:
        read_idx(p)
    assert str(p) in str(e.value)


def test_truncated_gzip_raises_idxerror(tmp_path):
    p = tmp_path / "f.gz"
    p.write_bytes(gzip.compress(_idx_bytes(np.arange(5000, dtype=np.uint32).astype(np.uint8)))[:-20])
    with pytest.raises(IDXError):
        read_idx(p)


def test_damaged_gzip_stream_raises_idxerror(tmp_path):
    # bit flips in the middle of the deflate stream: zlib.error, which is not an OSError
    p = tmp_path / "f.gz"
    rng = np.random.default_rng(1)
    raw = gzip.compress(_idx_bytes(rng.integers(0, 256, (50, 28, 28), dtype=np.uint8)))
    b = bytearray(raw)
    for i in range(20, len(b) - 10):
        b[i] ^= 0xFF
    p.write_bytes(bytes(b))
    with pytest.raises(IDXError):
        read_idx(p)


def test_missing_idx_file_raises_idxerror(tmp_path):
    with pytest.raises(IDXError):
        read_idx(tmp_path / "nope")


# ---------------------------------------------------------------------------- Fashion-MNIST
def write_fmnist(folder: Path, n: int, gz: bool = False, labels: int | None = None) -> None:
    """n 28x28 images: image i is a ramp 0..255 plus a constant, so values span the full range."""
    folder.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    img = np.zeros((n, 28, 28), dtype=np.uint8)
    img[:, 0, 0] = 0
    img[:, -1, -1] = 255
    img[:, 5:20, 5:20] = (np.arange(n) * 5 % 256)[:, None, None]
    write_idx(folder / (fm.IMAGES + ext), img)
    write_idx(folder / (fm.LABELS + ext), (np.arange(labels if labels is not None else n) % 10).astype(np.uint8))


def load(data_dir, debian_dir):
    return fm.load_fashion_mnist(str(data_dir), debian_dir=Path(debian_dir), download=False)


def check_images(ds, n):
    assert ds.x.shape == (n, 1, 28, 28)
    assert ds.x.dtype == torch.float32
    assert ds.x.min().item() == -1.0 and ds.x.max().item() == 1.0
    assert ds.y.shape == (n,) and ds.y.dtype == torch.int64
    assert ds.kind == "image"
    assert len(ds.class_names) == 10


# (sub-folder of the data dir, count): a distinct count per place shows which copy was read
PLACES = [("", 50), ("fashion-mnist", 41), ("FashionMNIST/raw", 32)]


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("sub,n", PLACES, ids=["data_dir", "fashion-mnist", "FashionMNIST-raw"])
def test_fmnist_found_in_each_data_dir_place(tmp_path, sub, n, gz):
    write_fmnist(tmp_path / "d" / sub, n, gz=gz)
    ds = load(tmp_path / "d", tmp_path / "no-debian")
    check_images(ds, n)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_fmnist_found_in_debian_dir(tmp_path, gz):
    write_fmnist(tmp_path / "debian", 23, gz=gz)
    ds = load(tmp_path / "empty", tmp_path / "debian")
    check_images(ds, 23)


def test_fmnist_search_order(tmp_path):
    d, deb = tmp_path / "d", tmp_path / "debian"
    write_fmnist(deb, 23)
    assert len(load(d, deb).x) == 23
    write_fmnist(d / "FashionMNIST" / "raw", 32)
    assert len(load(d, deb).x) == 32  # data dir before the Debian package
    write_fmnist(d / "fashion-mnist", 41)
    assert len(load(d, deb).x) == 41
    write_fmnist(d, 50, gz=True)
    assert len(load(d, deb).x) == 50
    write_fmnist(d, 51)
    assert len(load(d, deb).x) == 51  # raw before .gz in the same place


def test_fmnist_gan_data_dir_used_for_the_default(tmp_path, monkeypatch):
    write_fmnist(tmp_path / "envdata", 17)
    write_fmnist(tmp_path / "explicit", 19)
    monkeypatch.setenv("GAN_DATA_DIR", str(tmp_path / "envdata"))
    assert len(load("data", tmp_path / "no-debian").x) == 17
    assert len(load(tmp_path / "explicit", tmp_path / "no-debian").x) == 19  # an explicit dir wins
    monkeypatch.delenv("GAN_DATA_DIR")
    with pytest.raises(DataError):
        load("data", tmp_path / "no-debian")  # ./data does not exist in the test's cwd


def test_fmnist_missing_everywhere_says_where_it_looked(tmp_path):
    d, deb = tmp_path / "nothing-here", tmp_path / "no-debian"
    with pytest.raises(DataError) as e:
        load(d, deb)
    msg = str(e.value)
    assert str(d) in msg  # (1) the data directory
    assert str(deb) in msg  # (2) the Debian package path
    assert "download" in msg.lower()  # (3) the torchvision download
    assert "dataset-fashion-mnist" in msg  # and how to fix it


def test_fmnist_mismatched_files_are_refused(tmp_path):
    write_fmnist(tmp_path / "d", 12, labels=11)
    with pytest.raises(DataError, match="do not match"):
        load(tmp_path / "d", tmp_path / "no-debian")


def test_fmnist_damaged_file_is_reported(tmp_path):
    write_fmnist(tmp_path / "d", 12)
    p = tmp_path / "d" / fm.IMAGES
    p.write_bytes(p.read_bytes()[:-100])
    with pytest.raises(DataError, match="damaged"):
        load(tmp_path / "d", tmp_path / "no-debian")


@pytest.mark.skipif(not (REAL_FMNIST / (fm.IMAGES + ".gz")).is_file() and not (REAL_FMNIST / fm.IMAGES).is_file(),
                    reason="the real Fashion-MNIST files are not installed (apt-get install dataset-fashion-mnist)")
def test_real_fashion_mnist_from_the_debian_package(tmp_path):
    ds = load(tmp_path / "empty", REAL_FMNIST)
    assert ds.x.shape == (60000, 1, 28, 28)
    assert -1.0 <= ds.x.min().item() and ds.x.max().item() <= 1.0
    assert ds.x.min().item() == -1.0  # black background exists
    assert sorted(ds.y.unique().tolist()) == list(range(10))
    assert torch.bincount(ds.y).tolist() == [6000] * 10  # the training set is balanced
    assert str(REAL_FMNIST) in ds.source


# ---------------------------------------------------------------------------- ring8 and digits
def test_ring8_means_follow_pacgan():
    mu = ring8_means()
    assert mu.shape == (8, 2)
    for k in range(8):
        a = 2 * math.pi * k / 8
        assert mu[k, 0].item() == pytest.approx(math.cos(a), abs=1e-6)
        assert mu[k, 1].item() == pytest.approx(math.sin(a), abs=1e-6)
    assert torch.linalg.norm(mu, dim=1).tolist() == pytest.approx([1.0] * 8, abs=1e-6)


def test_ring8_samples_have_std_001_around_uniform_modes():
    n = 40_000
    x, k = sample_ring8(n, seed=5)
    assert x.shape == (n, 2) and k.shape == (n,)
    mu = ring8_means()
    nearest = torch.cdist(x, mu).argmin(1)
    assert torch.equal(nearest, k)  # modes 0.77 apart, std 0.01: every point is nearest its own mode
    resid = x - mu[k]
    # sample std of 2n values: relative standard error ~ 1/sqrt(4n) = 0.25%; 5% is generous
    assert resid.std().item() == pytest.approx(RING8_STD, rel=0.05)
    assert resid.mean(0).abs().max().item() < 1e-3
    freq = torch.bincount(k, minlength=8).float() / n
    assert freq.min().item() > 0.11 and freq.max().item() < 0.14  # 1/8 = 0.125, se 0.0017
    x2, _ = sample_ring8(n, seed=5)
    assert torch.equal(x, x2)  # seeded


def _load_registered(name: str):
    from gan_core.data import load_dataset

    return load_dataset(name, "data")


def test_ring8_dataset():
    ds = _load_registered("ring8")
    assert ds.kind == "points"
    assert ds.x.shape[1:] == (2,) and ds.x.shape[0] >= 10_000
    r = torch.linalg.norm(ds.x, dim=1)
    assert (r - 1).abs().max().item() < 0.1


def test_digits_dataset():
    ds = _load_registered("digits")
    assert ds.x.shape == (1797, 1, 8, 8)
    assert ds.x.dtype == torch.float32
    assert ds.x.min().item() == -1.0 and ds.x.max().item() == 1.0
    assert ds.kind == "image"
    assert sorted(ds.y.unique().tolist()) == list(range(10))


def _imported_modules(path: Path) -> set[str]:
    """Every gan_core module a file imports, at module level or inside functions (ast, not runtime)."""
    import ast

    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return {m for m in out if m.startswith("gan_core")}


def test_no_data_module_imports_its_package():
    """The sources and the pipeline import `gan_core.data._registry`, never the package `__init__`
    (which imports them all): no import cycle inside gan_core/data (issue 16)."""
    folder = Path(__file__).resolve().parent.parent / "gan_core" / "data"
    offenders = {p.name: sorted(m for m in _imported_modules(p) if m == "gan_core.data")
                 for p in folder.glob("*.py") if p.name != "__init__.py"}
    assert not {k: v for k, v in offenders.items() if v}
    assert "gan_core.data" not in _imported_modules(folder / "_registry.py")
