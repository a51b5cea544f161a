"""The 2-D lab: the view's data (heat map, arrows, manifold) against hand computations, the
stepping controls, the noise distributions and the small MLP."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_core.checks import validate_config
from gan_core.config import PRESETS, ConfigError, TrainConfig, preset
from gan_core.losses import LOSSES
from gan_core.noise import noise_range, sample_noise
from gan_core.toylab import ToyLab, d_surface, display_arrows, g_arrows, g_manifold, plane_grid

pytestmark = pytest.mark.usefixtures("isolated")

SMALL = dict(dataset="ring8", arch="toy-mlp", depth=2, width=16, latent_dim=2, batch_size=64, lr_g=1e-3, lr_d=1e-3,
             n_fixed=64, steps=100, device="cpu")


def small(**kw) -> TrainConfig:
    return validate_config(TrainConfig(**{**SMALL, **kw}))


def linear_critic(w=(0.8, -0.6), b=0.1) -> nn.Linear:
    lin = nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([w]))
        lin.bias.fill_(b)
    return lin


# ---------------------------------------------------------------------------- pure view functions
def test_plane_grid_is_row_y_column_x():
    xs, ys, pts = plane_grid(2.0, 5)
    assert xs.tolist() == ys.tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert pts.shape == (25, 2)
    assert pts[1 * 5 + 3].tolist() == [1.0, -1.0]  # row i = 1 is y = -1, column j = 3 is x = 1


def test_heat_map_values_are_d_outputs():
    torch.manual_seed(0)
    D = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
    def critic(x):
        return D(x).squeeze(1)

    xs, ys, z = d_surface(critic, torch.sigmoid, 1.5, res=7)
    assert z.shape == (7, 7)
    for i, j in ((0, 0), (2, 5), (6, 3)):
        want = torch.sigmoid(D(torch.tensor([[xs[j], ys[i]]], dtype=torch.float32))).item()
        assert z[i, j] == pytest.approx(want, abs=1e-6)
    _, _, raw = d_surface(critic, lambda t: t, 1.5, res=7)  # raw scores for non-BCE losses
    assert raw[4, 1] == pytest.approx(D(torch.tensor([[xs[1], ys[4]]], dtype=torch.float32)).item(), abs=1e-6)


def test_arrows_match_hand_computed_gradients_of_a_linear_d():
    lin = linear_critic()
    def critic(x):
        return lin(x).squeeze(1)

    w = torch.tensor([0.8, -0.6])
    pts = torch.tensor([[0.0, 0.0], [1.0, 2.0], [-1.5, 0.5]])
    f = pts @ w + 0.1
    # non-saturating: l = softplus(-f), dl/dx = -sigmoid(-f) w, so the push -dl/dx = sigmoid(-f) w
    push = g_arrows(critic, LOSSES.get("ns").g_loss, pts)
    assert np.allclose(push, (torch.sigmoid(-f)[:, None] * w).numpy(), atol=1e-6)
    # minimax: l = -softplus(f), push = sigmoid(f) w (same direction, vanishing where D(x) -> 0)
    push = g_arrows(critic, LOSSES.get("minimax").g_loss, pts)
    assert np.allclose(push, (torch.sigmoid(f)[:, None] * w).numpy(), atol=1e-6)
    # LSGAN: l = (f - 1)^2 / 2, push = (1 - f) w: towards the boundary D = 1 from either side
    push = g_arrows(critic, LOSSES.get("lsgan").g_loss, pts)
    assert np.allclose(push, ((1 - f)[:, None] * w).numpy(), atol=1e-6)
    # WGAN / hinge: l = -f, push = w everywhere
    for name in ("wgan-gp", "hinge"):
        assert np.allclose(g_arrows(critic, LOSSES.get(name).g_loss, pts), np.tile(w.numpy(), (3, 1)), atol=1e-6)


def test_arrows_point_up_a_bump_of_d():
    c = torch.tensor([0.5, -0.25])
    def critic(x):
        return -((x - c) ** 2).sum(1)

    pts = torch.tensor([[2.0, 1.0], [-1.0, -1.0], [0.5, 1.0]])
    push = g_arrows(critic, LOSSES.get("wgan-gp").g_loss, pts)  # l = -D: push = grad D = -2 (x - c)
    assert np.allclose(push, (-2 * (pts - c)).numpy(), atol=1e-6)
    unit = push / np.linalg.norm(push, axis=1, keepdims=True)
    toward = (c - pts).numpy() / np.linalg.norm((c - pts).numpy(), axis=1, keepdims=True)
    assert np.allclose(unit, toward, atol=1e-6)


def test_display_arrows_keep_directions_and_scale_the_longest():
    push = np.array([[3.0, 4.0], [0.0, -1.0], [0.0, 0.0]])
    arrows = display_arrows(push, 0.5)
    assert np.linalg.norm(arrows, axis=1).max() == pytest.approx(0.5)
    assert np.allclose(arrows[0] / np.linalg.norm(arrows[0]), [0.6, 0.8])
    assert np.allclose(arrows[1], [0.0, -0.1])  # relative sizes kept
    assert np.allclose(display_arrows(np.zeros((2, 2)), 1.0), 0.0)


def test_manifold_is_g_over_a_noise_grid():
    def ident(z):
        return z

    lines = g_manifold(ident, 2, "uniform", lines=5, line_points=9)
    assert len(lines) == 10 and all(ln.shape == (9, 2) for ln in lines)
    assert np.allclose(lines[0][:, 1], -1.0) and np.allclose(lines[0][[0, -1], 0], [-1.0, 1.0])  # z2 = -1 row
    assert np.allclose(lines[5][:, 0], -1.0)  # first column: z1 = -1
    doubled = g_manifold(lambda z: 2 * z, 2, "gaussian", lines=3, line_points=4)
    assert np.abs(np.concatenate(doubled)).max() == pytest.approx(2 * noise_range("gaussian"))
    curve = g_manifold(lambda z: torch.cat([z, z ** 2], 1), 1, "gaussian", points=11)
    assert len(curve) == 1 and curve[0].shape == (11, 2)
    assert np.allclose(curve[0][:, 1], curve[0][:, 0] ** 2, atol=1e-5) and curve[0][0, 0] == pytest.approx(-3.0)
    assert g_manifold(ident, 3, "gaussian") is None


# ---------------------------------------------------------------------------- noise and the small MLP
def test_noise_distributions():
    g = torch.Generator().manual_seed(0)
    u = sample_noise("uniform", 20_000, 2, generator=g)
    assert u.min() >= -1 and u.max() < 1 and abs(float(u.mean())) < 0.02
    assert float(u.var()) == pytest.approx(1 / 3, rel=0.05)
    z = sample_noise("gaussian", 5, 3, generator=torch.Generator().manual_seed(4))
    assert torch.equal(z, torch.randn(5, 3, generator=torch.Generator().manual_seed(4)))  # what it was before
    with pytest.raises(ValueError, match="allowed: gaussian, uniform"):
        sample_noise("laplace", 1, 1)
    with pytest.raises(ConfigError, match="noise"):
        small(noise="laplace")


def test_engine_uses_the_configured_noise():
    from gan_core.data import load_dataset
    from gan_core.engine import Engine

    cfg = small(noise="uniform", n_fixed=500)
    eng = Engine(cfg, load_dataset(cfg, device="cpu"), torch.device("cpu"))
    assert eng.fixed_z.abs().max() <= 1 and eng._z(1000).abs().max() <= 1
    assert eng.fixed_z.std() < 0.7  # uniform on [-1, 1]: std 0.577 (a Gaussian's would be about 1)


@pytest.mark.parametrize("depth", [0, 1, 5])
def test_toy_mlp_has_depth_hidden_layers_of_one_width(depth):
    from gan_core.models import build_models

    G, D = build_models("toy-mlp", shape=(2,), latent_dim=1, width=24, depth=depth)
    g_lin = [m for m in G.modules() if isinstance(m, nn.Linear)]
    d_lin = [m for m in D.modules() if isinstance(m, nn.Linear)]
    assert len(g_lin) == len(d_lin) == depth + 1
    assert all(m.out_features == 24 for m in g_lin[:-1]) and g_lin[-1].out_features == 2
    assert G(torch.zeros(3, 1)).shape == (3, 2) and D(torch.zeros(3, 2)).shape == (3,)
    assert not any(isinstance(m, nn.BatchNorm1d) for m in G.modules())  # no norm unless asked for


def test_toy_mlp_depth_is_limited():
    with pytest.raises(ConfigError, match="depth"):
        small(depth=6)


def test_engine_iteration_is_its_d_phase_then_its_g_phase():
    from gan_core.data import load_dataset
    from gan_core.engine import Engine

    cfg = small(d_steps=2)
    data = load_dataset(cfg, device="cpu")
    a, b = Engine(cfg, data, torch.device("cpu")), Engine(cfg, data, torch.device("cpu"))
    for _ in range(3):
        a.train_step()
        for phase in b.phases:  # the iteration's phases run one by one, as the lab runs them
            b.run_phase(phase)
        b.end_iteration()
    for p, q in zip([*a.G.parameters(), *a.D.parameters()], [*b.G.parameters(), *b.D.parameters()]):
        assert torch.equal(p, q)
    assert a.step == b.step == 3 and a.flush().values == b.flush().values


# ---------------------------------------------------------------------------- the lab
def _params(m: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in m.parameters()]


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_d_step_leaves_g_unchanged_and_g_step_leaves_d_unchanged():
    lab = ToyLab(small(d_steps=2))
    g0, d0 = _params(lab.engine.G), _params(lab.engine.D)
    act = lab.step_d()
    assert act.kind == "D" and "Discriminator step" in act.text
    assert _same(g0, _params(lab.engine.G)) and not _same(d0, _params(lab.engine.D))
    assert (lab.step, lab.d_updates, lab.g_updates, lab.next_phase) == (0, 2, 0, "G")
    assert act.after["_fake"].equal(act.before["_fake"])  # fake points do not move in a D step
    d1 = _params(lab.engine.D)
    g1 = _params(lab.engine.G)
    act = lab.step_g()
    assert _same(d1, _params(lab.engine.D)) and not _same(g1, _params(lab.engine.G))
    assert (lab.step, lab.d_updates, lab.g_updates, lab.next_phase) == (1, 2, 1, "D")
    assert not act.after["_fake"].equal(act.before["_fake"])
    lab.step_both()
    assert (lab.step, lab.d_updates, lab.g_updates) == (2, 4, 2)
    assert [r["step"] for r in lab.history] == [0, 1, 2] and math.isnan(lab.history[0].get("g_loss", math.nan))


def test_slow_motion_alternates_the_phases_and_play_runs_whole_iterations():
    lab = ToyLab(small())
    assert [lab.step_phase().kind for _ in range(4)] == ["D", "G", "D", "G"]
    assert lab.step == 2
    lab.step_d()
    n = lab.run_for(0.05, max_steps=3)  # finishes the half-done iteration, then whole ones
    assert 1 <= n <= 3 and lab.step == 2 + n and lab.next_phase == "D"
    assert lab.steps_per_s() > 0


def test_play_stops_at_the_configured_steps():
    lab = ToyLab(small(steps=3))
    assert lab.run_for(5.0) == 3 and lab.finished and lab.step == 3
    assert lab.run_for(5.0) == 0
    lab.step_both()  # single steps go on
    assert lab.step == 4


def test_snapshot_heat_map_and_arrows_come_from_the_lab_d():
    lab = ToyLab(small(), heat_res=9)
    lab.step_both()
    snap = lab.snapshot()
    D = lab.engine.D
    pts = torch.tensor([[snap.heat_x[2], snap.heat_y[7]]], dtype=torch.float32)
    with torch.no_grad():
        assert snap.heat[7, 2] == pytest.approx(torch.sigmoid(D(pts)).item(), abs=1e-6)  # ns: P(real)
    assert snap.heat_is_probability and snap.fake.shape == (64, 2) and snap.real.shape[1] == 2
    x = torch.tensor(snap.fake[:1], requires_grad=True)
    (grad,) = torch.autograd.grad(F.softplus(-D(x)).sum(), x)
    assert np.allclose(snap.push[0], -grad[0].numpy(), atol=1e-5)
    lengths = np.linalg.norm(snap.arrows, axis=1)
    assert lengths.max() == pytest.approx(0.12 * snap.extent)
    assert len(snap.manifold) == 2 * 15

    wlab = ToyLab(small(loss="wgan-gp"), heat_res=9)
    wsnap = wlab.snapshot()
    with torch.no_grad():
        assert wsnap.heat[0, 0] == pytest.approx(wlab.engine.D(torch.tensor([[wsnap.heat_x[0], wsnap.heat_y[0]]],
                                                                             dtype=torch.float32)).item(), abs=1e-6)
    assert not wsnap.heat_is_probability


def test_lab_with_packing_uniform_1d_noise_and_conditioning():
    pac = ToyLab(small(pac=4))
    pac.step_both()
    s = pac.snapshot()
    assert s.heat.shape == (48, 48) and np.isfinite(s.push).all()
    one = ToyLab(small(latent_dim=1, noise="uniform"))
    assert len(one.snapshot().manifold) == 1
    cond = ToyLab(small(dataset="moons", conditioning="concat"))
    cond.step_both()
    assert cond.snapshot().manifold is None and np.isfinite(cond.snapshot().heat).all()


def test_scores_use_the_mixture_when_there_is_one():
    ring = ToyLab(small())
    s = ring.score()
    assert set(s) >= {"kl", "js", "modes_covered", "hq_pct"} and s["n_modes"] == 8
    spiral = ToyLab(small(dataset="spiral"))
    s = spiral.score()
    assert "modes_covered" not in s and 0 <= s["js"] <= math.log(2) + 1e-9


def test_lab_shows_a_csv_of_points(isolated):
    (isolated / "data").mkdir()
    pts = np.random.default_rng(0).normal(size=(200, 2)) * [3.0, 0.5] + [1.0, -2.0]
    (isolated / "data" / "pts.csv").write_text("x,y\n" + "\n".join(f"{a},{b}" for a, b in pts))
    lab = ToyLab(small(dataset="csv:pts.csv"), heat_res=8)
    lab.step_both()
    snap = lab.snapshot()
    assert snap.extent > np.abs(pts).max() and np.isfinite(snap.heat).all()
    assert {tuple(p) for p in snap.real.round(6)} <= {tuple(p) for p in pts.astype(np.float32).round(6)}
    s = lab.score()
    assert "modes_covered" not in s and 0 <= s["js"] <= math.log(2) + 1e-9


def test_lab_refuses_image_datasets():
    with pytest.raises(ConfigError, match="2-D"):
        ToyLab(TrainConfig(dataset="digits", arch="mlp", latent_dim=2, device="cpu"))


def test_lab_stops_on_divergence():
    lab = ToyLab(small())
    with torch.no_grad():
        for p in lab.engine.D.parameters():
            p.fill_(float("nan"))
    lab.step_both()
    assert lab.error and "diverged" in lab.error
    assert lab.run_for(0.01) == 0


def test_lab_presets_are_valid_2d_configs():
    names = [k for k, p in PRESETS.items() if p.fields.get("arch") == "toy-mlp"]
    assert {"ring8-lab", "ring8-best", "grid25-best"} <= set(names)
    for name in names:
        cfg = preset(name)
        assert cfg.dataset in ("ring8", "grid25") and cfg.latent_dim in (1, 2)


def test_benchmark_configurations():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "toy_modes.py"
    spec = importlib.util.spec_from_file_location("toy_modes", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    plain = mod.config_for("plain", "grid25", {})
    best = preset("grid25-best")
    assert plain.loss == "ns" and plain.pac == 1 and plain.ema_decay == 0 and plain.r1_weight == 0
    assert (plain.width, plain.depth, plain.dataset) == (best.width, best.depth, "grid25")
    assert mod.config_for("ring8-best", "grid25", {}) is None  # a preset runs on its own dataset only
    r = mod.train_and_score(("plain", "ring8", 0, small(steps=5).to_dict(), 1))
    assert r["modes"] <= 8 and 0 <= r["hq"] <= 100 and r["error"] is None
