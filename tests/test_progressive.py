"""Progressive growing (--progressive, gan_core/models/progressive.py): the nets at each level, the
fade-in schedule, the engine's real batches and sample grid, resume mid-fade, and the refusals."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from gan_core.checkpoint import load_models
from gan_core.checks import validate_config
from gan_core.config import ConfigError, TrainConfig, preset
from gan_core.data import Dataset
from gan_core.engine import Engine
from gan_core.models import build_models
from gan_core.models.progressive import growth_at, growth_end, real_at, sizes
from gan_core.run import TrainingRun

pytestmark = pytest.mark.usefixtures("isolated")

TINY = dict(dataset="digits", arch="dcgan", latent_dim=8, width=4, batch_size=16, n_fixed=4, device="cpu",
            progressive=True, grow_every=6, steps=20, log_every=2, sample_every=100, score_every=0)


def images(n=64, shape=(1, 8, 8)):
    g = torch.Generator().manual_seed(0)
    return Dataset(x=torch.rand(n, *shape, generator=g) * 2 - 1, y=None, kind="image", source="synthetic")


def blocky(x: torch.Tensor, f: int) -> bool:
    """Whether every f x f block of the images is one value (a nearest-neighbour upsampling)."""
    return torch.equal(x, F.interpolate(x[..., ::f, ::f], scale_factor=f, mode="nearest"))


def test_the_resolutions_halve_down_to_dcgans_smallest():
    assert sizes(28) == (7, 14, 28) and sizes(32) == (4, 8, 16, 32) and sizes(8) == (2, 4, 8)


@pytest.mark.parametrize("arch, res", [("dcgan", 28), ("dcgan", 32), ("stylegan-lite", 28)])
def test_g_and_d_at_every_level_and_fade_keep_the_full_size(arch, res):
    G, D = build_models(arch, shape=(1, res, res), latent_dim=8, width=4, progressive=True)
    G.eval()  # StyleGAN-lite: its fixed noise
    levels = sizes(res)
    z = torch.randn(3, 8)
    for k, r in enumerate(levels):
        for alpha in (0.0, 0.5, 1.0):
            G.set_growth(k, alpha)
            D.set_growth(k, alpha)
            x = G(z)
            assert x.shape == (3, 1, res, res)
            assert x.abs().max() <= 1
            assert D(x).shape == (3,)
            if alpha == 1.0:  # r_k x r_k images, upscaled with nearest neighbours
                assert blocky(x, res // r)
                assert not blocky(x, 2 * res // r) or r == res  # and not coarser
            elif k > 0:  # during the fade the image has r_k detail too
                assert blocky(x, res // r)
    G.set_growth(0, 1.0)
    x0 = G(z)
    G.set_growth(1, 0.0)  # alpha 0: the new level is not seen yet, only the upsampled old one
    torch.testing.assert_close(G(z), x0)


@pytest.mark.parametrize("arch", ["dcgan", "stylegan-lite"])
def test_d_at_a_level_sees_only_that_resolution(arch):
    _, D = build_models(arch, shape=(1, 28, 28), latent_dim=8, width=4, progressive=True)
    D.eval()
    x = torch.randn(2, 1, 28, 28)
    D.set_growth(1, 1.0)  # 14 px: a 28 px image and its 14 px average score the same
    torch.testing.assert_close(D(x), D(F.interpolate(F.avg_pool2d(x, 2), scale_factor=2)))


def test_alpha_ramps_from_0_to_1_over_half_of_each_phase():
    every = 10
    got = [growth_at(s, start=0, final=2, every=every) for s in range(40)]
    assert all(g == (0, 1.0) for g in got[:10])
    assert [a for _, a in got[10:16]] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert all(g == (1, 1.0) for g in got[15:20])
    assert got[20] == (2, 0.0) and got[25] == (2, 1.0) and all(g == (2, 1.0) for g in got[25:])
    assert growth_end(start=0, final=2, every=every) == 25
    assert growth_at(10, start=1, final=2, every=every) == (2, 0.0)  # starting at a later level


def test_real_images_are_pooled_and_blended_during_the_fade():
    x = torch.randn(2, 1, 8, 8)
    x4 = F.avg_pool2d(x, 2)
    up = lambda t, f: F.interpolate(t, scale_factor=f, mode="nearest")  # noqa: E731
    torch.testing.assert_close(real_at(x, 1, 1.0, 2), up(x4, 2))
    torch.testing.assert_close(real_at(x, 1, 0.0, 2), up(F.avg_pool2d(x, 4), 4))
    torch.testing.assert_close(real_at(x, 1, 0.25, 2), up(0.75 * up(F.avg_pool2d(x4, 2), 2) + 0.25 * x4, 2))
    assert torch.equal(real_at(x, 2, 1.0, 2), x)


def test_engine_grows_and_the_grid_keeps_its_size():
    eng = Engine(TrainConfig(**TINY, ema_decay=0.9), images(), torch.device("cpu"))
    seen = []
    for _ in range(16):
        level, alpha = eng.growth_now()
        assert (eng.G.level, eng.G.alpha) == (eng.ema.module.level, eng.ema.module.alpha) == (level, alpha)
        assert (eng.D.level, eng.D.alpha) == (level, alpha)
        grid = eng.sample_fixed()
        assert grid.shape == (4, 1, 8, 8)
        if alpha == 1.0:
            assert blocky(grid, 8 // (2, 4, 8)[level])
        seen.append((level, alpha))
        eng.train_step()
    assert seen[0] == (0, 1.0) and (1, 0.0) in seen and (2, 0.0) in seen and seen[-1] == (2, 1.0)
    assert eng.step == 16


@pytest.mark.parametrize("arch", ["dcgan", "stylegan-lite"])
def test_resume_mid_fade_gives_the_weights_of_an_uninterrupted_run(tmp_path, arch):
    base = dict(TINY, arch=arch, ema_decay=0.9, seed=2, checkpoint_every_s=3600.0)
    straight = TrainingRun(TrainConfig(**base), tmp_path / "a")
    straight.run()
    assert straight.state == "finished", straight.error
    half = TrainingRun(TrainConfig(**base), tmp_path / "b")
    half.run(on_progress=lambda r: r.stop() if r.step >= 14 else None)
    assert half.state == "stopped" and half.step == 14, (half.state, half.step, half.error)
    assert growth_at(14, start=0, final=2, every=6) == (2, pytest.approx(2 / 3))  # in the middle of a fade-in
    resumed = TrainingRun.resume_from(tmp_path / "b")
    resumed.run()
    assert resumed.state == "finished", resumed.error
    a = load_file(str(tmp_path / "a" / "checkpoints" / "last.safetensors"))
    b = load_file(str(tmp_path / "b" / "checkpoints" / "last.safetensors"))
    assert a.keys() == b.keys() and any(k.startswith(("G.to_rgb.0", "G.rgbs.0")) for k in a), sorted(a)[:9]
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]


def test_non_progressive_nets_are_unchanged():
    G, D = build_models("dcgan", shape=(1, 8, 8), latent_dim=8, width=4)
    assert not hasattr(G, "set_growth") and not hasattr(D, "set_growth")


@pytest.mark.parametrize("over, field, words", [
    (dict(arch="resnet"), "progressive", "available for: dcgan, stylegan-lite"),
    (dict(arch="mlp"), "progressive", "available for: dcgan, stylegan-lite"),
    (dict(grow_from=3), "grow_from", "allowed: 0 (= 2), 2, 4"),
    (dict(grow_from=8), "grow_from", "does not halve down"),
    (dict(grow_every=9), "grow_every", "after the run (20 steps); make grow_every at most 8"),
    (dict(conditioning="concat"), "conditioning", "class conditioning"),
    (dict(pac=2), "pac", "PacGAN"),
    (dict(num_d=2), "num_d", "several discriminators"),
    (dict(compile=True), "compile", "torch.compile"),
])
def test_bad_inputs_are_refused(over, field, words):
    with pytest.raises(ConfigError) as e:
        validate_config(TrainConfig(**{**TINY, **over}))
    assert e.value.field == field and words in str(e.value), str(e.value)


def test_the_fmnist_preset_grows_7_14_28():
    cfg = validate_config(preset("fmnist-fast").replace(progressive=True, grow_every=1000, grow_from=7))
    assert cfg.progressive
    with pytest.raises(ConfigError, match="allowed: 0 \\(= 7\\), 7, 14"):
        validate_config(cfg.replace(grow_from=4))


def test_a_checkpoint_of_a_run_stopped_while_growing_samples_at_its_resolution(tmp_path):
    run = TrainingRun(TrainConfig(**TINY), tmp_path / "r")
    run.run(on_progress=lambda r: r.stop() if r.step >= 8 else None)  # 4 px, alpha 2/3 at step 8
    assert run.state == "stopped" and run.step == 8
    G, D, _, _ = load_models(tmp_path / "r" / "checkpoints" / "last.safetensors")
    assert (G.level, G.alpha) == (D.level, D.alpha) == (1, pytest.approx(2 / 3))
    TrainingRun.resume_from(tmp_path / "r").run()  # finished: full size
    G, D, _, _ = load_models(tmp_path / "r" / "checkpoints" / "last.safetensors")
    assert (G.level, G.alpha) == (D.level, D.alpha) == (2, 1.0)
