"""Continuing a run to more steps (issue 16, bug 2): a cosine schedule follows the new total.

The rule (gan_core.optim.follow_horizon): the LR at step t of a continued run is the one a run
planned for the new total from the start has at t, so it decays to m x lr at the new last step; the
saved state alone kept the old horizon, and torch's cosine (periodic in 2T) climbed back to the full
LR after it."""

from __future__ import annotations

import math

import pytest

from gan_core.config import TrainConfig
from gan_core.run import TrainingRun
from gan_core.store import read_jsonl

pytestmark = pytest.mark.usefixtures("isolated")

LR = 1e-3
TINY = {"dataset": "ring8", "arch": "mlp", "latent_dim": 2, "width": 16, "batch_size": 32, "log_every": 10,
        "device": "cpu", "seed": 0, "n_fixed": 16, "sample_every": 1000, "score_every": 0, "lr_g": LR, "lr_d": LR}


def _cos(t: int, T: int, m: float = 0.0) -> float:
    return LR * (m + (1 - m) * (1 + math.cos(math.pi * t / T)) / 2)


def _lrs(run_dir, after: int) -> dict[int, tuple[float, float]]:
    return {r["step"]: (r["lr_g"], r["lr_d"]) for r in read_jsonl(run_dir / "metrics.jsonl") if r["step"] > after}


@pytest.mark.parametrize("first", [100, 60])  # continued when finished, and when stopped partway (steps raised)
def test_a_cosine_run_continued_to_more_steps_decays_over_the_new_total(tmp_path, first):
    cfg = TrainConfig(**TINY, steps=100, schedule="cosine", lr_min_factor=0.1)
    run = TrainingRun(cfg, tmp_path / "r")
    if first < 100:
        run.run(on_progress=lambda r: r.stop() if r.step >= first else None)
        assert run.state == "stopped" and run.step == first
    else:
        run.run()
        assert run.state == "finished"
    again = TrainingRun.resume_from(tmp_path / "r", steps=400)
    again.run()
    assert (again.state, again.step) == ("finished", 400)
    lrs = _lrs(tmp_path / "r", after=first)
    assert sorted(lrs)[-1] == 400 and len(lrs) >= (400 - first) // 10
    for t, (lr_g, lr_d) in lrs.items():  # the cosine of a 400-step run, from where the first run stopped
        assert lr_g == pytest.approx(_cos(t, 400, 0.1), rel=1e-6, abs=1e-12), t
        assert lr_d == pytest.approx(_cos(t, 400, 0.1), rel=1e-6, abs=1e-12), t
    assert max(g for g, _d in lrs.values()) <= _cos(first, 400, 0.1) < LR  # never back up to the full LR
    assert lrs[400][0] == pytest.approx(0.1 * LR)


def test_warmup_cosine_continued_keeps_its_warmup_and_stretches_its_cosine(tmp_path):
    cfg = TrainConfig(**TINY, steps=100, schedule="warmup-cosine", warmup_steps=20, warmup_start=0.1,
                      lr_min_factor=0.0)
    TrainingRun(cfg, tmp_path / "r").run()
    again = TrainingRun.resume_from(tmp_path / "r", steps=300)
    again.run()
    for t, (lr_g, _lr_d) in _lrs(tmp_path / "r", after=100).items():
        assert lr_g == pytest.approx(_cos(t - 20, 280), rel=1e-6, abs=1e-12), t


def test_a_schedule_that_does_not_depend_on_the_total_continues_from_its_state(tmp_path):
    cfg = TrainConfig(**TINY, steps=100, schedule="step", lr_step_every=30, lr_gamma=0.5)
    TrainingRun(cfg, tmp_path / "r").run()
    TrainingRun.resume_from(tmp_path / "r", steps=200).run()
    for t, (lr_g, _lr_d) in _lrs(tmp_path / "r", after=100).items():
        assert lr_g == pytest.approx(LR * 0.5 ** (t // 30), rel=1e-9), t
