"""Several discriminators (`--num-d K`, GMAN; gan_core/models/multi_d.py).

K = 1 is the one-D engine (tests/test_engine_pinned.py pins its numbers; here its nets are the same
too). K > 1: D's objective is the mean of the critics' own losses and penalties, G's the softmax-weighted
mean of its K losses; each critic starts from its own initialisation; every loss, penalty and
conditioning trains; checkpoints load and resume; K out of range and conflicting options are refused.
"""

from __future__ import annotations

import pytest
import torch

from gan_core.checks import validate_config
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import load_dataset
from gan_core.engine import Engine
from gan_core.losses import LOSSES
from gan_core.models import build_models, model_kwargs
from gan_core.models.multi_d import MultiDiscriminator, generator_loss
from gan_core.regularizers import r1_penalty

pytestmark = pytest.mark.usefixtures("isolated")

CPU = torch.device("cpu")
DIGITS = dict(dataset="digits", arch="dcgan", width=8, latent_dim=8)
RING = dict(dataset="ring8", arch="mlp", latent_dim=2, width=16, batch_size=32, device="cpu", seed=0, n_fixed=16)


def _engine(**kw) -> Engine:
    cfg = validate_config(TrainConfig(**{**RING, **kw}))
    return Engine(cfg, load_dataset(cfg, device=CPU), CPU)


def test_one_discriminator_builds_the_same_nets_as_before():
    cfg = TrainConfig(**RING)
    torch.manual_seed(0)
    G1, D1 = build_models(cfg.arch, shape=(2,), **{**model_kwargs(cfg), "num_d": 1})
    torch.manual_seed(0)
    kw = model_kwargs(cfg)
    kw.pop("num_d")
    G0, D0 = build_models(cfg.arch, shape=(2,), **kw)  # the call of the code before the option
    for a, b in ((G1, G0), (D1, D0)):
        sa, sb = a.state_dict(), b.state_dict()
        assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not isinstance(D1, MultiDiscriminator)


def test_k_critics_start_apart_and_d_x_is_their_mean():
    e = _engine(num_d=3)
    D = e.D
    assert isinstance(D, MultiDiscriminator) and D.num_critics == 3
    w = [next(m.parameters()).detach() for m in D.members]
    assert not torch.equal(w[0], w[1]) and not torch.equal(w[1], w[2])
    x = torch.randn(5, 2)
    each = D(x, each=True)
    assert each.shape == (3, 5)
    assert torch.allclose(D(x), each.mean(0))


def test_d_loss_is_the_mean_of_the_critics_losses_and_r1_is_per_critic():
    e = _engine(num_d=2, r1_weight=1.0, loss="ns")
    D = e.D
    # recompute the D objective of one update from the members, drawing the same batch and noise
    state = e.gen.get_state()
    loss, metrics = e._d_objective()
    e.gen.set_state(state)
    real, y = e._batch()
    with torch.no_grad():
        fake = e._generate(e._z(real.shape[0]), y)
    ns = LOSSES.get("ns")
    per = [ns.discriminator(m(real), m(fake))[0] for m in D.members]
    r1 = [r1_penalty(m, real) for m in D.members]
    want = torch.stack(per).mean() + 0.5 * 1.0 * torch.stack(r1).mean()
    assert loss.item() == pytest.approx(want.item(), rel=1e-5)
    assert metrics["penalty"].item() == pytest.approx(torch.stack(r1).mean().item(), rel=1e-5)
    # R1 of the mean critic would be another number: the penalty is each critic's own
    assert torch.stack(r1).mean().item() != pytest.approx(r1_penalty(D, real).item(), rel=1e-3)


def test_g_loss_softmax_weighting_goes_from_mean_to_max():
    loss = LOSSES.get("ns")
    f = torch.tensor([[2.0, 1.0], [-1.0, -2.0], [0.0, 0.5]])  # 3 critics' scores of 2 fakes
    per = torch.stack([loss.generator(f[k])[0] for k in range(3)])
    assert generator_loss(loss, f, 0.0)[0].item() == pytest.approx(per.mean().item())
    assert generator_loss(loss, f, 100.0)[0].item() == pytest.approx(per.max().item(), rel=1e-4)
    mid = generator_loss(loss, f, 1.0)[0].item()
    assert per.mean().item() < mid < per.max().item()
    want = (torch.softmax(per, 0) * per).sum().item()
    assert mid == pytest.approx(want)


@pytest.mark.parametrize("kw", [
    dict(loss="ns", label_flip=0.1, label_smoothing=0.1, gman_lambda=1.0),
    dict(loss="wgan-gp", d_steps=2),
    dict(loss="wgan", opt_d="rmsprop", opt_g="rmsprop"),
    dict(loss="hinge", spectral_norm=True, ema_decay=0.9),
    dict(loss="lsgan", **DIGITS, conditioning="projection", r1_weight=0.5),
    dict(loss="ns", **DIGITS, conditioning="concat", diffaug="translation"),
])
def test_several_critics_train_with_every_kind_of_loss(kw):
    e = _engine(num_d=3, **kw)
    before = [next(m.parameters()).detach().clone() for m in e.D.members]
    for _ in range(3):
        e.train_step()
    w = e.flush()  # raises Divergence on a NaN/Inf metric
    assert w.step == 3
    for m, b in zip(e.D.members, before):  # every critic learns
        assert not torch.equal(next(m.parameters()).detach(), b)


def test_a_run_with_several_critics_checkpoints_loads_and_resumes(tmp_path):
    from gan_core.checkpoint import load_models
    from gan_core.run import TrainingRun

    cfg = TrainConfig(**RING, num_d=2, steps=40, log_every=10, score_every=0, sample_every=1000)
    run = TrainingRun(cfg, tmp_path / "r")
    run.run(on_progress=lambda r: r.stop() if r.step >= 20 else None)
    G, D, cfg2, _meta = load_models(tmp_path / "r" / "checkpoints" / "last.safetensors")
    assert isinstance(D, MultiDiscriminator) and D.num_critics == 2 and cfg2.num_d == 2
    again = TrainingRun.resume_from(tmp_path / "r")
    again.run()
    assert (again.state, again.step) == ("finished", 40)


@pytest.mark.parametrize(("kw", "field", "says"), [
    (dict(num_d=0), "num_d", "an integer from 1 to 8"),
    (dict(num_d=9), "num_d", "an integer from 1 to 8"),
    (dict(num_d=2, pac=2), "num_d", "set num_d to 1 or pac to 1"),
    (dict(num_d=2, gman_lambda=-1.0), "gman_lambda", "[0, 100]"),
    (dict(num_d=2, gman_lambda=float("nan")), "gman_lambda", "[0, 100]"),
])
def test_k_out_of_range_and_conflicts_are_refused(kw, field, says):
    with pytest.raises(ConfigError) as e:
        validate_config(TrainConfig(**{**RING, **kw}))
    assert e.value.field == field and says in str(e.value), str(e.value)


def test_lambda_is_shown_only_with_several_critics():
    from gan_core.options import applies_text, is_relevant

    assert not is_relevant("gman_lambda", TrainConfig().to_dict())
    assert is_relevant("gman_lambda", TrainConfig(num_d=2).to_dict())
    assert applies_text("gman_lambda") == "num_d > 1"
