"""The engine's iteration as data (Engine.phases, the terms of D's objective), lazy R1, and what a loss needs
read from its attributes (GANLoss) by the engine, the checks, the monitor and the 2-D lab, never from its name."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_core.checks import validate_config
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import load_dataset
from gan_core.engine import METRICS, Engine
from gan_core.eval_mode import eval_mode
from gan_core.losses import LOSSES, GANLoss, ns_d_loss, ns_g_loss, wgan_d_loss, wgan_g_loss
from gan_core.metrics.monitor import Monitor
from gan_core.registry import Entry

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def ring(**kw) -> TrainConfig:
    fields = dict(dataset="ring8", arch="mlp", latent_dim=2, width=16, batch_size=32, steps=50, device="cpu",
                  score_every=0, seed=1)
    fields.update(kw)
    return validate_config(TrainConfig(**fields))


def engine(cfg: TrainConfig) -> Engine:
    return Engine(cfg, load_dataset(cfg), CPU)


# ---------------------------------------------------------------------------- lazy R1
def spy(e: Engine) -> list[dict]:
    """Record, per D update, the step, the adversarial loss, the R1 values computed and the loss that was
    backpropagated."""
    log: list[dict] = []
    loss, update, terms = e.loss, e._update, list(e.d_terms)

    class Loss:  # the engine's loss, recording the adversarial part of D's objective
        def __getattr__(self, name):
            return getattr(loss, name)

        def discriminator(self, r, f, **kw):
            out = loss.discriminator(r, f, **kw)
            log.append({"step": e.step, "adv": out[0].item(), "r1": []})
            return out

    def r1(critic, real_in, fake_in, fn=terms[0].fn):
        v = fn(critic, real_in, fake_in)
        log[-1]["r1"].append(v.item())
        return v

    def upd(loss_, phase):
        if phase.name == "D":
            log[-1]["total"] = loss_.item()
        return update(loss_, phase)

    e.loss = Loss()
    e.d_terms[0] = type(terms[0])(terms[0].metric, terms[0].weight, r1, terms[0].interval)
    e._update = upd
    return log


@pytest.mark.parametrize("d_steps", [1, 2])
def test_lazy_r1_every_4_is_applied_in_steps_divisible_by_4_with_4_times_the_weight(d_steps):
    gamma = 2.0
    e = engine(ring(r1_weight=gamma, r1_every=4, d_steps=d_steps))
    log = spy(e)
    for _ in range(10):
        e.train_step()
    assert len(log) == 10 * d_steps
    for rec in log:
        if rec["step"] % 4 == 0:
            (r1,) = rec["r1"]
            assert r1 > 0
            # L_D = L_adv + N gamma/2 R1, N = 4
            assert rec["total"] == pytest.approx(rec["adv"] + 4 * gamma / 2 * r1, rel=1e-6, abs=1e-7)
        else:
            assert rec["r1"] == [] and rec["total"] == rec["adv"]
    assert sorted({r["step"] for r in log if r["r1"]}) == [0, 4, 8]


def test_r1_every_1_is_the_penalty_of_every_step():
    gamma = 2.0
    e = engine(ring(r1_weight=gamma))
    assert TrainConfig().r1_every == 1
    log = spy(e)
    for _ in range(3):
        e.train_step()
    for rec in log:
        (r1,) = rec["r1"]
        assert rec["total"] == pytest.approx(rec["adv"] + gamma / 2 * r1, rel=1e-6, abs=1e-7)


def test_lazy_r1_penalty_column_shows_the_latest_computed_value():
    e = engine(ring(r1_weight=1.0, r1_every=3))
    rows = []
    for _ in range(4):
        e.train_step()
        rows.append(e.flush().values["penalty"])
    assert rows[0] > 0 and rows[1] == rows[2] == rows[0] and rows[3] != rows[0]  # computed in steps 0 and 3


def test_r1_every_is_validated_and_shown_with_r1_only():
    from gan_core.options import is_relevant

    with pytest.raises(ConfigError, match="r1_every") as err:
        ring(r1_every=0)
    assert "1 to 1000" in str(err.value)
    values = {"loss": "ns", "arch": "mlp", "opt_g": "adam", "opt_d": "adam", "schedule": "constant"}
    on, off = {**values, "r1_weight": 1.0}, {**values, "r1_weight": 0.0}
    assert is_relevant("r1_every", on) and not is_relevant("r1_every", off)


# ---------------------------------------------------------------------------- phases as data
def test_the_iteration_is_its_phases_and_their_metrics_are_the_row():
    e = engine(ring(d_steps=3))
    assert [(p.name, p.repeats, p.interval) for p in e.phases] == [("D", 3, 1), ("G", 1, 1)]
    assert e.phases[0].module is e.D and e.phases[0].opt is e.opt_d
    assert e.phases[1].module is e.G and e.phases[1].opt is e.opt_g
    assert {m for p in e.phases for m in p.metrics} == set(METRICS)
    for p in e.phases:
        _, metrics = p.objective()
        assert set(metrics) | {f"grad_norm_{p.name.lower()}"} <= set(p.metrics)


def test_a_phase_runs_every_interval_iterations():
    e = engine(ring())
    e.phases[1].interval = 2  # G every other iteration
    runs = []
    run_phase = e.run_phase
    e.run_phase = lambda p: (runs.append((e.step, p.name)), run_phase(p))
    for _ in range(4):
        e.train_step()
    assert runs == [(0, "D"), (0, "G"), (1, "D"), (2, "D"), (2, "G"), (3, "D")]


# ---------------------------------------------------------------------------- capabilities from the loss
@pytest.fixture
def extra_losses(monkeypatch):
    """Two losses under new names: what they need is only in their attributes."""
    new = {
        "x-clipped-logits": GANLoss(ns_d_loss, ns_g_loss, logits=True, bce=True, weight_clipping=True),
        "x-penalised-critic": GANLoss(wgan_d_loss, wgan_g_loss, gradient_penalty=True, d_batchnorm=False),
    }
    for name, loss in new.items():
        monkeypatch.setitem(LOSSES._entries, name, Entry(name, loss, name, ""))
    return new


def test_the_checks_read_the_loss_attributes(extra_losses):
    with pytest.raises(ConfigError, match="r1_weight") as err:
        ring(loss="x-clipped-logits", r1_weight=1.0)
    assert "weight clipping" in str(err.value) and "x-clipped-logits" in str(err.value)
    with pytest.raises(ConfigError, match="spectral_norm"):
        ring(loss="x-clipped-logits", spectral_norm=True)
    ring(loss="x-clipped-logits", label_smoothing=0.1, label_flip=0.1)  # a BCE loss: labels allowed
    with pytest.raises(ConfigError, match="already penalises"):
        ring(loss="x-penalised-critic", r1_weight=1.0)
    with pytest.raises(ConfigError, match="label_smoothing") as err:
        ring(loss="x-penalised-critic", label_smoothing=0.1)
    assert "x-clipped-logits" in str(err.value)  # listed among the losses with labels
    ok = ring(loss="ns", r1_weight=1.0)
    assert ok.r1_weight == 1.0


def test_the_engine_reads_the_loss_attributes(extra_losses):
    e = engine(ring(loss="x-clipped-logits", clip_value=0.02))
    e.train_step()
    assert max(p.abs().max().item() for p in e.D.parameters()) <= 0.02 + 1e-7
    assert e.flush().values["penalty"] == 0.0
    e = engine(ring(loss="x-penalised-critic"))
    assert [t.metric for t in e.d_terms] == ["penalty"]
    e.train_step()
    assert e.flush().values["penalty"] > 0


def test_the_monitor_and_the_lab_read_the_loss_attributes(extra_losses, tmp_path):
    from gan_core.toylab import ToyLab

    for name, probabilities in (("x-clipped-logits", True), ("x-penalised-critic", False)):
        cfg = ring(loss=name)
        e = Engine(cfg, data := load_dataset(cfg), CPU)
        assert Monitor(cfg, data, e, tmp_path / name, [], {}).detector.probabilities is probabilities
        lab = ToyLab(cfg, threads=None, n_score=200, heat_res=8)
        assert lab.snapshot().heat_is_probability is probabilities
        lab.step_d()
        assert ("P(real)" in lab.last.text) is probabilities


def test_the_displayed_d_follows_logits():
    t = torch.tensor([-2.0, 0.0, 3.0])
    assert torch.equal(LOSSES.get("ns").d_display(t), torch.sigmoid(t))
    assert torch.equal(LOSSES.get("hinge").d_display(t), t)
    loss, metrics = LOSSES.get("ns").discriminator(t, -t)
    assert set(metrics) == {"d_loss", "d_real", "d_fake"} and metrics["d_real"] == torch.sigmoid(t).mean()
    assert not metrics["d_loss"].requires_grad


# ---------------------------------------------------------------------------- eval then restore
def test_eval_mode_restores_each_module_also_after_an_error():
    a, b = nn.BatchNorm1d(2), nn.BatchNorm1d(2).eval()
    with eval_mode(a, b):
        assert not a.training and not b.training
    assert a.training and not b.training
    with pytest.raises(RuntimeError), eval_mode(a):
        raise RuntimeError("boom")
    assert a.training
