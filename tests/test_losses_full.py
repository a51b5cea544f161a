"""Every loss and regulariser against its formula on hand-made values, including the sign and
direction of its gradient; spectral norm, clipping, instance noise, DiffAugment, packing, EMA."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gan_core.losses import LOSSES
from gan_core.models import build_models
from gan_core.regularizers import (
    DIFFAUG,
    EMA,
    apply_spectral_norm,
    clip_grad_norm_,
    clip_weights_,
    diff_augment,
    flipped_labels,
    gradient_penalty,
    instance_noise,
    instance_noise_std,
    pack,
    r1_penalty,
)

REAL = [0.5, -1.2, 2.0, 0.0, 3.5]
FAKE = [-0.3, 1.1, -2.5, 0.0]


def sig(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


def grads(fn, *values):
    """Autograd gradient of fn(*tensors) with respect to each input, as lists of floats."""
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    fn(*ts).backward()
    return [t.grad.tolist() for t in ts]


# name -> (dL_D/dr_i, dL_D/df_j, dL_G/df_j) per element, written from the formulas (n reals, m fakes)
GRADIENTS = {
    "ns": (lambda r, n: -(1 - sig(r)) / n, lambda f, m: sig(f) / m, lambda f, m: -(1 - sig(f)) / m),
    "minimax": (lambda r, n: -(1 - sig(r)) / n, lambda f, m: sig(f) / m, lambda f, m: -sig(f) / m),
    "lsgan": (lambda r, n: (r - 1) / n, lambda f, m: f / m, lambda f, m: (f - 1) / m),
    "wgan": (lambda r, n: -1 / n, lambda f, m: 1 / m, lambda f, m: -1 / m),
    "wgan-gp": (lambda r, n: -1 / n, lambda f, m: 1 / m, lambda f, m: -1 / m),
    "hinge": (lambda r, n: (-1 / n if r < 1 else 0.0), lambda f, m: (1 / m if f > -1 else 0.0), lambda f, m: -1 / m),
}


def test_every_loss_has_its_gradients_here():
    assert set(GRADIENTS) == set(LOSSES.names())


@pytest.mark.parametrize("name", LOSSES.names())
def test_loss_gradients_match_the_formulas(name):
    loss = LOSSES.get(name)
    dr, df, dg = GRADIENTS[name]
    gr, gf = grads(loss.d_loss, REAL, FAKE)
    assert gr == pytest.approx([dr(t, len(REAL)) for t in REAL], rel=1e-12, abs=1e-15)
    assert gf == pytest.approx([df(t, len(FAKE)) for t in FAKE], rel=1e-12, abs=1e-15)
    (gg,) = grads(loss.g_loss, FAKE)
    assert gg == pytest.approx([dg(t, len(FAKE)) for t in FAKE], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", LOSSES.names())
def test_gradient_directions(name):
    """Descending L_D raises D's real scores and lowers its fake scores; descending L_G raises
    D's scores of the fakes (where the loss is not flat)."""
    loss = LOSSES.get(name)
    r, f = [-0.5, 0.2], [0.2, 0.6]  # inside every margin, between LSGAN's targets 0 and 1
    gr, gf = grads(loss.d_loss, r, f)
    assert all(g < 0 for g in gr) and all(g > 0 for g in gf)
    (gg,) = grads(loss.g_loss, f)
    assert all(g < 0 for g in gg)


def test_minimax_saturates_where_non_saturating_does_not():
    # D rejects the fakes confidently (logit -8): the minimax G gradient is ~sigma(-8) = 3e-4,
    # the non-saturating one ~1 - sigma(-8) ~ 1.
    f = [-8.0]
    (mm,) = grads(LOSSES.get("minimax").g_loss, f)
    (ns,) = grads(LOSSES.get("ns").g_loss, f)
    assert abs(mm[0]) < 1e-3 and abs(ns[0]) > 0.99
    # the minimax G loss is the negated D fake term: L_G = E[log(1 - D(G(z)))]
    assert LOSSES.get("minimax").g_loss(torch.tensor(f)).item() == pytest.approx(math.log(1 - sig(-8.0)), rel=1e-6)


def test_hinge_ignores_samples_beyond_the_margin():
    loss = LOSSES.get("hinge")
    assert loss.d_loss(torch.tensor([1.5, 3.0]), torch.tensor([-2.0, -1.0])).item() == 0.0
    assert loss.d_loss(torch.tensor([0.0]), torch.tensor([0.0])).item() == 2.0


@pytest.mark.parametrize("s", [0.1, 0.25])
def test_one_sided_label_smoothing(s):
    t = 1 - s
    d = LOSSES.get("ns").d_loss
    expected = (sum(-(t * math.log(sig(x)) + (1 - t) * math.log(1 - sig(x))) for x in REAL) / len(REAL)
                - sum(math.log(1 - sig(x)) for x in FAKE) / len(FAKE))
    got = d(torch.tensor(REAL, dtype=torch.float64), torch.tensor(FAKE, dtype=torch.float64), real_label=t).item()
    assert got == pytest.approx(expected, rel=1e-12)
    # one-sided: the fake term is unchanged, and D's optimum on a real sample is D(x) = 1 - s, not 1
    (gr,) = grads(lambda r: d(r, torch.zeros(1, dtype=torch.float64), real_label=t), [math.log(t / (1 - t))])
    assert gr[0] == pytest.approx(0.0, abs=1e-12)
    (gr,) = grads(lambda r: d(r, torch.zeros(1, dtype=torch.float64), real_label=t), [3.0])
    assert gr[0] > 0  # beyond 1 - s, D is pushed back down
    # the fake term is untouched: changing the fakes changes the smoothed and plain losses alike
    r, f1, f2 = (torch.tensor(v, dtype=torch.float64) for v in (REAL, FAKE, [0.7, -0.2]))
    assert (d(r, f1, real_label=t) - d(r, f2, real_label=t)).item() == pytest.approx((d(r, f1) - d(r, f2)).item(),
                                                                                     rel=1e-12)


@pytest.mark.parametrize("name", ["ns", "minimax"])
def test_label_noise_targets_against_the_formula(name):
    """With per-sample targets y_r (reals) and y_f (fakes):
    L_D = mean_i -[y_r log s(r_i) + (1 - y_r) log(1 - s(r_i))] + mean_j -[y_f log s(f_j) + (1 - y_f) log(1 - s(f_j))];
    a flipped real (y = 0) is pushed down, a flipped fake (y = 1) pushed up."""
    d = LOSSES.get(name).d_loss
    y_r, y_f = [1.0, 0.0, 1.0, 0.9, 0.0], [0.0, 1.0, 0.0, 0.0]

    def bce(t, y):
        return -(y * math.log(sig(t)) + (1 - y) * math.log(1 - sig(t)))

    want = sum(bce(t, y) for t, y in zip(REAL, y_r)) / len(REAL) + sum(bce(t, y) for t, y in zip(FAKE, y_f)) / len(FAKE)
    T = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    assert d(T(REAL), T(FAKE), real_label=T(y_r), fake_label=T(y_f)).item() == pytest.approx(want, rel=1e-12)
    # unflipped tensor targets give exactly the plain loss
    assert d(T(REAL), T(FAKE), real_label=T([1.0] * 5), fake_label=T([0.0] * 4)).item() == pytest.approx(
        d(T(REAL), T(FAKE)).item(), rel=1e-12)
    gr, gf = grads(lambda r, f: d(r, f, real_label=T(y_r), fake_label=T(y_f)), REAL, FAKE)
    assert gr[1] > 0 and gr[4] > 0 and gr[0] < 0  # flipped reals: descent lowers D(x); kept ones: raises it
    assert gf[1] < 0 and gf[0] > 0  # the flipped fake is pushed up, the others down
    assert gr[3] == pytest.approx(-(0.9 - sig(REAL[3])) / len(REAL), rel=1e-12)  # dL/dr = -(y - s(r)) / n


def test_flipped_labels_rates_and_reproducibility():
    r, f = torch.zeros(20000), torch.zeros(10000)
    t_r, t_f = flipped_labels(r, f, 0.1, 0.9, torch.Generator().manual_seed(0))
    assert t_r.unique().tolist() == [0.0, pytest.approx(0.9)] and t_f.unique().tolist() == [0.0, 1.0]
    assert (t_r == 0).float().mean().item() == pytest.approx(0.1, abs=0.01)  # flipped reals
    assert t_f.mean().item() == pytest.approx(0.1, abs=0.01)  # flipped fakes
    again = flipped_labels(r, f, 0.1, 0.9, torch.Generator().manual_seed(0))
    assert torch.equal(again[0], t_r) and torch.equal(again[1], t_f)
    none = flipped_labels(r[:100], f[:100], 0.0, 1.0, torch.Generator().manual_seed(0))
    assert none[0].eq(1).all() and none[1].eq(0).all()


def test_only_bce_losses_take_label_smoothing_and_only_wgan_clips():
    assert {n for n in LOSSES.names() if LOSSES.get(n).bce} == {"ns", "minimax"}
    assert {n for n in LOSSES.names() if LOSSES.get(n).weight_clipping} == {"wgan"}
    assert {n for n in LOSSES.names() if LOSSES.get(n).gradient_penalty} == {"wgan-gp"}


# ---------------------------------------------------------------------------- penalties
class LinearCritic(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, x):
        return x.flatten(1) @ self.w


def test_r1_of_a_linear_critic_and_its_gradient():
    critic = LinearCritic([3.0, 4.0])
    real = torch.randn(16, 2, dtype=torch.float64)
    r1 = r1_penalty(critic, real)
    assert r1.item() == pytest.approx(25.0, rel=1e-12)  # ||w||^2 everywhere
    r1.backward()
    assert critic.w.grad.tolist() == pytest.approx([6.0, 8.0], rel=1e-12)  # d||w||^2/dw = 2w: descent shrinks w
    assert not real.requires_grad


def test_r1_of_a_quadratic_critic_is_the_mean_squared_norm():
    real = torch.tensor([[3.0, 0.0], [0.0, 0.5], [1.0, 1.0]], dtype=torch.float64)
    r1 = r1_penalty(lambda x: 0.5 * x.pow(2).sum(1), real)  # grad = x
    assert r1.item() == pytest.approx((9.0 + 0.25 + 2.0) / 3, rel=1e-12)


def test_gradient_penalty_of_a_conditional_critic_through_a_lambda():
    # D(x, y) = w_y . x: the penalty uses the slope of each sample's own class
    W = torch.tensor([[3.0, 4.0], [0.6, 0.8]], dtype=torch.float64)
    y = torch.tensor([0, 1, 0, 1])
    real, fake = torch.randn(4, 2, dtype=torch.float64), torch.randn(4, 2, dtype=torch.float64)
    gp = gradient_penalty(lambda x: (x * W[y]).sum(1), real, fake)
    assert gp.item() == pytest.approx((16.0 + 0.0 + 16.0 + 0.0) / 4, rel=1e-12)
    zero_centred = gradient_penalty(lambda x: (x * W[y]).sum(1), real, fake, center=0.0)
    assert zero_centred.item() == pytest.approx((25.0 + 1.0 + 25.0 + 1.0) / 4, rel=1e-12)


# ---------------------------------------------------------------------------- weight constraints
def _sigma(w: torch.Tensor) -> float:
    return torch.linalg.matrix_norm(w.reshape(w.shape[0], -1), ord=2).item()


@pytest.mark.parametrize("make_layer", [lambda: nn.Linear(20, 30), lambda: nn.Conv2d(3, 8, 3)], ids=["linear", "conv"])
def test_spectral_norm_keeps_the_largest_singular_value_near_one(make_layer):
    torch.manual_seed(0)
    layer = make_layer()  # built after the seed: a layer built at collection took whatever the RNG held then
    with torch.no_grad():
        layer.weight.mul_(7.0)
    assert _sigma(layer.weight) > 2
    apply_spectral_norm(layer)
    x = torch.randn(4, 20) if isinstance(layer, nn.Linear) else torch.randn(4, 3, 8, 8)
    for _ in range(30):  # one power iteration per training forward pass
        layer(x)
    assert _sigma(layer.weight) == pytest.approx(1.0, abs=1e-3)
    layer.eval()
    assert _sigma(layer.weight) == pytest.approx(1.0, abs=1e-3)


def test_spectral_norm_of_a_whole_discriminator():
    torch.manual_seed(0)
    _, D = build_models("dcgan", shape=(1, 28, 28), latent_dim=8, width=8, spectral_norm=True)
    layers = [m for m in D.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    assert layers and all(hasattr(m, "parametrizations") for m in layers)
    x = torch.randn(8, 1, 28, 28)
    for _ in range(40):
        D(x)
    for m in layers:
        assert _sigma(m.weight) == pytest.approx(1.0, abs=2e-2)
    D(x).sum().backward()  # gradients reach the unnormalised weights
    assert all(m.parametrizations.weight.original.grad is not None for m in layers)


def test_weight_clipping():
    lin = nn.Linear(5, 5)
    with torch.no_grad():
        lin.weight.normal_(0, 1)
    clip_weights_(lin, 0.05)
    c = torch.tensor(0.05)  # float32
    assert lin.weight.abs().max() == c
    assert lin.bias.abs().max() <= c


def test_gradient_norm_clipping_returns_the_norm_before():
    a, b = nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(1))
    a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])
    norm = clip_grad_norm_([a, b], 1.0)
    assert norm.item() == pytest.approx(5.0)
    assert a.grad.tolist() == pytest.approx([0.6, 0.0], rel=1e-5) and b.grad.tolist() == pytest.approx([0.8], rel=1e-5)


# ---------------------------------------------------------------------------- D's inputs
def test_instance_noise_schedule_and_statistics():
    assert instance_noise_std(0, 0.4, 100) == 0.4
    assert instance_noise_std(50, 0.4, 100) == pytest.approx(0.2)
    assert instance_noise_std(100, 0.4, 100) == 0.0 and instance_noise_std(500, 0.4, 100) == 0.0
    assert instance_noise_std(10, 0.0, 100) == 0.0
    x = torch.zeros(20000, 2)
    noisy = instance_noise(x, 0.3, torch.Generator().manual_seed(0))
    assert noisy.std().item() == pytest.approx(0.3, rel=0.02) and abs(noisy.mean().item()) < 0.01
    assert instance_noise(x, 0.0) is x


def test_pack_groups_consecutive_samples():
    x = torch.arange(6 * 2 * 3 * 3, dtype=torch.float32).view(6, 2, 3, 3)
    p = pack(x, 3)
    assert p.shape == (2, 6, 3, 3)
    assert torch.equal(p[1, 2:4], x[4]) and torch.equal(p[0, :2], x[0])
    pts = torch.arange(8.0).view(4, 2)
    assert pack(pts, 2).tolist() == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]


def test_diffaugment_policies_are_all_subsets_in_canonical_order():
    assert DIFFAUG.names()[0] == "none"
    assert set(DIFFAUG.names()[1:]) == {"color", "translation", "cutout", "color,translation", "color,cutout",
                                        "translation,cutout", "color,translation,cutout"}
    assert all(DIFFAUG.help(n) for n in DIFFAUG.names())


def test_diffaugment_is_differentiable_and_random_per_sample():
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(16, 3, 16, 16, generator=g) * 2 - 1).requires_grad_(True)
    y = diff_augment(x, ("color", "translation", "cutout"), torch.Generator().manual_seed(1))
    assert y.shape == x.shape
    y.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0  # G is trained through the augmentation
    again = diff_augment(x.detach(), ("color", "translation", "cutout"), torch.Generator().manual_seed(1))
    assert torch.equal(y.detach(), again)  # reproducible from the generator


def test_translation_shifts_and_cutout_blanks():
    x = torch.zeros(64, 1, 16, 16)
    x[:, :, 8, 8] = 1.0  # one bright pixel
    t = diff_augment(x, ("translation",), torch.Generator().manual_seed(0))
    pos = t.flatten(1).argmax(1)
    rows, cols = pos // 16, pos % 16
    assert (rows - 8).abs().max() <= 2 and (cols - 8).abs().max() <= 2  # at most 1/8 of 16
    assert len(set(zip(rows.tolist(), cols.tolist()))) > 5  # shifts differ between samples
    ones = torch.ones(32, 1, 16, 16)
    c = diff_augment(ones, ("cutout",), torch.Generator().manual_seed(0))
    zeros = (c == 0).flatten(1).sum(1)
    assert zeros.max() <= 64 and zeros.min() > 0  # at most an 8x8 square per image


def test_colour_changes_each_image_by_its_own_amount():
    x = torch.zeros(8, 3, 4, 4)
    y = diff_augment(x, ("color",), torch.Generator().manual_seed(0))
    per_image = y.mean((1, 2, 3))
    assert per_image.abs().max() <= 0.5 and per_image.unique().numel() == 8  # brightness in [-0.5, 0.5]


# ---------------------------------------------------------------------------- EMA
def test_ema_update_formula_and_warm_up():
    G = nn.Linear(3, 2)
    ema = EMA(G, decay=0.9)
    w0 = ema.module.weight.detach().clone()
    assert torch.equal(w0, G.weight.detach())
    with torch.no_grad():
        G.weight.add_(1.0)
    beta = ema.beta()
    assert beta == pytest.approx(0.1)  # warm-up: min(decay, (1 + 0) / (10 + 0))
    ema.update(G)
    torch.testing.assert_close(ema.module.weight, beta * w0 + (1 - beta) * G.weight.detach())
    ema.updates = 1000
    assert ema.beta() == 0.9  # then the configured decay
    assert not any(p.requires_grad for p in ema.module.parameters())
