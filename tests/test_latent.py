"""gan_core.latent: interpolation, directions (GANSpace), truncation, style mixing, pictures."""

from __future__ import annotations

import io
import math

import pytest
import torch
from PIL import Image
from torchvision.utils import make_grid

from gan_core.latent import (
    LatentModel,
    axis_directions,
    gif_bytes,
    interpolate,
    interpolation_path,
    lerp,
    random_directions,
    slerp,
    truncate,
)
from gan_core.models import build_models
from gan_core.sampling import grid_uint8


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _model(arch: str, latent: int = 8, classes: int = 0, **kw) -> LatentModel:
    torch.manual_seed(0)
    G, _ = build_models(arch, shape=(1, 16, 16), latent_dim=latent, width=8, num_classes=classes,
                        conditioning="concat" if classes else "none", **kw)
    return LatentModel(G.eval(), latent, num_classes=classes)


# ------------------------------------------------------------------------------ lerp / slerp
def test_lerp_and_slerp_endpoints():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(16, generator=g), torch.randn(16, generator=g)
    for fn in (lerp, slerp):
        assert torch.allclose(fn(a, b, 0.0), a, atol=1e-6)
        assert torch.allclose(fn(a, b, 1.0), b, atol=1e-6)
    path = interpolate(a, b, 7, "slerp")
    assert path.shape == (7, 16) and torch.allclose(path[0], a, atol=1e-6) and torch.allclose(path[-1], b, atol=1e-6)


def test_slerp_keeps_the_norm_and_lerp_shortens_it():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(64, generator=g)
    b = torch.randn(64, generator=g)
    b = b / b.norm() * a.norm()  # equal norms
    t = torch.linspace(0, 1, 11)[:, None]
    norms = slerp(a[None], b[None], t).norm(dim=1)
    assert torch.allclose(norms, a.norm().expand(11), rtol=1e-5)
    mid = lerp(a, b, 0.5).norm()
    cos = torch.dot(a, b) / a.norm() ** 2
    assert mid < a.norm() * 0.95  # nearly orthogonal in 64-D: the straight midpoint is too short
    assert math.isclose(float(mid), float(a.norm() * torch.sqrt((1 + cos) / 2)), rel_tol=1e-5)
    # constant angular speed: equal angles between consecutive points
    p = slerp(a[None], b[None], t)
    ang = torch.arccos((p[1:] * p[:-1]).sum(1) / (p[1:].norm(dim=1) * p[:-1].norm(dim=1)))
    assert torch.allclose(ang, ang.mean().expand_as(ang), atol=1e-4)


def test_slerp_of_orthogonal_unit_vectors_is_on_the_circle():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    assert torch.allclose(slerp(a, b, 0.5), torch.tensor([1.0, 1.0]) / math.sqrt(2), atol=1e-6)


def test_slerp_falls_back_to_lerp_for_parallel_vectors():
    a = torch.tensor([1.0, 2.0, 3.0])
    for b in (2 * a, a.clone()):
        out = slerp(a, b, 0.25)
        assert torch.isfinite(out).all()
        assert torch.allclose(out, lerp(a, b, 0.25), atol=1e-6)


def test_interpolation_paths_open_and_looped():
    pts = torch.eye(4)[:3] * 3  # three points
    open_ = interpolation_path(pts, 5, "linear")
    assert open_.shape[0] == 2 * 4 + 1
    assert torch.allclose(open_[0], pts[0]) and torch.allclose(open_[4], pts[1]) and torch.allclose(open_[-1], pts[2])
    loop = interpolation_path(pts, 5, "slerp", loop=True)
    assert loop.shape[0] == 3 * 4  # the closing point is left out: frame 0 follows the last frame
    assert torch.allclose(loop[0], pts[0], atol=1e-6) and not torch.allclose(loop[-1], pts[0], atol=1e-3)
    with pytest.raises(ValueError, match="at least 2 steps"):
        interpolate(pts[0], pts[1], 1)
    with pytest.raises(ValueError, match="linear, slerp"):
        interpolate(pts[0], pts[1], 4, "cubic")
    with pytest.raises(ValueError, match="at least 2 points"):
        interpolation_path(pts[:1], 4)


# ------------------------------------------------------------------------------ directions
def _assert_orthonormal(v: torch.Tensor) -> None:
    assert torch.allclose(v @ v.T, torch.eye(v.shape[0]), atol=1e-5)


def test_random_and_axis_directions():
    d = random_directions(5, 12, seed=3)
    _assert_orthonormal(d.vectors)
    assert torch.equal(d.vectors, random_directions(5, 12, seed=3).vectors)
    assert not torch.allclose(d.vectors, random_directions(5, 12, seed=4).vectors)
    ax = axis_directions(12, [2, 7])
    want = torch.zeros(12).index_put_((torch.tensor([2, 7]),), torch.tensor([1.5, -2.0]))
    assert torch.equal(ax.offset([1.5, -2.0]), want)
    with pytest.raises(ValueError, match="1..12"):
        random_directions(13, 12)
    with pytest.raises(ValueError, match="0..11"):
        axis_directions(12, [12])


@pytest.mark.parametrize("arch", ["dcgan", "mlp", "resnet", "stylegan-lite"])
def test_ganspace_directions_are_orthonormal(arch):
    m = _model(arch)
    d = m.ganspace(k=5, n=512)
    assert d.vectors.shape == (5, 8)
    assert d.space == ("w" if arch == "stylegan-lite" else "z")
    _assert_orthonormal(d.vectors)
    assert (d.explained[:-1] >= d.explained[1:] - 1e-9).all()  # sorted by variance
    assert torch.equal(d.vectors, m.ganspace(k=5, n=512).vectors)  # reproducible
    x = m.generate(m.seeds_to_z([0, 1]), z_offset=d.offset([2.0]) if d.space == "z" else None,
                   w_offset=d.offset([2.0]) if d.space == "w" else None)
    assert not torch.allclose(x, m.generate(m.seeds_to_z([0, 1])))  # moving along PC1 changes the images


def test_ganspace_finds_the_dominant_direction_of_the_first_layer():
    """A first layer that stretches z along one direction v 20x more than along the others: the
    first principal direction carried back to z must be v (up to sign)."""
    m = _model("mlp", latent=6, g_norm="none")
    lin = m.core.net[0]
    g = torch.Generator().manual_seed(5)
    v = torch.nn.functional.normalize(torch.randn(6, generator=g), dim=0)
    u = torch.nn.functional.normalize(torch.randn(lin.out_features, generator=g), dim=0)
    with torch.no_grad():
        lin.weight.copy_(20 * u[:, None] * v[None] + 0.05 * torch.randn(lin.weight.shape, generator=g))
        lin.bias.zero_()
    d = m.ganspace(k=3, n=2048)
    assert abs(float(d.vectors[0] @ v)) > 0.98


def test_stylegan_pca_is_of_w():
    m = _model("stylegan-lite")
    d = m.ganspace(k=3, n=2048)
    w = m.to_w(m.seeds_to_z(range(2048)))
    var_pc1 = (w @ d.vectors[0]).var()
    rand = random_directions(8, 8, seed=0).vectors
    assert var_pc1 >= (w @ rand.T).var(0).max() - 1e-6  # no direction of w varies more than PC1
    assert math.isclose(float(d.scale[0]), float(var_pc1.sqrt()), rel_tol=0.05)


# ------------------------------------------------------------------------------ truncation
def test_truncate_formula():
    x, mean = torch.tensor([2.0, -4.0]), torch.tensor([1.0, 1.0])
    assert torch.equal(truncate(x, mean, 1.0), x)
    assert torch.allclose(truncate(x, mean, 0.0), mean)
    assert torch.allclose(truncate(x, mean, 0.5), torch.tensor([1.5, -1.5]))


@pytest.mark.parametrize("arch", ["dcgan", "mlp"])
def test_truncation_at_zero_gives_the_mean_latent_for_z(arch):
    m = _model(arch)
    x = m.generate(m.seeds_to_z(range(5)), psi=0.0)
    mean_image = m.generate(torch.zeros(1, 8))
    assert torch.allclose(x, mean_image.expand_as(x), atol=1e-6)
    assert not torch.allclose(m.generate(m.seeds_to_z(range(5)), psi=0.5), x)


def test_truncation_at_zero_gives_w_mean_for_stylegan():
    m = _model("stylegan-lite")
    w = m.w_of(m.seeds_to_z(range(4)), psi=0.0)
    assert torch.allclose(w, m.w_mean().expand_as(w), atol=1e-6)
    x = m.generate(m.seeds_to_z(range(4)), psi=0.0)
    assert torch.allclose(x, x[:1].expand_as(x), atol=1e-6)  # every seed gives the mean image
    # a trained generator tracks w_avg: then that is the mean used
    m2 = _model("stylegan-lite")
    m2.core.w_avg.fill_(0.25)
    w2 = m2.w_of(m2.seeds_to_z([7]), psi=0.0)
    assert torch.allclose(w2, torch.full_like(w2, 0.25))


# ------------------------------------------------------------------------------ style mixing
def test_style_mixing_takes_coarse_and_fine_styles_from_two_seeds():
    m = _model("stylegan-lite")
    za, zb = m.seeds_to_z([1]), m.seeds_to_z([2])
    a, b = m.generate(za), m.generate(zb)
    L = m.num_ws
    assert torch.allclose(m.generate(za, mix_z=zb, crossover=L), a, atol=1e-6)  # every layer from a
    assert torch.allclose(m.generate(za, mix_z=zb, crossover=0), b, atol=1e-6)  # every layer from b
    mixed = m.generate(za, mix_z=zb, crossover=L // 2)
    assert not torch.allclose(mixed, a, atol=1e-4) and not torch.allclose(mixed, b, atol=1e-4)
    # the generator's own sampling-time hook gives the same picture
    assert torch.allclose(m.core.mix(za, zb, L // 2), mixed, atol=1e-5)
    with pytest.raises(ValueError, match="crossover"):
        m.generate(za, mix_z=zb, crossover=L + 1)
    with pytest.raises(ValueError, match="style-based"):
        _model("dcgan").generate(za, mix_z=zb, crossover=1)


def test_conditional_models_take_the_class():
    m = _model("dcgan", classes=3)
    z = m.seeds_to_z([0, 0, 0])
    x = m.generate(z, torch.tensor([0, 1, 2]))
    assert not torch.allclose(x[0], x[1])
    assert torch.allclose(m.generate(z[:1], 2), x[2:], atol=1e-6)
    with pytest.raises(ValueError, match="0..2"):
        m.generate(z, 3)
    ms = _model("stylegan-lite", classes=3)
    assert ms.style and ms.conditional
    assert ms.generate(ms.seeds_to_z([0]), 1, mix_z=ms.seeds_to_z([1]), crossover=2).shape == (1, 1, 16, 16)


@pytest.mark.parametrize("arch", ["dcgan", "stylegan-lite"])
def test_bf16_preview_is_close_to_float32(arch):
    m = _model(arch)
    z = m.seeds_to_z(range(4))
    fp32, bf16 = m.generate(z), m.generate(z, bf16=True)
    assert bf16.dtype == torch.float32 and not torch.equal(fp32, bf16)  # another code path...
    # ...with close results (an untrained net: the style-based G's instance norms amplify rounding)
    assert float((fp32 - bf16).abs().max()) < 0.1 and float((fp32 - bf16).abs().mean()) < 0.02
    assert 0 < m.bf16_error() < 0.25
    assert torch.equal(m.generate(z), fp32)  # float32 stays the default


def test_seeds_give_the_same_latent_in_any_batch():
    m = _model("dcgan")
    assert torch.equal(m.seeds_to_z([5, 9])[1], m.seeds_to_z([9])[0])
    assert not torch.equal(m.seeds_to_z([5])[0], m.seeds_to_z([6])[0])


# ------------------------------------------------------------------------------ pictures
def test_uint8_grid_matches_torchvision():
    x = torch.rand(10, 3, 5, 7) * 2 - 1
    ref = make_grid(x, nrow=4, padding=1, normalize=True, value_range=(-1, 1), pad_value=1.0)
    ref = (ref.permute(1, 2, 0).numpy() * 255).round().astype("uint8")
    assert (grid_uint8(x, 4) == ref).all()
    assert grid_uint8(torch.zeros(64, 1, 28, 28)).shape == (8 * 29 + 1, 8 * 29 + 1)


def test_gif_has_every_frame_and_loops():
    frames = torch.linspace(-1, 1, 9)[:, None, None, None, None].expand(9, 2, 1, 8, 8).contiguous()
    data = gif_bytes(frames, fps=10, scale=2)
    img = Image.open(io.BytesIO(data))
    assert img.format == "GIF" and img.is_animated
    assert img.n_frames == 9
    assert img.info["loop"] == 0  # Netscape extension: loop forever
    assert img.info["duration"] == 100
    assert img.size == (2 * (2 * 9 + 1), 2 * (8 + 2))  # two 8x8 cells side by side, 1 px borders, upscaled 2x
    with pytest.raises(ValueError, match="0.5..50"):
        gif_bytes(frames, fps=100)


def test_redraw_threads_follow_the_load(monkeypatch):
    from gan_core import threads as latent

    monkeypatch.setattr(latent.os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.setattr(latent.os, "getloadavg", lambda: (0.2, 0.0, 0.0))
    assert latent.auto_threads() == 2  # idle: every core
    monkeypatch.setattr(latent.os, "getloadavg", lambda: (1.2, 0.0, 0.0))
    assert latent.auto_threads() == 1
    monkeypatch.setattr(latent.os, "getloadavg", lambda: (30.0, 0.0, 0.0))
    assert latent.auto_threads() == 1  # busy: one thread, never 0
    before = torch.get_num_threads()
    with latent.torch_threads(before + 1):
        assert torch.get_num_threads() == before + 1
    assert torch.get_num_threads() == before
