"""EMA of G: it differs from the raw weights and is what is sampled and checkpointed as "G";
runs with the new options resume bit-exactly (EMA, optimiser, schedule and RNG state)."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from gan_core.checkpoint import load_models
from gan_core.config import TrainConfig
from gan_core.data import Dataset
from gan_core.engine import Engine
from gan_core.run import TrainingRun

pytestmark = pytest.mark.usefixtures("isolated")


def images(n=32, shape=(1, 8, 8)):
    g = torch.Generator().manual_seed(0)
    return Dataset(x=torch.rand(n, *shape, generator=g) * 2 - 1, y=torch.arange(n) % 4, kind="image",
                   source="synthetic", class_names=tuple("abcd"))


def test_ema_weights_differ_from_raw_and_are_sampled():
    cfg = TrainConfig(dataset="digits", arch="dcgan", ema_decay=0.9, latent_dim=4, width=4, batch_size=8, n_fixed=4,
                      device="cpu")
    eng = Engine(cfg, images(), torch.device("cpu"))
    for _ in range(5):
        eng.train_step()
    raw, ema = dict(eng.G.named_parameters()), dict(eng.ema.module.named_parameters())
    assert raw.keys() == ema.keys()
    assert all(not torch.equal(raw[k], ema[k]) for k in raw)  # every tensor averaged, none equal to the raw one
    assert eng.G_sample is eng.ema.module
    with torch.no_grad():
        eng.ema.module.eval()
        want = eng.ema.module(eng.fixed_z)
        eng.G.eval()
        raw_out = eng.G(eng.fixed_z)
        eng.G.train()
    got = eng.sample_fixed()
    torch.testing.assert_close(got, want, rtol=0, atol=0)  # the grid shows the EMA generator
    assert not torch.allclose(got, raw_out)
    assert eng.G.training  # the raw G keeps training


def test_without_ema_the_raw_generator_is_sampled():
    cfg = TrainConfig(dataset="digits", arch="mlp", latent_dim=4, width=4, batch_size=8, n_fixed=4, device="cpu")
    eng = Engine(cfg, images(), torch.device("cpu"))
    assert eng.ema is None and eng.G_sample is eng.G


def test_checkpoint_holds_the_ema_generator_and_the_raw_one_for_resume(tmp_path):
    cfg = TrainConfig(dataset="digits", arch="dcgan", ema_decay=0.9, latent_dim=4, width=4, batch_size=16,
                      steps=6, log_every=3, sample_every=100, n_fixed=4, device="cpu")
    run = TrainingRun(cfg, tmp_path / "r")
    run.run()
    assert run.state == "finished", run.error
    path = tmp_path / "r" / "checkpoints" / "last.safetensors"
    G, _, _, _ = load_models(path)
    tensors = load_file(str(path))
    sd = G.state_dict()
    assert all(torch.equal(sd[k], tensors[f"train.ema.{k}"]) for k in sd)  # load_models gives the EMA G
    assert any(not torch.equal(sd[k], tensors[f"train.G_raw.{k}"]) for k in sd if "running" not in k)


RESUME_CASES = {
    "dcgan-ema-sn-regularisers": dict(
        dataset="digits", arch="dcgan", ema_decay=0.95, spectral_norm=True, r1_weight=0.5, label_smoothing=0.1,
        label_flip=0.1,
        instance_noise=0.2, diffaug="color,translation,cutout", grad_clip=5.0, schedule="warmup-cosine",
        warmup_steps=3),
    "stylegan-conditional-sgd-rmsprop-cyclic": dict(
        dataset="digits", arch="stylegan-lite", conditioning="projection", ema_decay=0.9, opt_g="sgd",
        opt_d="rmsprop", schedule="cyclic", lr_cycle_steps=4, style_mixing=0.5),
    "mlp-pacgan-wgan-exponential": dict(
        dataset="ring8", arch="mlp", loss="wgan", pac=2, d_steps=2, schedule="exponential", lr_step_every=3,
        opt_d="rmsprop"),
}


@pytest.mark.parametrize("case", list(RESUME_CASES))
def test_resume_is_bit_exact(tmp_path, case):
    base = dict(latent_dim=4, width=4, batch_size=16, log_every=2, sample_every=100, n_fixed=4, device="cpu",
                seed=3, checkpoint_every_s=3600.0, **RESUME_CASES[case])
    straight = TrainingRun(TrainConfig(steps=8, **base), tmp_path / "a")
    straight.run()
    assert straight.state == "finished", straight.error
    # the same config stopped at step 4 (schedules and the noise annealing depend on the total steps)
    half = TrainingRun(TrainConfig(steps=8, **base), tmp_path / "b")
    half.run(on_progress=lambda r: r.stop() if r.step >= 4 else None)
    assert half.state == "stopped" and half.step == 4, (half.state, half.step, half.error)
    resumed = TrainingRun.resume_from(tmp_path / "b")
    resumed.run()
    assert resumed.state == "finished", resumed.error
    a = load_file(str(tmp_path / "a" / "checkpoints" / "last.safetensors"))
    b = load_file(str(tmp_path / "b" / "checkpoints" / "last.safetensors"))
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]
