"""StyleGAN-lite: mapping network, constant input, per-layer noise, and style mixing that swaps
styles at the chosen layer (at sampling time and as a training regulariser)."""

from __future__ import annotations

import pytest
import torch

from gan_core.models import build_models
from gan_core.models.stylegan import StyleGenerator, mixing_cutoffs

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture
def G() -> StyleGenerator:
    torch.manual_seed(0)
    g, _ = build_models("stylegan-lite", shape=(1, 28, 28), latent_dim=8, width=4)
    with torch.no_grad():  # noise strengths start at 0; make the noise visible for the noise tests
        for layer in g.layers:
            layer.noise_strength.fill_(0.3)
    return g.eval()


def test_structure(G):
    # 28 = 7 x 2^2: the constant at 7x7, then 2 upsamplings; two layers per resolution
    assert G.const.shape[-2:] == (7, 7)
    assert G.num_ws == 6
    x = G(torch.randn(2, 8))
    assert x.shape == (2, 1, 28, 28)


def test_style_mixing_swaps_styles(G):
    za, zb = torch.randn(3, 8), torch.randn(3, 8)
    with torch.no_grad():
        a, b = G(za), G(zb)
        torch.testing.assert_close(G.mix(za, zb, 0), b)  # every layer from z_b
        torch.testing.assert_close(G.mix(za, zb, G.num_ws), a)  # every layer from z_a
        m = G.mix(za, zb, 2)  # coarse (7x7) styles from z_a, the rest from z_b
        assert not torch.allclose(m, a) and not torch.allclose(m, b)
        ws = G.ws(za, zb, 2)
        wa, wb = G.mapping(za), G.mapping(zb)
        assert all(torch.equal(ws[:, i], wa) for i in range(2))
        assert all(torch.equal(ws[:, i], wb) for i in range(2, G.num_ws))
        # the mixed image is exactly the synthesis of the spliced list of styles
        torch.testing.assert_close(G.mix(za, zb, 2), G.synthesis(torch.cat([G.ws(za)[:, :2], G.ws(zb)[:, 2:]], 1)))


def test_per_sample_crossover_tensor(G):
    za, zb = torch.randn(2, 8), torch.randn(2, 8)
    with torch.no_grad():
        m = G(za, mix_z=zb, cutoff=torch.tensor([0, G.num_ws]))
        torch.testing.assert_close(m[0], G(zb[:1])[0])
        torch.testing.assert_close(m[1], G(za[1:])[0])


def test_noise_is_fixed_in_eval_and_random_in_training(G):
    z = torch.randn(2, 8)
    with torch.no_grad():
        assert torch.equal(G(z), G(z))  # eval: the stored noise maps
        G.train()
        a = G(z, generator=torch.Generator().manual_seed(1))
        b = G(z, generator=torch.Generator().manual_seed(1))
        c = G(z, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)  # random, reproducible from the generator


def test_w_avg_and_truncation(G):
    G.train()
    z = torch.randn(64, 8)
    with torch.no_grad():
        G(z, generator=torch.Generator().manual_seed(0))
    assert G.w_avg.abs().sum() > 0  # tracked in training
    G.eval()
    with torch.no_grad():
        ws = G.ws(z[:4], psi=0.0)
    assert torch.allclose(ws, G.w_avg.expand_as(ws))  # psi = 0: every sample at the average style


def test_mixing_cutoffs():
    g = torch.Generator().manual_seed(0)
    none = mixing_cutoffs(100, 6, 0.0, torch.device("cpu"), g)
    assert none.tolist() == [6] * 100
    every = mixing_cutoffs(1000, 6, 1.0, torch.device("cpu"), g)
    assert every.min() >= 1 and every.max() <= 5 and len(every.unique()) == 5
    some = mixing_cutoffs(4000, 6, 0.5, torch.device("cpu"), g)
    assert 0.45 < (some < 6).float().mean().item() < 0.55


def test_untrained_samples_vary_with_z():
    """He-initialised mapping and style layers: at step 0 the samples already differ across z by most
    of their contrast (with PyTorch's default Linear init they differed by 6%: a collapsed start)."""
    torch.manual_seed(0)
    g, _ = build_models("stylegan-lite", shape=(1, 28, 28), latent_dim=64, width=16)
    with torch.no_grad():
        x = g.eval()(torch.randn(256, 64, generator=torch.Generator().manual_seed(1)))
        w = g.mapping(torch.randn(256, 64, generator=torch.Generator().manual_seed(2)))
    assert x.std(0).mean() > 0.5 * x.std()  # variation across z vs. all variation
    assert 0.2 < w.std(0).mean() < 5  # w has about unit scale across z


def _blobs(n: int, left: bool, g: torch.Generator) -> torch.Tensor:
    """n 28x28 images, background -1, one bright 6x6 square in the left (or right) half."""
    x = -torch.ones(n, 1, 28, 28)
    rows = torch.randint(2, 20, (n,), generator=g)
    cols = torch.randint(1, 7, (n,), generator=g) + (0 if left else 14)
    for i in range(n):
        x[i, 0, rows[i]:rows[i] + 6, cols[i]:cols[i] + 6] = 1
    return x


@pytest.mark.parametrize("head", ["pool", "dense"])
def test_dense_head_tells_where_things_are(head):
    """StyleGAN-lite's D ends in StyleGAN's dense epilogue: it separates images that differ only in
    where a shape is (same textures), which the globally pooled residual D of resnet.py barely can at
    28 px (two blocks). That blindness let G collapse with D at chance."""
    from gan_core.models.resnet import ResNetDiscriminator

    torch.manual_seed(0)
    D = ResNetDiscriminator(channels=1, resolution=28, width=8, mbstd=True, head=head)
    opt = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.0, 0.99))
    g = torch.Generator().manual_seed(0)
    for _ in range(60):
        real, fake = _blobs(32, True, g), _blobs(32, False, g)
        loss = torch.nn.functional.softplus(-D(real)).mean() + torch.nn.functional.softplus(D(fake)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        real, fake = _blobs(200, True, g), _blobs(200, False, g)
        acc = ((D(real) > 0).float().mean() + (D(fake) < 0).float().mean()).item() / 2
    if head == "dense":
        assert acc > 0.95
    else:
        assert acc < 0.9  # documents why the style-based D does not pool
    _, Ds = build_models("stylegan-lite", shape=(1, 28, 28), latent_dim=8, width=4)
    assert Ds.head_kind == "dense"


def test_mapping_network_learns_at_one_percent():
    """SlowLinear (the mapping network's layers): same function as a Linear with weights
    lr_mul * stored, but an Adam step moves those effective weights lr_mul times as far."""
    from gan_core.models.stylegan import MAPPING_LR_MUL, SlowLinear

    torch.manual_seed(0)
    slow = SlowLinear(8, 8, lr_mul=0.01)
    plain = torch.nn.Linear(8, 8)
    with torch.no_grad():
        plain.weight.copy_(slow.weight * 0.01)
        plain.bias.copy_(slow.bias * 0.01)
    x = torch.randn(16, 8)
    assert torch.allclose(slow(x), plain(x), atol=1e-6)
    moved = []
    for net, eff in ((slow, lambda: slow.weight * 0.01), (plain, lambda: plain.weight)):
        before = eff().detach().clone()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        net(x).pow(2).sum().backward()
        opt.step()
        moved.append((eff().detach() - before).abs().max().item())
    assert moved[0] == pytest.approx(0.01 * moved[1], rel=1e-2)  # Adam: a step of ~lr per stored weight
    _G, _ = build_models("stylegan-lite", shape=(1, 28, 28), latent_dim=8, width=4)
    assert all(m.lr_mul == MAPPING_LR_MUL == 0.01 for m in _G.mapping.net if isinstance(m, SlowLinear))
