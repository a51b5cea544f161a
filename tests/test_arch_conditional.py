"""Conditional models: the label changes G's and D's outputs; the sample grid has one row per
class; unlabelled data is refused; conditional checkpoints load and sample."""

from __future__ import annotations

import pytest
import torch

from gan_core.checkpoint import load_models, save_checkpoint
from gan_core.checks import validate_config
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import Dataset
from gan_core.engine import Engine
from gan_core.models import ARCHS, build_models
from gan_core.sampling import sample

pytestmark = pytest.mark.usefixtures("isolated")

CASES = [pytest.param(a, c, s, id=f"{a}-{c}-{'x'.join(map(str, s))}")
         for a in ARCHS.names() for c in ("concat", "projection")
         for s in ([(2,), (1, 8, 8)] if a == "mlp" else [(1, 8, 8), (3, 32, 32)])]


def labelled(shape, n=24, classes=4):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, *shape, generator=g) * 2 - 1 if len(shape) == 3 else torch.randn(n, *shape, generator=g)
    return Dataset(x=x, y=torch.arange(n) % classes, kind="image" if len(shape) == 3 else "points", source="synthetic",
                   class_names=tuple("abcd"[:classes]))


@pytest.mark.parametrize("arch,conditioning,shape", CASES)
def test_changing_only_the_label_changes_the_outputs(arch, conditioning, shape):
    torch.manual_seed(0)
    G, D = build_models(arch, shape=shape, latent_dim=6, width=4, conditioning=conditioning, num_classes=5)
    G.eval()
    D.eval()
    z = torch.randn(3, 6)
    y0, y1 = torch.tensor([0, 0, 0]), torch.tensor([3, 3, 3])
    with torch.no_grad():
        a, b = G(z, y0), G(z, y1)
        assert a.shape == (3, *shape)
        assert torch.equal(G(z, y0), a)  # deterministic in eval mode: only the label differs
        assert (a - b).abs().flatten(1).amax(1).min() > 1e-6  # every sample changed
        x = torch.rand(3, *shape) * 2 - 1
        s0, s1 = D(x, y0), D(x, y1)
        assert s0.shape == (3,)
        if conditioning == "projection":  # the label embedding starts small: nudge it so the test is sharp
            D.embed.weight.normal_(0, 1)
            s0, s1 = D(x, y0), D(x, y1)
        assert (s0 - s1).abs().min() > 1e-6


def test_generator_without_labels_draws_the_classes_in_turn():
    G, _ = build_models("mlp", shape=(2,), latent_dim=4, width=4, conditioning="concat", num_classes=3)
    G.eval()
    z = torch.randn(6, 4)
    with torch.no_grad():
        torch.testing.assert_close(G(z), G(z, torch.tensor([0, 1, 2, 0, 1, 2])))
    x = sample(G, 4, 6, seed=1)  # the generic sampler works on conditional checkpoints
    assert x.shape == (6, 2)


@pytest.mark.parametrize("n_fixed,cols", [(12, 3), (10, 3), (3, 1)])
def test_fixed_grid_has_one_row_per_class_and_the_same_noise_per_column(n_fixed, cols):
    cfg = TrainConfig(dataset="digits", arch="dcgan", conditioning="concat", latent_dim=4, width=4, batch_size=8,
                      n_fixed=n_fixed, device="cpu")
    eng = Engine(cfg, labelled((1, 8, 8), classes=4), torch.device("cpu"))
    assert eng.num_classes == 4 and eng.grid_nrow == cols
    assert eng.fixed_y.tolist() == [k for k in range(4) for _ in range(cols)]
    z = eng.fixed_z.view(4, cols, -1)
    assert all(torch.equal(z[0], z[k]) for k in range(4))  # only the label changes down a column
    x = eng.sample_fixed()
    assert x.shape == (4 * cols, 1, 8, 8)
    if cols > 1:
        assert not torch.equal(x[0], x[cols])  # row 0 and row 1: same z, different class


def test_training_uses_the_labels():
    cfg = TrainConfig(dataset="digits", arch="mlp", conditioning="projection", latent_dim=4, width=4, batch_size=8,
                      n_fixed=4, device="cpu")
    eng = Engine(cfg, labelled((1, 8, 8)), torch.device("cpu"))
    emb = eng.D.embed.weight.detach().clone()
    eng.train_step()
    assert not torch.equal(emb, eng.D.embed.weight.detach())  # D's label embedding learns


def test_number_of_classes_comes_from_class_names_or_labels():
    data = labelled((1, 8, 8), classes=3)
    cfg = TrainConfig(dataset="digits", arch="mlp", conditioning="concat", latent_dim=4, width=4, batch_size=8,
                      n_fixed=4, device="cpu")
    assert Engine(cfg, data, torch.device("cpu")).num_classes == 3
    data.class_names = ()
    data.y = torch.tensor([0, 6] * 12)
    assert Engine(cfg, data, torch.device("cpu")).num_classes == 7


def test_unlabelled_data_is_refused():
    with pytest.raises(ConfigError) as e:
        validate_config(TrainConfig(dataset="gaussian", conditioning="concat"))  # a toy source without labels
    assert e.value.field == "conditioning" and "labels" in str(e.value)
    validate_config(TrainConfig(dataset="ring8", conditioning="concat"))  # the ring's modes are its labels
    validate_config(TrainConfig(dataset="digits", arch="dcgan", conditioning="projection"))
    cfg = TrainConfig(dataset="digits", conditioning="concat", latent_dim=4, width=4, batch_size=8, device="cpu")
    unlabelled = Dataset(x=torch.rand(16, 1, 8, 8), y=None, kind="image", source="a folder without classes")
    with pytest.raises(ConfigError) as e:  # what only the data can tell is refused when it is loaded
        Engine(cfg, unlabelled, torch.device("cpu"))
    assert e.value.field == "conditioning"


@pytest.mark.parametrize("arch", ["dcgan", "stylegan-lite"])
def test_conditional_checkpoint_round_trip(tmp_path, arch):
    cfg = TrainConfig(dataset="digits", arch=arch, conditioning="projection", latent_dim=4, width=4, batch_size=8,
                      n_fixed=4, device="cpu")
    eng = Engine(cfg, labelled((1, 8, 8), classes=4), torch.device("cpu"))
    eng.train_step()
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, eng.G_sample, eng.D, cfg, {"step": 1})
    G, _D, cfg2, meta = load_models(path)
    assert meta["num_classes"] == 4 and cfg2 == cfg
    eng.G.eval()
    z, y = torch.randn(5, 4), torch.tensor([0, 1, 2, 3, 0])
    with torch.no_grad():
        torch.testing.assert_close(G(z, y), eng.G(z, y), rtol=0, atol=0)
