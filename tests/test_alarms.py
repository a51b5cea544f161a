"""Alarms fire on constructed collapsed, diverging and D-dominated histories and stay quiet on
healthy ones; in a real run they are recorded (status, alarms.jsonl) and an exploding loss stops
the run with its last good checkpoint kept."""

from __future__ import annotations

import math
import random

import pytest

from gan_core.metrics.alarms import EXPLODE_WINDOWS, OVERPOWER_STEPS, AlarmDetector, detect


def healthy(n=200, seed=0, every=10, score_every=5):
    """A noisy but healthy non-saturating GAN history, scored every few windows."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        row = {"step": (i + 1) * every, "d_loss": 1.3 + 0.1 * rnd.gauss(0, 1), "g_loss": 0.8 + 0.2 * rnd.gauss(0, 1),
               "d_real": 0.55 + 0.05 * rnd.gauss(0, 1), "d_fake": 0.45 + 0.05 * rnd.gauss(0, 1),
               "grad_norm_d": 1.0, "grad_norm_g": 2.0 + 0.5 * rnd.random()}
        if i % score_every == 0:
            row.update(classes_covered=min(10, 4 + i // 10), diversity=min(1.0, 0.3 + i / 100) + 0.05 * rnd.random())
        rows.append(row)
    return rows


def names(alarms):
    return [a.name for a in alarms]


def test_quiet_on_healthy_histories():
    for seed in range(5):
        assert detect(healthy(seed=seed)) == []
    # the scores' early rise and noise, and a WGAN critic's large (but steady) values, are no alarm
    wgan = [{**r, "d_loss": -50.0 * (1 + r["step"] / 2000), "g_loss": 40.0, "d_real": 30.0, "d_fake": -30.0}
            for r in healthy()]
    assert detect(wgan, probabilities=False) == []


def test_mode_collapse_on_falling_class_coverage():
    rows = healthy()
    for r in rows[120:]:
        if "classes_covered" in r:
            r["classes_covered"] = 2
    alarms = detect(rows)
    assert names(alarms) == ["mode_collapse"]  # once, not once per window
    a = alarms[0]
    assert a.step == rows[125]["step"]  # the second scored window that agrees
    assert "classes covered fell from 10 to 2" in a.message
    assert a.remedies and any("WGAN-GP" in r for r in a.remedies) and a.explanation


def test_mode_collapse_on_falling_diversity_and_modes():
    rows = healthy()
    for r in rows[150:]:
        if "diversity" in r:
            r["diversity"] = 0.1
    assert names(detect(rows)) == ["mode_collapse"]
    toy = [{"step": i * 100, "modes_covered": 8 if i < 6 else 1} for i in range(1, 12)]
    alarms = detect(toy)
    assert names(alarms) == ["mode_collapse"] and "modes covered fell from 8 to 1" in alarms[0].message


def test_collapse_fires_again_only_after_recovery():
    seq = [10, 10, 2, 2, 2, 10, 10, 3, 3]
    alarms = detect([{"step": i, "classes_covered": c} for i, c in enumerate(seq)])
    assert [a.step for a in alarms] == [3, 8]


def test_divergence_on_nan_and_exploding_loss():
    rows = healthy(50)
    rows[30]["g_loss"] = float("nan")
    alarms = detect(rows)
    assert names(alarms) == ["divergence"] and alarms[0].level == "error" and "nan" in alarms[0].message
    rows = healthy(50)
    for i, r in enumerate(rows[30:]):
        r["d_loss"] = 5e3 * (i + 1)  # 1000x beyond its early level of about 1.3 (floored at 1)
    alarms = detect(rows)
    assert names(alarms) == ["divergence"]
    assert alarms[0].step == rows[30 + EXPLODE_WINDOWS - 1]["step"] and "exploding loss" in alarms[0].message
    one_spike = healthy(50)
    one_spike[30]["d_loss"] = 5e3  # a single spike that recovers is not a divergence
    assert detect(one_spike) == []
    hard = healthy(50)
    hard[2]["g_loss"] = 1e9  # far beyond any loss: at once, even before the early level is known
    assert names(detect(hard)) == ["divergence"]


def test_d_overpowering_needs_a_sustained_stretch_and_a_tiny_gradient():
    rows = healthy(100)
    for r in rows[40:]:
        r.update(d_real=0.99, d_fake=0.01, grad_norm_g=1e-5)
    alarms = detect(rows)
    assert names(alarms) == ["d_overpowering"]
    assert alarms[0].step - rows[40]["step"] >= OVERPOWER_STEPS
    assert "D(x) = 0.990" in alarms[0].message and any("non-saturating" in r for r in alarms[0].remedies)
    short = healthy(100)
    for r in short[40:45]:  # 5 windows = 40 steps: not sustained
        r.update(d_real=0.99, d_fake=0.01, grad_norm_g=1e-5)
    assert detect(short) == []
    strong_grad = healthy(100)  # D wins but G still gets a gradient (non-saturating loss): no alarm
    for r in strong_grad[40:]:
        r.update(d_real=0.99, d_fake=0.01, grad_norm_g=3.0)
    assert detect(strong_grad) == []
    assert detect(rows, probabilities=False) == []  # a WGAN critic's outputs are not probabilities


def test_detector_streams_rows():
    det = AlarmDetector()
    assert det.update({"step": 1, "d_loss": 1.0, "g_loss": 1.0}) == []
    assert det.update({"step": 2, "d_loss": math.inf, "g_loss": 1.0})[0].name == "divergence"
    assert det.update({"step": 3, "d_loss": math.inf}) == []  # once


# ---------------------------------------------------------------------------- in a real run


@pytest.mark.usefixtures("isolated")
def test_exploding_loss_stops_the_run_and_keeps_the_checkpoint(monkeypatch, tmp_path):
    from gan_core.config import TrainConfig
    from gan_core.engine import Engine
    from gan_core.run import TrainingRun
    from gan_core.store import read_json, read_jsonl

    real_flush = Engine.flush

    def flush(self):
        w = real_flush(self)
        if self.step > 120:  # the loss explodes after step 120 (the weights stay finite)
            w.values["g_loss"] = 1e4 * self.step
        return w

    monkeypatch.setattr(Engine, "flush", flush)
    cfg = TrainConfig(dataset="ring8", arch="mlp", latent_dim=2, width=16, batch_size=32, log_every=10, steps=200,
                      device="cpu", n_fixed=16, checkpoint_every_s=0.001, score_every=50)
    run = TrainingRun(cfg, tmp_path / "boom")
    run.run()
    assert run.state == "failed"
    assert "exploding loss" in run.error and "last good checkpoint is kept (step 120)" in run.error
    st = read_json(tmp_path / "boom" / "status.json")
    assert st["state"] == "failed" and [a["name"] for a in st["alarms"]] == ["divergence"]
    assert [a["name"] for a in read_jsonl(tmp_path / "boom" / "alarms.jsonl")] == ["divergence"]
    side = read_json(tmp_path / "boom" / "checkpoints" / "last.json")
    assert side["meta"]["step"] == 120
    rows = read_jsonl(tmp_path / "boom" / "metrics.jsonl")
    assert rows[-1]["step"] == 150 and rows[-1]["g_loss"] == 1.5e6  # the rows up to the alarm are kept
    assert rows[-1]["alarm"] == "divergence" and not any("alarm" in r for r in rows[:-1])  # recorded in the metrics
    assert any("modes_covered" in r for r in rows)  # scores were computed on the way
