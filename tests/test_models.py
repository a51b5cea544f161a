"""Architectures build for every dataset shape they support, and one engine step trains both nets."""

from __future__ import annotations

import math

import pytest
import torch

from gan_core.config import TrainConfig
from gan_core.data import DATASETS, Dataset
from gan_core.engine import METRICS, Engine
from gan_core.losses import LOSSES
from gan_core.models import ARCHS, build_models
from gan_core.models.dcgan import build_dcgan, plan

pytestmark = pytest.mark.usefixtures("isolated")

EXTRA_IMAGE_SHAPES = [(3, 32, 32), (1, 64, 64)]  # CIFAR-like and a deeper DCGAN


def supported(arch: str, shape: tuple[int, ...]) -> bool:
    image_only = getattr(ARCHS.get(arch), "image_only", False)
    return len(shape) == 3 or not image_only


def cases():
    shapes = {DATASETS.get(n).shape: n for n in DATASETS.names()}
    shapes.update({s: "synthetic" for s in EXTRA_IMAGE_SHAPES})
    out = []
    for arch in ARCHS.names():
        for shape, source in shapes.items():
            if supported(arch, shape):
                out.append(pytest.param(arch, shape, id=f"{arch}-{source}-{'x'.join(map(str, shape))}"))
    return out


def test_known_dataset_shapes():
    assert DATASETS.get("ring8").shape == (2,)
    assert DATASETS.get("digits").shape == (1, 8, 8)
    assert DATASETS.get("fashion-mnist").shape == (1, 28, 28)


def test_case_list_covers_every_arch():
    archs = {c.values[0] for c in cases()}
    assert archs == set(ARCHS.names())
    assert ("dcgan", (1, 8, 8)) in {c.values for c in cases()}
    assert ("dcgan", (2,)) not in {c.values for c in cases()}


@pytest.mark.parametrize("arch,shape", cases())
def test_models_build_with_the_right_shapes(arch, shape):
    torch.manual_seed(0)
    G, D = build_models(arch, shape=shape, latent_dim=16, width=8)
    z = torch.randn(5, 16)
    x = G(z)
    assert x.shape == (5, *shape)
    assert torch.isfinite(x).all()
    if len(shape) == 3:  # images come out of a Tanh
        assert x.abs().max() <= 1.0
    scores = D(x)
    assert scores.shape == (5,)
    real = torch.rand(5, *shape) * 2 - 1
    assert D(real).shape == (5,)


def test_mlp_points_are_not_squashed():
    G, _ = build_models("mlp", shape=(2,), latent_dim=2, width=8)
    last = list(G.modules())[-1]
    assert not isinstance(last, torch.nn.Tanh)


@pytest.mark.parametrize("shape", [(2,), (1, 8, 16), (28, 28)])
def test_dcgan_refuses_non_square_or_2d_shapes(shape):
    with pytest.raises(ValueError, match="DCGAN"):
        build_dcgan(shape=shape, latent_dim=8, width=8)


@pytest.mark.parametrize("resolution,expected", [(8, (2, 2)), (28, (7, 2)), (32, (4, 3)), (64, (4, 4))])
def test_dcgan_plan(resolution, expected):
    s0, n = plan(resolution)
    assert (s0, n) == expected
    assert s0 * 2**n == resolution


def test_dcgan_plan_refuses_odd_resolutions():
    with pytest.raises(ValueError):
        plan(5)


def test_wgan_gp_builds_d_without_batchnorm():
    _, D = build_models("dcgan", shape=(1, 28, 28), latent_dim=8, width=8,
                        d_batchnorm=LOSSES.get("wgan-gp").d_batchnorm)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in D.modules())
    _, D = build_models("dcgan", shape=(1, 28, 28), latent_dim=8, width=8, d_batchnorm=True)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in D.modules())


def synthetic_dataset(shape: tuple[int, ...], n: int = 32, seed: int = 0) -> Dataset:
    g = torch.Generator().manual_seed(seed)
    if len(shape) == 3:
        x = torch.rand(n, *shape, generator=g) * 2 - 1
        return Dataset(x=x, y=None, kind="image", source="synthetic")
    return Dataset(x=torch.randn(n, *shape, generator=g), y=None, kind="points", source="synthetic")


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.named_parameters()}


def changed_fraction(before: dict[str, torch.Tensor], module: torch.nn.Module) -> float:
    """Fraction of the parameter elements that an update moved, leaving out a one-element bias of
    the output layer (a Wasserstein critic's: its gradient E[1] - E[1] is exactly 0, and on the
    2-D lab's smallest D, a single Linear(2, 1), it is a third of all the elements)."""
    total = moved = 0
    for k, v in module.named_parameters():
        if k.endswith("bias") and v.numel() == 1:
            continue
        total += v.numel()
        moved += (v.detach() != before[k]).sum().item()
    return moved / total


def step_cases():
    """Every loss on each architecture's smallest sample shape, and one loss per other shape (in
    turn): the full architecture x loss x shape matrix of finite losses is tests/test_arch_matrix.py;
    this test checks that a step moves the weights, which does not depend on the shape."""
    out, losses = [], LOSSES.names()
    first: set[str] = set()
    for i, case in enumerate(cases()):
        arch, shape = case.values
        if arch not in first:
            first.add(arch)
            out += [pytest.param(arch, shape, loss, id=f"{case.id}-{loss}") for loss in losses]
        else:
            loss = losses[i % len(losses)]
            out.append(pytest.param(arch, shape, loss, id=f"{case.id}-{loss}"))
    return out


def test_step_cases_cover_every_arch_loss_pair_and_every_shape():
    got = {c.values for c in step_cases()}
    assert {(a, loss) for a, _, loss in got} == {(a, loss) for a in ARCHS.names() for loss in LOSSES.names()}
    assert {(a, s) for a, s, _ in got} == {c.values for c in cases()}


@pytest.mark.parametrize("arch,shape,loss", step_cases())
def test_one_train_step_updates_both_nets(arch, shape, loss):
    data = synthetic_dataset(shape)
    cfg = TrainConfig(arch=arch, loss=loss, latent_dim=8, width=8, batch_size=8, d_steps=2, n_fixed=4,
                      device="cpu", seed=3)
    eng = Engine(cfg, data, torch.device("cpu"))
    g0, d0 = snapshot(eng.G), snapshot(eng.D)
    eng.train_step()
    assert eng.step == 1
    # Adam moves every weight that gets a gradient; the only exception is the last bias of a
    # Wasserstein critic, whose gradient E[1] - E[1] is exactly 0. So nearly all elements move.
    assert changed_fraction(g0, eng.G) > 0.9
    assert changed_fraction(d0, eng.D) > 0.9
    eng.train_step()
    w = eng.flush()
    assert w.step == 2
    assert set(METRICS) <= set(w.values)
    assert all(math.isfinite(v) for v in w.values.values()), w.values
    assert w.values["grad_norm_d"] > 0 and w.values["grad_norm_g"] > 0
    fixed = eng.sample_fixed()
    assert fixed.shape == (4, *shape)
    assert eng.G.training  # sample_fixed puts G back into training mode


def test_flush_raises_on_non_finite_metrics():
    from gan_core.engine import Divergence

    eng = Engine(TrainConfig(width=8, batch_size=8, latent_dim=2, device="cpu"), synthetic_dataset((2,)),
                 torch.device("cpu"))
    eng.train_step()
    eng._sum[0] = float("nan")
    with pytest.raises(Divergence, match="d_loss"):
        eng.flush()


def test_flush_averages_the_window():
    eng = Engine(TrainConfig(width=8, batch_size=8, latent_dim=2, device="cpu"), synthetic_dataset((2,)),
                 torch.device("cpu"))
    eng.train_step()
    first = eng.flush().values
    eng.train_step()
    eng.train_step()
    second = eng.flush().values
    assert eng._count == 0
    assert first != second
