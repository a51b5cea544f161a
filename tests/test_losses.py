"""Losses against their formulas, computed independently on Python floats, and the WGAN-GP penalty."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gan_core.losses import LOSSES
from gan_core.regularizers import gradient_penalty

REAL = [0.5, -1.2, 2.0, 0.0, 3.5]  # D(x) on real data
FAKE = [-0.3, 1.1, -2.5, 0.0]  # D(G(z)) on generated data (a different count on purpose)


def sig(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def mean(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs)


# name -> (L_D(r, f), L_G(f), what D(x) is shown as), written from the papers' formulas
FORMULAS = {
    "ns": (
        lambda r, f: -mean(math.log(sig(t)) for t in r) - mean(math.log(1 - sig(t)) for t in f),
        lambda f: -mean(math.log(sig(t)) for t in f),
        sig,
    ),
    "lsgan": (
        lambda r, f: 0.5 * mean((t - 1) ** 2 for t in r) + 0.5 * mean(t**2 for t in f),
        lambda f: 0.5 * mean((t - 1) ** 2 for t in f),
        lambda t: t,
    ),
    "wgan-gp": (
        lambda r, f: mean(f) - mean(r),
        lambda f: -mean(f),
        lambda t: t,
    ),
    "minimax": (
        lambda r, f: -mean(math.log(sig(t)) for t in r) - mean(math.log(1 - sig(t)) for t in f),
        lambda f: mean(math.log(1 - sig(t)) for t in f),
        sig,
    ),
    "wgan": (
        lambda r, f: mean(f) - mean(r),
        lambda f: -mean(f),
        lambda t: t,
    ),
    "hinge": (
        lambda r, f: mean(max(0.0, 1 - t) for t in r) + mean(max(0.0, 1 + t) for t in f),
        lambda f: -mean(f),
        lambda t: t,
    ),
}


def test_every_registered_loss_has_a_formula_here():
    assert set(LOSSES.names()) == set(FORMULAS), "add the new loss's formula to FORMULAS"


@pytest.mark.parametrize("name", LOSSES.names())
@pytest.mark.parametrize("scale", [1.0, 0.01, 10.0])
def test_loss_matches_formula(name, scale):
    loss = LOSSES.get(name)
    d_ref, g_ref, show_ref = FORMULAS[name]
    r_list, f_list = [scale * t for t in REAL], [scale * t for t in FAKE]
    r = torch.tensor(r_list, dtype=torch.float64)
    f = torch.tensor(f_list, dtype=torch.float64)
    assert loss.d_loss(r, f).item() == pytest.approx(d_ref(r_list, f_list), rel=1e-12, abs=1e-12)
    assert loss.g_loss(f).item() == pytest.approx(g_ref(f_list), rel=1e-12, abs=1e-12)
    shown = loss.d_display(r).tolist()
    assert shown == pytest.approx([show_ref(t) for t in r_list], rel=1e-12)


@pytest.mark.parametrize("name", LOSSES.names())
def test_losses_are_scalars_with_gradients(name):
    loss = LOSSES.get(name)
    r = torch.tensor(REAL, requires_grad=True)
    f = torch.tensor(FAKE, requires_grad=True)
    d, g = loss.d_loss(r, f), loss.g_loss(f)
    assert d.dim() == 0 and g.dim() == 0
    d.backward()
    assert r.grad is not None and f.grad is not None


def test_ns_loss_is_stable_for_large_logits():
    # -log(sigmoid(100)) ~ 0, -log(1 - sigmoid(100)) = 100: the naive formula gives inf
    loss = LOSSES.get("ns")
    r = torch.tensor([100.0])
    f = torch.tensor([100.0])
    assert loss.d_loss(r, f).item() == pytest.approx(100.0, rel=1e-6)
    assert loss.g_loss(torch.tensor([-100.0])).item() == pytest.approx(100.0, rel=1e-6)


def test_only_wgan_gp_uses_the_penalty_and_drops_d_batchnorm():
    assert LOSSES.get("wgan-gp").gradient_penalty and not LOSSES.get("wgan-gp").d_batchnorm
    assert not LOSSES.get("ns").gradient_penalty and LOSSES.get("ns").d_batchnorm
    assert not LOSSES.get("lsgan").gradient_penalty


class LinearCritic(nn.Module):
    """D(x) = w . flatten(x): its gradient is w everywhere, so the penalty is (||w|| - 1)^2."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, x):
        return x.flatten(1) @ self.w  # (B,)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_penalty_of_a_linear_critic(seed):
    g = torch.Generator().manual_seed(seed)
    real = torch.randn(16, 2, generator=g, dtype=torch.float64)
    fake = torch.randn(16, 2, generator=g, dtype=torch.float64) * 5
    # ||(3, 4)|| = 5 -> (5 - 1)^2 = 16, whatever the interpolation
    gp = gradient_penalty(LinearCritic([3.0, 4.0]), real, fake, generator=torch.Generator().manual_seed(seed))
    assert gp.item() == pytest.approx(16.0, rel=1e-12)
    # a unit-norm critic has no penalty
    gp = gradient_penalty(LinearCritic([0.6, 0.8]), real, fake, generator=torch.Generator().manual_seed(seed))
    assert gp.item() == pytest.approx(0.0, abs=1e-12)


def test_gradient_penalty_on_image_shaped_samples():
    w = [0.0] * 16
    w[0], w[5] = 3.0, 4.0
    real = torch.rand(8, 1, 4, 4, dtype=torch.float64)
    fake = torch.rand(8, 1, 4, 4, dtype=torch.float64)
    assert gradient_penalty(LinearCritic(w), real, fake).item() == pytest.approx(16.0, rel=1e-12)


def test_gradient_penalty_is_differentiable_in_the_critic_weights():
    critic = LinearCritic([3.0, 4.0])
    real = torch.randn(8, 2, dtype=torch.float64)
    fake = torch.randn(8, 2, dtype=torch.float64)
    gp = gradient_penalty(critic, real, fake)
    gp.backward()
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w|| = 2 * 4 * (3, 4) / 5
    assert critic.w.grad.tolist() == pytest.approx([4.8, 6.4], rel=1e-12)


def test_gradient_penalty_is_taken_at_the_interpolates():
    # D(x) = 1/2 ||x||^2 has gradient x. With real == fake == x0 every interpolate is x0, so the
    # penalty is (||x0|| - 1)^2 per sample; with real = a, fake = b it lies between the ends.
    class Quadratic(nn.Module):
        def forward(self, x):
            return 0.5 * x.flatten(1).pow(2).sum(1)

    x0 = torch.tensor([[3.0, 0.0], [0.0, 0.5]], dtype=torch.float64)
    expected = mean([(3.0 - 1) ** 2, (0.5 - 1) ** 2])
    assert gradient_penalty(Quadratic(), x0, x0.clone()).item() == pytest.approx(expected, rel=1e-12)

    a = torch.tensor([[1.0, 0.0]] * 64, dtype=torch.float64)  # norm 1: penalty 0 here
    b = torch.tensor([[3.0, 0.0]] * 64, dtype=torch.float64)  # norm 3: penalty 4 here
    gp = gradient_penalty(Quadratic(), a, b, generator=torch.Generator().manual_seed(0)).item()
    assert 0.0 < gp < 4.0


def test_gradient_penalty_does_not_backpropagate_into_the_samples():
    real = torch.randn(4, 2, requires_grad=True)
    fake = torch.randn(4, 2, requires_grad=True)
    gradient_penalty(LinearCritic([3.0, 4.0]).float(), real, fake).backward()
    assert real.grad is None and fake.grad is None
