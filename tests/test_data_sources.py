"""Every dataset source, on small files written here in the real formats (IDX raw and gzip,
CIFAR-10 pickle batches, PNG/JPEG folders and zips, CSV), every bad input the sources refuse,
and the shapes and value ranges that preprocessing gives."""

from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan_core import data as D
from gan_core.checks import config_from_dict, validate_config
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import DataError, DataOptions, images, prepare
from gan_core.data.idx import write_idx
from gan_core.data.toy2d import MIXTURES

REAL_FMNIST = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A data root (tmp/data) that is also the data directory; downloads off; caches empty."""
    r = tmp_path / "data"
    r.mkdir()
    monkeypatch.setenv("GAN_DATA_ROOT", str(r))
    monkeypatch.setenv("GAN_DATA_DOWNLOAD", "0")
    monkeypatch.delenv("GAN_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    D.clear_caches()
    yield r
    D.clear_caches()


def opts(dataset: str, **kw) -> DataOptions:
    return DataOptions(dataset=dataset, data_dir=kw.pop("data_dir", "data"), **kw)


def png_bytes(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def rgb(w: int, h: int, colour=(200, 30, 30)) -> Image.Image:
    return Image.new("RGB", (w, h), colour)


# ---------------------------------------------------------------------------- 2-D points
@pytest.mark.parametrize("name", ["ring8", "grid25", "spiral", "moons", "swiss-roll", "gaussian"])
def test_toy_sources(root, name):
    ds = D.prepare_dataset(opts(name))
    assert ds.kind == "points" and ds.x.shape == (100_000, 2) and ds.x.dtype == torch.float32
    assert torch.isfinite(ds.x).all()
    assert ds.extent is not None and float(ds.x.abs().max()) <= ds.extent * 1.3
    assert D.sample_shape(opts(name)) == (2,)


def test_grid25_is_the_pacgan_grid(root):
    means = MIXTURES["grid25"].means
    assert sorted({tuple(m) for m in means.tolist()}) == [(float(x), float(y)) for x in (-4, -2, 0, 2, 4)
                                                           for y in (-4, -2, 0, 2, 4)]
    assert MIXTURES["grid25"].std == 0.05
    ds = D.prepare_dataset(opts("grid25"))
    resid = ds.x - means[ds.y]
    assert abs(float(resid.std()) - 0.05) < 0.002
    assert torch.bincount(ds.y).min() > 3500  # all 25 modes present


def test_ring8_unchanged(root):
    from gan_core.data.toy2d import RING8_STD, ring8_means, sample_ring8

    assert MIXTURES["ring8"].std == RING8_STD == 0.01
    ds = D.prepare_dataset(opts("ring8"))
    x, k = sample_ring8(100_000, seed=1234)
    assert torch.equal(ds.x, x) and torch.equal(ds.y, k)
    assert torch.allclose(ring8_means().norm(dim=1), torch.ones(8))
    assert ds.extent == 1.6


def test_image_options_are_ignored_for_points(root):
    assert D.sample_shape(opts("ring8", resolution=64, channels=3, hflip=True)) == (2,)
    assert D.dataset_size(opts("ring8", hflip=True)) == 100_000


# ---------------------------------------------------------------------------- CSV
def test_csv_points(root):
    (root / "pts.csv").write_text("x,y\n0.5,1\n-2,3e-1\n\n# comment\n4;5\n".replace("4;5", "4,5"))
    ds = D.prepare_dataset(opts("csv:pts.csv"))
    assert ds.x.tolist() == [[0.5, 1.0], [-2.0, 0.3], [4.0, 5.0]] or torch.allclose(
        ds.x, torch.tensor([[0.5, 1.0], [-2.0, 0.3], [4.0, 5.0]]))
    assert ds.y is None and ds.extent > 5


@pytest.mark.parametrize("text", ["1;2\n3;4\n", "1\t2\n3\t4\n", "\ufeffa,b\n1,2\n3,4\n"])
def test_csv_separators_and_bom(root, text):
    (root / "p.csv").write_text(text, encoding="utf-8")
    assert D.prepare_dataset(opts("csv:p.csv")).x.tolist() == [[1, 2], [3, 4]]


def test_csv_path_in_working_directory_inside_root(root):
    (root / "p.csv").write_text("1,2\n")
    assert len(D.prepare_dataset(opts("csv:data/p.csv")).x) == 1  # cwd-relative, still inside the root


@pytest.mark.parametrize("text,expect", [
    ("1,2\n3\n", "line 2: 1 column"),  # missing column
    ("1,2,3\n", "3 columns"),
    ("1,2\n3,abc\n", "line 2, column 2: 'abc' is not a number"),
    ("1,2\n3,\n", "empty cell"),
    ("1,2\nnan,4\n", "finite"),
    ("1,2\n3,inf\n", "finite"),
    ("x,y\n", "no points"),
    ("", "no data"),
    ("x\n1\n", "column"),
])
def test_csv_bad_content_refused(root, text, expect):
    (root / "bad.csv").write_text(text)
    with pytest.raises(DataError) as e:
        D.prepare_dataset(opts("csv:bad.csv"))
    assert expect in str(e.value) and ("allowed" in str(e.value) or "finite" in str(e.value))


def test_csv_binary_refused(root):
    (root / "bin.csv").write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(DataError, match="UTF-8"):
        D.prepare_dataset(opts("csv:bin.csv"))


def test_batch_size_checked_when_loaded(root):
    (root / "few.csv").write_text("1,2\n3,4\n5,6\n")
    cfg = validate_config(TrainConfig(dataset="csv:few.csv", batch_size=64))  # the size is unknown before reading
    with pytest.raises(DataError, match="batch_size 64 is larger than the dataset .3 samples"):
        D.prepare_dataset(cfg)
    assert len(D.prepare_dataset(cfg.replace(batch_size=3)).x) == 3


# ---------------------------------------------------------------------------- paths and the data root
def test_paths_outside_the_root_refused(root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.png").write_bytes(png_bytes(rgb(4, 4)))
    (outside / "p.csv").write_text("1,2\n")
    for name in ("folder:../outside", f"folder:{outside}", "csv:../outside/p.csv", "folder:/etc"):
        with pytest.raises(DataError, match="outside the data root"):
            D.prepare_dataset(opts(name))
    (root / "link").symlink_to(outside)  # a link inside the root that leads out
    with pytest.raises(DataError, match="outside the data root"):
        D.check_source(opts("folder:link"))


def test_missing_paths_and_wrong_kinds(root):
    with pytest.raises(DataError, match="not found"):
        D.check_source(opts("folder:nope"))
    (root / "f.csv").write_text("1,2\n")
    with pytest.raises(DataError, match="not a folder"):
        D.check_source(opts("folder:f.csv"))
    (root / "d").mkdir()
    with pytest.raises(DataError, match="is a directory"):
        D.check_source(opts("zip:d"))


@pytest.mark.parametrize("name,field", [("csv", "dataset"), ("ring8:x", "dataset"), ("nope", "dataset")])
def test_bad_names_refused_by_config(name, field):
    with pytest.raises(ConfigError) as e:
        validate_config(TrainConfig(dataset=name))
    assert e.value.field == field and ("allowed" in str(e.value) or "needs a path" in str(e.value))


@pytest.mark.parametrize("change,field", [(dict(resolution=16), "resolution"), (dict(channels=2), "channels"),
                                          (dict(fit="stretch"), "fit"), (dict(hflip=1), "hflip")])
def test_bad_preprocessing_refused_by_config(change, field):
    with pytest.raises(ConfigError) as e:
        validate_config(TrainConfig(dataset="digits", **change))
    assert e.value.field == field


def test_config_defaults_keep_native_data():
    cfg = TrainConfig()
    assert (cfg.resolution, cfg.channels, cfg.fit, cfg.hflip) == (0, 0, "crop", False)
    assert config_from_dict({"dataset": "digits"}).resolution == 0
    assert D.sample_shape(TrainConfig(dataset="digits")) == (1, 8, 8)
    assert D.sample_shape(TrainConfig(dataset="fashion-mnist")) == (1, 28, 28)
    assert D.sample_shape(TrainConfig(dataset="cifar10", channels=1, resolution=64)) == (1, 64, 64)
    assert D.sample_shape(TrainConfig(dataset="zip:x.zip")) == (3, 64, 64)
    with pytest.raises(ConfigError, match="1797"):  # hflip doubles the bound
        validate_config(TrainConfig(dataset="digits", batch_size=2000))
    validate_config(TrainConfig(dataset="digits", batch_size=2000, hflip=True))


# ---------------------------------------------------------------------------- digits and preprocessing
def test_digits_native_is_unchanged(root):
    from sklearn.datasets import load_digits

    ds = D.prepare_dataset(opts("digits"))
    ref = torch.tensor(load_digits().images, dtype=torch.float32).unsqueeze(1) / 8.0 - 1.0
    assert torch.equal(ds.x, ref) and ds.shape == (1, 8, 8) and len(ds.class_names) == 10


@pytest.mark.parametrize("res", [28, 32, 64])
@pytest.mark.parametrize("ch", [1, 3])
def test_digits_upsampled(root, res, ch):
    ds = D.prepare_dataset(opts("digits", resolution=res, channels=ch))
    assert ds.x.shape == (1797, ch, res, res) and ds.x.dtype == torch.float32
    assert float(ds.x.min()) >= -1.0 and float(ds.x.max()) <= 1.0
    assert float(ds.x.min()) == -1.0 and float(ds.x.max()) > 0.9
    if ch == 3:
        assert torch.equal(ds.x[:, 0], ds.x[:, 2])  # gray repeated


def test_hflip_appends_mirrors(root):
    ds = D.prepare_dataset(opts("digits", hflip=True))
    assert len(ds.x) == 2 * 1797 and torch.equal(ds.x[1797:], ds.x[:1797].flip(-1))
    assert torch.equal(ds.y[1797:], ds.y[:1797])
    assert D.dataset_size(opts("digits", hflip=True)) == 3594


def test_memory_refused_with_the_figure(root, monkeypatch):
    monkeypatch.setattr(prepare, "available_bytes", lambda device="cpu": 10 * 2**20)
    with pytest.raises(DataError) as e:
        D.prepare_dataset(opts("digits", resolution=64, channels=3))  # 1797 * 3 * 64 * 64 * 4 = 84 MiB
    msg = str(e.value)
    assert "84.2 MiB" in msg and "10.0 MiB" in msg and "lower resolution" in msg
    pv = D.preview(opts("digits", resolution=64, channels=3))  # the page shows the figure, it does not fail
    assert pv.memory_error and "84.2 MiB" in pv.memory_error and pv.nbytes == 1797 * 3 * 64 * 64 * 4


def test_available_bytes_cpu_is_known():
    assert D.available_bytes("cpu") > 0


def test_preview_counts_and_range(root):
    pv = D.preview(opts("digits", hflip=True), n_images=16)
    assert pv.n == 3594 and pv.shape == (1, 8, 8) and pv.samples.shape == (16, 1, 8, 8)
    assert sum(pv.counts) == 3594 and len(pv.counts) == 10
    assert -1.0 <= pv.value_min < pv.value_max <= 1.0
    pts = D.preview(opts("grid25"), n_points=500)
    assert pts.samples.shape == (500, 2) and len(pts.counts) == 25 and pts.extent > 4


# ---------------------------------------------------------------------------- MNIST family (IDX)
def write_mnist(folder: Path, n: int, gz: bool, side: int = 28, seed: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ext = ".gz" if gz else ""
    imgs = rng.integers(0, 256, (n, side, side), dtype=np.uint8)
    imgs[0] = 0
    imgs[1] = 255
    write_idx(folder / f"train-images-idx3-ubyte{ext}", imgs)
    write_idx(folder / f"train-labels-idx1-ubyte{ext}", np.arange(n, dtype=np.uint8) % 10)


@pytest.mark.parametrize("name,sub", [("mnist", "mnist"), ("mnist", "MNIST/raw"), ("kmnist", "kmnist"),
                                      ("kmnist", "KMNIST/raw"), ("fashion-mnist", "fashion-mnist"),
                                      ("fashion-mnist", "FashionMNIST/raw")])
@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
def test_mnist_family_from_idx(root, name, sub, gz):
    write_mnist(root / sub, 12, gz)  # the data directory comes before Fashion-MNIST's Debian path
    ds = D.prepare_dataset(opts(name))
    assert ds.x.shape == (12, 1, 28, 28) and ds.y.tolist() == [i % 10 for i in range(12)]
    assert float(ds.x[0].max()) == -1.0 and float(ds.x[1].min()) == 1.0
    assert len(ds.class_names) == 10
    ds32 = D.prepare_dataset(opts(name, resolution=32, channels=3, hflip=True))
    assert ds32.x.shape == (24, 3, 32, 32) and -1 <= float(ds32.x.min()) and float(ds32.x.max()) <= 1


def test_mnist_missing_says_where_to_put_files(root):
    with pytest.raises(DataError) as e:
        D.prepare_dataset(opts("kmnist"))
    msg = str(e.value)
    assert "train-images-idx3-ubyte" in msg and str(root / "kmnist") in msg and str(root / "KMNIST" / "raw") in msg


def test_mnist_wrong_size_and_damaged_refused(root):
    write_mnist(root / "mnist", 4, False, side=20)
    with pytest.raises(DataError, match="20x20 images; allowed: 28x28"):
        D.prepare_dataset(opts("mnist"))
    D.clear_caches()
    write_mnist(root / "mnist", 4, False)
    p = root / "mnist" / "train-images-idx3-ubyte"
    p.write_bytes(p.read_bytes()[:-5])
    with pytest.raises(DataError, match="damaged"):
        D.prepare_dataset(opts("mnist"))


# ---------------------------------------------------------------------------- CIFAR-10
def write_cifar(folder: Path, per_batch: int = 4, protocol: int = 2) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(1, 6):
        batch = {b"batch_label": f"training batch {i} of 5".encode(),
                 b"labels": [int(v) for v in rng.integers(0, 10, per_batch)],
                 b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 b"filenames": [f"img{j}.png".encode() for j in range(per_batch)]}
        if i == 1:
            batch[b"data"][0] = 0
            batch[b"data"][0, :1024] = 255  # image 0: pure red
        (folder / f"data_batch_{i}").write_bytes(pickle.dumps(batch, protocol=protocol))


@pytest.mark.parametrize("protocol", [2, 4])
def test_cifar10_batches(root, protocol):
    write_cifar(root / "cifar-10-batches-py", protocol=protocol)
    ds = D.prepare_dataset(opts("cifar10"))
    assert ds.x.shape == (20, 3, 32, 32) and ds.y.shape == (20,) and ds.class_names[0] == "airplane"
    assert ds.x[0, 0].eq(1).all() and ds.x[0, 1:].eq(-1).all()  # channel order R, G, B
    g = D.prepare_dataset(opts("cifar10", channels=1, resolution=28))
    assert g.x.shape == (20, 1, 28, 28)
    assert abs(float(g.x[0].mean()) - (0.299 * 2 - 1)) < 1e-3  # luma of pure red


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


def test_cifar10_refuses_foreign_pickles(root):
    folder = root / "cifar-10-batches-py"
    write_cifar(folder)
    (folder / "data_batch_3").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2))
    with pytest.raises(DataError, match="not allowed"):
        D.prepare_dataset(opts("cifar10"))
    assert not Path("pwned.txt").exists() and not (root / "pwned.txt").exists()


@pytest.mark.parametrize("bad,expect", [
    ({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, "shape .N, 3072."),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 11]}, "integers from 0 to 9"),
    ([1, 2, 3], "is a dict"),
])
def test_cifar10_bad_batches(root, bad, expect):
    folder = root / "cifar-10-batches-py"
    write_cifar(folder)
    (folder / "data_batch_2").write_bytes(pickle.dumps(bad, protocol=2))
    with pytest.raises(DataError, match=expect):
        D.prepare_dataset(opts("cifar10"))


def test_cifar10_missing_and_incomplete(root):
    with pytest.raises(DataError, match="data_batch_1 ... data_batch_5") as e:
        D.prepare_dataset(opts("cifar10"))
    assert str(root / "cifar-10-batches-py") in str(e.value)
    write_cifar(root / "cifar-10-batches-py")
    (root / "cifar-10-batches-py" / "data_batch_4").unlink()
    with pytest.raises(DataError, match="data_batch_4 missing"):
        D.prepare_dataset(opts("cifar10"))


# ---------------------------------------------------------------------------- folders of images
def make_class_folder(base: Path) -> None:
    (base / "cats").mkdir(parents=True)
    (base / "dogs").mkdir()
    (base / "cats" / "a.png").write_bytes(png_bytes(rgb(40, 20, (255, 0, 0))))
    (base / "cats" / "b.JPG").write_bytes(png_bytes(rgb(16, 16, (0, 255, 0)), "JPEG", quality=95))
    (base / "dogs" / "c.jpeg").write_bytes(png_bytes(rgb(20, 40, (0, 0, 255)), "JPEG"))
    (base / "dogs" / "notes.txt").write_text("not an image")
    (base / ".DS_Store").write_bytes(b"\0\0")


def test_folder_with_classes(root):
    make_class_folder(root / "pets")
    ds = D.prepare_dataset(opts("folder:pets", resolution=32))
    assert ds.x.shape == (3, 3, 32, 32) and ds.class_names == ("cats", "dogs") and ds.y.tolist() == [0, 0, 1]
    assert -1.0 <= float(ds.x.min()) and float(ds.x.max()) <= 1.0
    assert any("2 files that are not PNG/JPEG" in n for n in ds.notes)
    assert D.prepare_dataset(opts("folder:pets")).shape == (3, 64, 64)  # native for own images
    gray = D.prepare_dataset(opts("folder:pets", channels=1, resolution=28))
    assert gray.shape == (1, 28, 28)


def test_folder_without_classes_and_top_level_skips(root):
    f = root / "flat"
    f.mkdir()
    for i in range(3):
        (f / f"{i}.png").write_bytes(png_bytes(rgb(8, 8)))
    ds = D.prepare_dataset(opts("folder:flat", resolution=28))
    assert ds.y is None and ds.class_names == () and ds.x.shape == (3, 3, 28, 28)
    (f / "sub").mkdir()
    (f / "sub" / "x.png").write_bytes(png_bytes(rgb(8, 8)))
    D.clear_caches()
    ds = D.prepare_dataset(opts("folder:flat", resolution=28))
    assert len(ds.x) == 1 and any("3 images at the top level were skipped" in n for n in ds.notes)


def test_fit_crop_and_pad(root):
    f = root / "wide"
    f.mkdir()
    im = Image.new("RGB", (64, 32), (255, 255, 255))
    im.paste((255, 0, 0), (0, 0, 16, 32))  # a red band on the left quarter
    (f / "w.png").write_bytes(png_bytes(im))
    crop = D.prepare_dataset(opts("folder:wide", resolution=32, fit="crop")).x[0]
    pad = D.prepare_dataset(opts("folder:wide", resolution=32, fit="pad")).x[0]
    assert crop.eq(1).all()  # the centre 32x32 of the white/red image is white
    assert pad[:, :7].eq(-1).all() and pad[:, -7:].eq(-1).all()  # black bars top and bottom
    assert pad[:, 16, 30].eq(1).all() and pad[0, 16, 2] > 0.9 and pad[1, 16, 2] < -0.9  # image kept whole


def test_empty_folder_refused(root):
    (root / "empty").mkdir()
    (root / "empty" / "readme.md").write_text("hi")
    with pytest.raises(DataError, match="no PNG or JPEG images found .1 other files skipped.; allowed"):
        D.prepare_dataset(opts("folder:empty"))


def test_mixed_modes_converted(root):
    f = root / "modes"
    f.mkdir()
    Image.new("L", (8, 8), 128).save(f / "l.png")
    Image.new("1", (8, 8), 1).save(f / "one.png")
    p = Image.new("P", (8, 8), 3)
    p.putpalette([0, 0, 0] * 3 + [255, 0, 0] + [0, 0, 0] * 252)
    p.save(f / "p.png")
    Image.new("RGBA", (8, 8), (255, 255, 255, 0)).save(f / "rgba.png")  # transparent -> black
    Image.new("LA", (8, 8), (255, 255)).save(f / "la.png")
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(f / "cmyk.jpg")
    Image.fromarray(np.full((8, 8), 65535, np.uint16)).save(f / "i16.png")
    ds = D.prepare_dataset(opts("folder:modes", resolution=28))
    by = dict(zip(sorted(["l", "one", "p", "rgba", "la", "cmyk", "i16"]), ds.x))
    assert ds.x.shape == (7, 3, 28, 28)
    assert abs(float(by["l"].mean()) - (128 / 127.5 - 1)) < 1e-5
    assert by["one"].eq(1).all() and by["la"].eq(1).all() and by["i16"].eq(1).all()
    assert by["rgba"].eq(-1).all()
    assert float(by["p"][0].mean()) == 1.0 and float(by["p"][1].mean()) == -1.0
    assert float(by["cmyk"][0].mean()) > 0.9 and float(by["cmyk"][1].mean()) < -0.9  # red


def test_truncated_and_corrupt_images_refused(root):
    f = root / "broken"
    f.mkdir()
    (f / "ok.png").write_bytes(png_bytes(rgb(30, 30)))
    good = png_bytes(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)))
    (f / "trunc.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="trunc.png: truncated or corrupt image") as e:
        D.prepare_dataset(opts("folder:broken"))
    assert "allowed: complete PNG or JPEG" in str(e.value)
    (f / "trunc.png").unlink()
    (f / "fake.jpg").write_bytes(b"GIF89a not really")
    with pytest.raises(DataError, match="fake.jpg: not a PNG or JPEG image"):
        D.prepare_dataset(opts("folder:broken"))
    (f / "fake.jpg").write_bytes(png_bytes(rgb(4, 4), "GIF"))  # a real GIF named .jpg
    with pytest.raises(DataError, match="not a PNG or JPEG"):
        D.prepare_dataset(opts("folder:broken"))


def _png_header_only(w: int, h: int) -> bytes:
    """A PNG whose header claims w x h pixels: a decompression bomb's shape, without the bomb."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_decompression_bomb_refused(root):
    f = root / "bomb"
    f.mkdir()
    (f / "huge.png").write_bytes(_png_header_only(100_000, 100_000))
    with pytest.raises(DataError, match=r"huge.png: .*10000000000 pixels.*allowed: images up to 16,777,216 pixels"):
        D.prepare_dataset(opts("folder:bomb"))


def test_pixel_limit_is_a_setting(root, monkeypatch):
    f = root / "big"
    f.mkdir()
    (f / "a.png").write_bytes(png_bytes(rgb(20, 20)))
    monkeypatch.setattr(images, "MAX_PIXELS", 399)
    with pytest.raises(DataError, match="400 pixels, over the limit of 399"):
        D.prepare_dataset(opts("folder:big"))


def test_folder_file_count_limit(root, monkeypatch):
    f = root / "many"
    f.mkdir()
    for i in range(4):
        (f / f"{i}.png").write_bytes(png_bytes(rgb(4, 4)))
    monkeypatch.setattr(images, "MAX_FILES", 3)
    with pytest.raises(DataError, match="more than 3 images"):
        D.prepare_dataset(opts("folder:many"))


def test_folder_symlink_out_of_root_skipped(root, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes(rgb(4, 4)))
    f = root / "links"
    f.mkdir()
    (f / "ok.png").write_bytes(png_bytes(rgb(4, 4)))
    (f / "leak.png").symlink_to(secret)
    ds = D.prepare_dataset(opts("folder:links", resolution=28))
    assert len(ds.x) == 1 and any("outside the data root" in n for n in ds.notes)


# ---------------------------------------------------------------------------- zip archives
def make_zip(path: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)


def test_zip_with_classes_and_wrapper_folder(root):
    make_zip(root / "pets.zip", {
        "pets/cats/1.png": png_bytes(rgb(10, 10)), "pets/cats/2.jpg": png_bytes(rgb(10, 12), "JPEG"),
        "pets/dogs/3.png": png_bytes(rgb(12, 10)), "pets/readme.txt": b"hello",
        "__MACOSX/pets/._1.png": b"junk"})
    ds = D.prepare_dataset(opts("zip:pets.zip", resolution=32))
    assert ds.x.shape == (3, 3, 32, 32) and ds.class_names == ("cats", "dogs") and ds.y.tolist() == [0, 0, 1]
    assert any("2 files that are not PNG/JPEG images were skipped" in n for n in ds.notes)


def test_zip_flat(root):
    make_zip(root / "flat.zip", {f"{i}.png": png_bytes(rgb(8, 8)) for i in range(5)})
    ds = D.prepare_dataset(opts("zip:flat.zip", channels=1))
    assert ds.x.shape == (5, 1, 64, 64) and ds.y is None


@pytest.mark.parametrize("name,expect", [("/abs/x.png", "absolute path"), ("../x.png", "'..'"),
                                         ("a/../../x.png", "'..'"), ("C:/x.png", "absolute path")])
def test_zip_bad_entry_paths_refused(root, name, expect):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("ok.png", png_bytes(rgb(4, 4)))
        z.writestr(zipfile.ZipInfo(name), png_bytes(rgb(4, 4)))
    (root / "evil.zip").write_bytes(buf.getvalue())
    with pytest.raises(DataError, match=expect) as e:
        D.prepare_dataset(opts("zip:evil.zip"))
    assert "allowed" in str(e.value)


def test_zip_bomb_limits(root, monkeypatch):
    make_zip(root / "b.zip", {"big.png": png_bytes(rgb(4, 4)) + b"\0" * 5_000_000, "x.png": png_bytes(rgb(4, 4))})
    assert (root / "b.zip").stat().st_size < 100_000  # small on disk, 5 MB unpacked
    monkeypatch.setattr(images, "MAX_TOTAL_BYTES", 1_000_000)
    with pytest.raises(DataError, match="unpacks to 5,000,... bytes, over the limit of 1,000,000"):
        D.prepare_dataset(opts("zip:b.zip"))
    monkeypatch.setattr(images, "MAX_TOTAL_BYTES", 2**30)
    monkeypatch.setattr(images, "MAX_FILES", 1)
    with pytest.raises(DataError, match="2 files in the archive; allowed: at most 1"):
        D.prepare_dataset(opts("zip:b.zip"))


def test_zip_entry_lying_about_its_size_refused(root):
    data = png_bytes(rgb(4, 4)) + b"\0" * 1000
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.png", data)
    raw = bytearray(buf.getvalue())
    # shrink the declared size in the central directory (a bomb's trick): offset 24 of the entry
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24:cd + 28] = struct.pack("<I", 10)
    (root / "liar.zip").write_bytes(bytes(raw))
    with pytest.raises(DataError, match="liar.zip"):
        D.prepare_dataset(opts("zip:liar.zip"))


def test_zip_corrupt_and_not_a_zip(root):
    (root / "no.zip").write_bytes(b"this is not a zip")
    with pytest.raises(DataError, match="not a readable zip archive"):
        D.prepare_dataset(opts("zip:no.zip"))
    good = png_bytes(Image.fromarray(np.random.default_rng(1).integers(0, 255, (32, 32, 3), dtype=np.uint8)))
    make_zip(root / "t.zip", {"a.png": good[:-40]})
    with pytest.raises(DataError, match="a.png: truncated or corrupt image"):
        D.prepare_dataset(opts("zip:t.zip"))


def test_zip_with_only_other_files_refused(root):
    make_zip(root / "docs.zip", {"a.txt": b"x", "b.pdf": b"%PDF"})
    with pytest.raises(DataError, match="no PNG or JPEG images found .2 other files skipped."):
        D.prepare_dataset(opts("zip:docs.zip"))


def test_cache_follows_file_changes(root):
    make_zip(root / "c.zip", {"1.png": png_bytes(rgb(8, 8))})
    assert len(D.prepare_dataset(opts("zip:c.zip")).x) == 1
    make_zip(root / "c.zip", {"1.png": png_bytes(rgb(8, 8)), "2.png": png_bytes(rgb(8, 8))})
    os.utime(root / "c.zip", ns=(1, 1))
    assert len(D.prepare_dataset(opts("zip:c.zip")).x) == 2


# ---------------------------------------------------------------------------- checkpoints and the CLI
def test_checkpoint_rebuilds_preprocessed_shape_without_data(root, tmp_path):
    from gan_core.checkpoint import load_models, save_checkpoint
    from gan_core.models import build_models

    cfg = TrainConfig(dataset="zip:gone.zip", arch="dcgan", resolution=32, channels=1, width=8, latent_dim=8)
    G, Dn = build_models("dcgan", shape=(1, 32, 32), latent_dim=8, width=8)
    save_checkpoint(tmp_path / "c.safetensors", G, Dn, cfg, {"step": 1})
    G2, _, cfg2, _ = load_models(tmp_path / "c.safetensors")  # the zip does not exist: not needed
    assert G2(torch.zeros(2, 8)).shape == (2, 1, 32, 32) and cfg2 == cfg


def test_cli_trains_on_a_csv(root, tmp_path):
    from gan_core.cli import main

    (root / "points.csv").write_text("x,y\n" + "".join(f"{i % 7},{i % 5}\n" for i in range(200)))
    rc = main(["train", "--dataset", "csv:points.csv", "--steps", "3", "--batch-size", "16", "--width", "8",
               "--out", str(tmp_path / "run"), "--device", "cpu", "--checkpoint-every-s", "1000"])
    assert rc == 0 and (tmp_path / "run" / "checkpoints" / "last.safetensors").is_file()
    assert main(["train", "--dataset", "folder:../x", "--out", str(tmp_path / "run2")]) == 2
    assert not (tmp_path / "run2").exists()


# ---------------------------------------------------------------------------- the real Fashion-MNIST
@pytest.mark.skipif(not (REAL_FMNIST / "train-images-idx3-ubyte.gz").is_file(),
                    reason="the real Fashion-MNIST files are not installed (apt-get install dataset-fashion-mnist)")
def test_real_fashion_mnist(root):
    ds = D.prepare_dataset(opts("fashion-mnist"))
    assert ds.x.shape == (60_000, 1, 28, 28) and float(ds.x.min()) == -1.0 and float(ds.x.max()) == 1.0
    assert torch.bincount(ds.y).tolist() == [6000] * 10
    pv = D.preview(opts("fashion-mnist", resolution=32, channels=3, hflip=True), n_images=8)
    assert pv.n == 120_000 and pv.shape == (3, 32, 32) and pv.nbytes == 120_000 * 3 * 32 * 32 * 4


# ---------------------------------------------------------------------------- the pages (AppTest)
def _page(path: str):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(Path(__file__).resolve().parents[1] / path), default_timeout=60)


def test_data_page_previews_and_refuses(root):
    at = _page("app_pages/data.py").run()
    assert not at.exception and len(at.get("plotly_chart")) == 2  # ring8: scatter + counts
    at.sidebar.selectbox(key="data_dataset").set_value("digits").run()
    at.sidebar.selectbox(key="data_resolution").set_value(32).run()
    assert not at.exception and len(at.get("image")) == 1
    assert [m.value for m in at.get("metric")][:3] == ["1,797", "1 x 32 x 32", "7.0 MiB"]
    make_class_folder(root / "pets")
    at.sidebar.selectbox(key="data_dataset").set_value("folder").run()
    at.sidebar.text_input(key="data_path_folder").input("pets").run()
    assert not at.exception and not at.error and len(at.get("image")) == 1
    assert any("not PNG/JPEG" in i.value for i in at.info)
    at.sidebar.text_input(key="data_path_folder").input("../..").run()
    assert not at.exception and "outside the data root" in at.error[0].value
    (root / "bad").mkdir()
    (root / "bad" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    at.sidebar.text_input(key="data_path_folder").input("bad").run()
    assert not at.exception and "x.png" in at.error[0].value


def test_train_form_uses_the_same_chooser(root):
    (root / "pts.csv").write_text("1,2\n3,4\n" * 100)
    at = _page("app_pages/train.py").run()
    at.sidebar.selectbox(key="cfg_dataset").set_value("csv").run()
    assert any("upload a CSV" in e.value or "needs a path" in e.value for e in at.error)
    at.sidebar.text_input(key="cfg_path_csv").input("pts.csv").run()
    assert not at.exception and not at.error
    at.sidebar.selectbox(key="cfg_dataset").set_value("digits").run()
    at.sidebar.selectbox(key="cfg_resolution").set_value(28).run()
    at.sidebar.selectbox(key="cfg_arch").set_value("dcgan").run()
    assert not at.exception and not at.error
    at.sidebar.selectbox(key="cfg_dataset").set_value("csv").run()  # the typed path was kept
    assert at.sidebar.text_input(key="cfg_path_csv").value == "pts.csv"


def test_uploads_are_saved_inside_the_root_by_content(root):
    from ui.data_form import _save_upload

    class Upload:
        def __init__(self, data: bytes):
            self.data = data

        def getvalue(self) -> bytes:
            return self.data

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a/1.png", png_bytes(rgb(8, 8)))
        z.writestr("b/2.png", png_bytes(rgb(8, 8)))
    rel = _save_upload(Upload(buf.getvalue()), "zip")
    assert rel.startswith("uploads/") and rel.endswith(".zip") and (root / rel).is_file()
    assert _save_upload(Upload(buf.getvalue()), "zip") == rel  # same content, same file
    ds = D.prepare_dataset(opts(f"zip:{rel}", resolution=28))
    assert ds.class_names == ("a", "b") and ds.x.shape == (2, 3, 28, 28)
