"""Checkpoints: one safetensors file (older ones: + JSON sidecar); reproducible sampling; bad files refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_core.checkpoint import CheckpointError, load_models, save_checkpoint
from gan_core.config import TrainConfig
from gan_core.data import Dataset
from gan_core.engine import Engine
from gan_core.run import TrainingRun
from gan_core.sampling import sample

pytestmark = pytest.mark.usefixtures("isolated")

TINY = {"dataset": "ring8", "arch": "mlp", "latent_dim": 2, "width": 16, "batch_size": 64, "steps": 20,
        "log_every": 5, "sample_every": 10, "n_fixed": 32, "device": "cpu", "seed": 4}


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A finished tiny run; returns its last checkpoint."""
    out = tmp_path_factory.mktemp("ckpt") / "run"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in conftest.isolated (module scope cannot use that fixture)
    try:
        run = TrainingRun(TrainConfig(**TINY), out)
        run.run()
    finally:
        torch.set_num_threads(threads)
    assert run.state == "finished", run.error
    return out / "checkpoints" / "last.safetensors"


def test_load_and_sample_is_reproducible(trained):
    G, D, cfg, meta = load_models(trained)
    assert cfg == TrainConfig(**TINY)
    assert meta["step"] == 20
    assert not G.training and not D.training
    a = sample(G, cfg.latent_dim, 300, seed=11)
    b = sample(G, cfg.latent_dim, 300, seed=11)
    assert a.dtype == np.float32 and a.shape == (300, 2)
    assert np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    G2, _, _, _ = load_models(trained)
    np.testing.assert_array_equal(a, sample(G2, cfg.latent_dim, 300, seed=11))
    c = sample(G, cfg.latent_dim, 300, seed=12)
    assert not np.array_equal(a, c)  # the seed matters


@pytest.mark.parametrize("arch,shape,dataset", [("mlp", (2,), "ring8"), ("dcgan", (1, 8, 8), "digits")])
def test_live_and_loaded_generator_sample_the_same(tmp_path, arch, shape, dataset):
    cfg = TrainConfig(dataset=dataset, arch=arch, latent_dim=8, width=8, batch_size=16, device="cpu", n_fixed=4)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(64, *shape, generator=g) * 2 - 1
    eng = Engine(cfg, Dataset(x=x, y=None, kind="image" if len(shape) == 3 else "points", source="synthetic"),
                 torch.device("cpu"))
    for _ in range(3):  # batch-norm running statistics move away from their initial values
        eng.train_step()
    path = tmp_path / "m.safetensors"
    save_checkpoint(path, eng.G, eng.D, cfg, {"step": eng.step})
    live = sample(eng.G, cfg.latent_dim, 50, seed=3)
    assert eng.G.training  # sample() restores the mode of a live generator
    G, D, cfg2, meta = load_models(path)
    assert cfg2 == cfg and meta == {"step": 3}
    loaded = sample(G, cfg.latent_dim, 50, seed=3)
    np.testing.assert_array_equal(live, loaded)
    if len(shape) == 3:
        assert loaded.shape == (50, *shape) and loaded.min() >= 0.0 and loaded.max() <= 1.0
    real = x[:10]
    eng.D.eval()
    with torch.no_grad():
        torch.testing.assert_close(D(real), eng.D(real), rtol=0, atol=0)


def test_pt_path_is_refused(trained, tmp_path):
    p = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(1)}, p)
    with pytest.raises(CheckpointError, match="safetensors"):
        load_models(p)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        load_models(tmp_path / "nope.safetensors")


def _copy(trained: Path, dest: Path) -> Path:
    """The checkpoint in the older two-file format (gan_core/1: no document embedded, the sidecar is
    the only one), so that the tests below can damage the sidecar that such files are read with."""
    from safetensors.torch import load_file, save

    dest.mkdir(parents=True, exist_ok=True)
    w = dest / "last.safetensors"
    w.write_bytes(save(load_file(str(trained)), metadata={"format": "gan_core/1"}))
    w.with_suffix(".json").write_text(trained.with_suffix(".json").read_text())
    return w


def test_missing_sidecar_is_refused(trained, tmp_path):
    w = _copy(trained, tmp_path / "c")
    w.with_suffix(".json").unlink()
    with pytest.raises(CheckpointError) as e:
        load_models(w)
    assert "sidecar" in str(e.value) and "missing" in str(e.value)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_safetensors_is_refused(trained, tmp_path, damage):
    w = _copy(trained, tmp_path / "c")
    data = w.read_bytes()
    w.write_bytes({"garbage": b"\x13\x37" * 500, "truncated": data[: len(data) // 2], "empty": b""}[damage])
    with pytest.raises(CheckpointError, match="safetensors"):
        load_models(w)


def test_sidecar_that_does_not_match_the_weights_is_refused(trained, tmp_path):
    w = _copy(trained, tmp_path / "c")
    side = w.with_suffix(".json")
    doc = json.loads(side.read_text())
    doc["config"]["width"] = 32  # the weights were trained with width 16
    side.write_text(json.dumps(doc))
    with pytest.raises(CheckpointError) as e:
        load_models(w)
    assert "do not match" in str(e.value)


@pytest.mark.parametrize("bad", ["not json {", json.dumps({"meta": {}}), json.dumps({"config": {"widht": 16}}),
                                 json.dumps({"config": {"lr_g": -1.0}}), json.dumps([1, 2])])
def test_invalid_sidecar_is_refused(trained, tmp_path, bad):
    w = _copy(trained, tmp_path / "c")
    w.with_suffix(".json").write_text(bad)
    with pytest.raises(CheckpointError, match="sidecar"):
        load_models(w)


def test_weights_for_another_architecture_are_refused(trained, tmp_path):
    w = _copy(trained, tmp_path / "c")
    side = w.with_suffix(".json")
    doc = json.loads(side.read_text())
    doc["config"].update(dataset="digits", arch="dcgan")
    side.write_text(json.dumps(doc))
    with pytest.raises(CheckpointError, match="do not match"):
        load_models(w)


def test_sample_draws_z_from_the_models_noise_distribution():
    """A model trained on uniform z must be sampled with uniform z: an identity 'generator' shows
    which distribution sample() drew from (uniform stays inside [-1, 1], Gaussian does not)."""
    import torch

    from gan_core.sampling import sample

    G = torch.nn.Identity()
    uni = sample(G, 2, 5000, seed=0, noise="uniform")
    gau = sample(G, 2, 5000, seed=0)
    assert abs(uni).max() <= 1.0 and abs(gau).max() > 2.0
