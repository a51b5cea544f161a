"""Every architecture x loss x sample shape (1 and 3 channels; 28, 32 and 64 pixels; 8x8 digits;
2-D points for the MLP) trains a few CPU steps with finite losses, and every training option
runs on every architecture. Tiny widths keep the whole matrix to seconds."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gan_core.checks import validate_config
from gan_core.config import TrainConfig
from gan_core.data import Dataset
from gan_core.engine import METRICS, Engine
from gan_core.losses import LOSSES
from gan_core.models import ARCHS, NORMS, build_models

pytestmark = pytest.mark.usefixtures("isolated")

SHAPES = [(2,), (1, 8, 8), (1, 28, 28), (3, 28, 28), (1, 32, 32), (3, 32, 32), (1, 64, 64), (3, 64, 64)]


def supported(arch: str, shape: tuple[int, ...]) -> bool:
    return len(shape) == 3 or not ARCHS.get(arch).image_only


def dataset(shape: tuple[int, ...], n: int = 16, classes: int | None = 3, seed: int = 0) -> Dataset:
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % classes if classes else None
    names = tuple(f"c{i}" for i in range(classes)) if classes else ()
    if len(shape) == 3:
        return Dataset(x=torch.rand(n, *shape, generator=g) * 2 - 1, y=y, kind="image", source="synthetic",
                       class_names=names)
    return Dataset(x=torch.randn(n, *shape, generator=g), y=y, kind="points", source="synthetic", class_names=names)


def tiny(**kw) -> TrainConfig:
    base = dict(latent_dim=4, width=4, batch_size=4, n_fixed=4, device="cpu", seed=1, steps=100)
    return TrainConfig(**{**base, **kw})


def run_steps(cfg: TrainConfig, data: Dataset, steps: int = 2) -> Engine:
    eng = Engine(cfg, data, torch.device("cpu"))
    for _ in range(steps):
        eng.train_step()
    w = eng.flush()
    assert set(METRICS) <= set(w.values)
    assert all(math.isfinite(v) for v in w.values.values()), w.values
    return eng


MATRIX = [pytest.param(a, s, loss, id=f"{a}-{'x'.join(map(str, s))}-{loss}")
          for a in ARCHS.names() for s in SHAPES if supported(a, s) for loss in LOSSES.names()]


@pytest.mark.parametrize("arch,shape,loss", MATRIX)
def test_arch_loss_shape_trains_with_finite_losses(arch, shape, loss):
    eng = run_steps(tiny(arch=arch, loss=loss), dataset(shape, classes=None))
    x = eng.sample_fixed()
    assert x.shape == (4, *shape) and torch.isfinite(x).all()


@pytest.mark.parametrize("arch", ARCHS.names())
@pytest.mark.parametrize("shape", [s for s in SHAPES if len(s) == 3])
def test_generator_output_range_and_discriminator_scores(arch, shape):
    torch.manual_seed(0)
    G, D = build_models(arch, shape=shape, latent_dim=6, width=4)
    x = G(torch.randn(3, 6))
    assert x.shape == (3, *shape) and x.abs().max() <= 1.0  # Tanh range, the data range of images
    assert D(x).shape == (3,)
    h = D.features(x)
    assert h.shape == (3, D.feature_dim)
    torch.testing.assert_close(D.head(h), D(x))  # score = head(features): what projection builds on


def test_every_arch_has_help_and_a_known_default_norm():
    for name in ARCHS.names():
        spec = ARCHS.get(name)
        assert ARCHS.help(name) and ARCHS.label(name)
        assert spec.default_d_norm in NORMS
        assert set(spec.g_norms) <= set(NORMS.names())


@pytest.mark.parametrize("arch", ["mlp", "dcgan", "resnet"])
@pytest.mark.parametrize("norm", ["batch", "layer", "none"])
def test_normalisation_choices(arch, norm):
    shape = (2,) if arch == "mlp" else (1, 8, 8)
    G, D = build_models(arch, shape=shape, latent_dim=4, width=4, g_norm=norm, d_norm=norm)
    kinds = {"batch": (nn.BatchNorm1d, nn.BatchNorm2d), "layer": (nn.LayerNorm, nn.GroupNorm)}
    for net in (G, D):
        found = {type(m) for m in net.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm,
                                                                  nn.GroupNorm))}
        if norm == "none":
            assert not found
        else:
            assert found and all(issubclass(t, kinds[norm]) for t in found)


def test_dcgan_batchnorm_can_be_switched_off_in_g_and_d():
    G, D = build_models("dcgan", shape=(1, 28, 28), latent_dim=4, width=4, g_norm="none", d_norm="none")
    assert not any(isinstance(m, nn.BatchNorm2d) for m in (*G.modules(), *D.modules()))
    G, D = build_models("dcgan", shape=(1, 28, 28), latent_dim=4, width=4)  # the paper: batch norm in both
    assert any(isinstance(m, nn.BatchNorm2d) for m in G.modules())
    assert any(isinstance(m, nn.BatchNorm2d) for m in D.modules())


@pytest.mark.parametrize("arch", ARCHS.names())
def test_depth_adds_layers(arch):
    shape = (1, 8, 8)
    def count(net):
        return sum(p.numel() for p in net.parameters())

    G0, D0 = build_models(arch, shape=shape, latent_dim=4, width=4, depth=0)
    G1, D1 = build_models(arch, shape=shape, latent_dim=4, width=4, depth=1)
    assert count(G1) > count(G0) and count(D1) > count(D0)
    run_steps(tiny(arch=arch, depth=2, dataset="digits"), dataset(shape))


def test_default_models_keep_the_layout_of_earlier_checkpoints():
    # the state-dict keys of the default MLP and DCGAN are those written before options existed
    G, D = build_models("mlp", shape=(2,), latent_dim=2, width=4)
    assert list(G.state_dict())[:4] == ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]
    assert "net.3.running_mean" in G.state_dict() and list(D.state_dict())[-1] == "net.5.bias"
    G, D = build_models("dcgan", shape=(1, 28, 28), latent_dim=4, width=4)
    assert "net.1.running_mean" in G.state_dict() and "net.3.running_mean" in D.state_dict()
    _, D = build_models("dcgan", shape=(1, 28, 28), latent_dim=4, width=4, d_batchnorm=False)
    assert not any("running_mean" in k for k in D.state_dict())


OPTION_SETS = {
    "conditional-concat": dict(conditioning="concat"),
    "conditional-projection-sn": dict(conditioning="projection", spectral_norm=True, loss="hinge"),
    "pacgan-wgan-gp": dict(pac=2, loss="wgan-gp"),
    "r1-ema-noise-label-smoothing-flip": dict(r1_weight=1.0, ema_decay=0.99, instance_noise=0.2, label_smoothing=0.1,
                                              label_flip=0.2),
    "wgan-clipping-rmsprop": dict(loss="wgan", opt_g="rmsprop", opt_d="rmsprop", d_steps=2, clip_value=0.02),
    "sgd-grad-clip-cyclic": dict(opt_g="sgd", opt_d="sgd", grad_clip=0.5, schedule="cyclic", lr_cycle_steps=4),
    "layer-norm-warmup-cosine": dict(d_norm="layer", loss="lsgan", schedule="warmup-cosine", warmup_steps=2),
}


@pytest.mark.parametrize("options", list(OPTION_SETS))
@pytest.mark.parametrize("arch", ARCHS.names())
def test_options_on_every_architecture(arch, options):
    kw = dict(OPTION_SETS[options])
    shape = (1, 8, 8)
    cfg = validate_config(tiny(arch=arch, dataset="digits", **kw))
    eng = run_steps(cfg, dataset(shape))
    x = eng.sample_fixed()
    assert torch.isfinite(x).all() and x.shape[1:] == shape


@pytest.mark.parametrize("arch", ARCHS.names())
def test_diffaugment_on_every_architecture(arch):
    cfg = validate_config(tiny(arch=arch, dataset="digits", diffaug="color,translation,cutout"))
    run_steps(cfg, dataset((3, 32, 32)))


def test_mlp_options_on_2d_points():
    cfg = validate_config(tiny(arch="mlp", dataset="ring8", pac=2, ema_decay=0.9, instance_noise=0.1, r1_weight=0.5))
    eng = run_steps(cfg, dataset((2,)))
    assert eng.sample_fixed().shape == (4, 2)
