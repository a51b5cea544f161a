"""`--schedule plateau` (issue 17): the learning rates decay when the monitored score stops improving.

The LR the run logs is checked against torch's own ReduceLROnPlateau fed the same logged values, on a
loss (every logged window) and on a score (only the rows where the run scored); a continued run keeps
the scheduler's state; inputs that could never work are refused before training, saying what is allowed.
"""

from __future__ import annotations

import pytest
import torch

from gan_core.checks import validate_config
from gan_core.config import ConfigError, TrainConfig
from gan_core.run import TrainingRun
from gan_core.store import read_jsonl

pytestmark = pytest.mark.usefixtures("isolated")

LR = 1e-3
TINY = {"dataset": "ring8", "arch": "mlp", "latent_dim": 2, "width": 16, "batch_size": 32, "log_every": 10,
        "device": "cpu", "seed": 0, "n_fixed": 16, "sample_every": 1000, "lr_g": LR, "lr_d": LR,
        "schedule": "plateau"}


def _expected_lrs(values: list[float | None], *, mode: str, factor: float, patience: int, threshold: float,
                  cooldown: int, min_lr: float) -> list[float]:
    """The LR of each row from torch's ReduceLROnPlateau fed the rows' values (None: not in that row).
    A row's LR is read before the value of the same row is fed (the run logs, then observes)."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=mode, factor=factor, patience=patience,
                                                     threshold=threshold, cooldown=cooldown, min_lr=min_lr)
    out = []
    for v in values:
        out.append(opt.param_groups[0]["lr"])
        if v is not None:
            ref.step(v)
    return out


def test_plateau_on_a_loss_follows_torchs_reduce_lr_on_plateau(tmp_path):
    cfg = TrainConfig(**{**TINY, "log_every": 5}, steps=150, score_every=0, monitor="g_loss", plateau_patience=1,
                      plateau_factor=0.5, plateau_threshold=0.0, lr_min_factor=0.2)
    run = TrainingRun(cfg, tmp_path / "r")
    run.run()
    assert run.state == "finished"
    rows = read_jsonl(tmp_path / "r" / "metrics.jsonl")
    want = _expected_lrs([r["g_loss"] for r in rows], mode="min", factor=0.5, patience=1, threshold=0.0,
                         cooldown=0, min_lr=0.2 * LR)
    got_g, got_d = [r["lr_g"] for r in rows], [r["lr_d"] for r in rows]
    assert got_g == pytest.approx(want, rel=1e-12) and got_d == pytest.approx(want, rel=1e-12)
    assert min(got_g) < LR, "the LR never decayed: the test would not see a broken decay"
    assert min(got_g) >= 0.2 * LR * (1 - 1e-12)  # never below the minimum factor


def test_plateau_on_a_score_moves_only_when_the_run_scores(tmp_path):
    # monitor auto on 2-D points: kl, which is in the rows where the run scored (every 20 steps) only
    cfg = TrainConfig(**{**TINY, "log_every": 5}, steps=120, score_every=10, plateau_patience=0, plateau_factor=0.5,
                      plateau_threshold=0.0, plateau_cooldown=1)
    TrainingRun(cfg, tmp_path / "r").run()
    rows = read_jsonl(tmp_path / "r" / "metrics.jsonl")
    assert sum("kl" in r for r in rows) == 12 and len(rows) == 24
    want = _expected_lrs([r.get("kl") for r in rows], mode="min", factor=0.5, patience=0, threshold=0.0,
                         cooldown=1, min_lr=0.0)
    assert [r["lr_g"] for r in rows] == pytest.approx(want, rel=1e-12)
    assert min(want) < LR


def test_a_continued_plateau_run_keeps_the_schedulers_state(tmp_path):
    """Stopped at step 60 and continued to 150: the LR of every row is the one of the run that never stopped
    (the scheduler's best, bad-observation count and cooldown travel in the checkpoint)."""
    cfg = TrainConfig(**{**TINY, "log_every": 5}, steps=150, score_every=0, monitor="g_loss", plateau_patience=1,
                      plateau_factor=0.5, plateau_threshold=0.0)
    TrainingRun(cfg, tmp_path / "whole").run()
    part = TrainingRun(cfg, tmp_path / "part")
    part.run(on_progress=lambda r: r.stop() if r.step >= 60 else None)
    assert (part.state, part.step) == ("stopped", 60)
    again = TrainingRun.resume_from(tmp_path / "part")
    again.run()
    assert (again.state, again.step) == ("finished", 150)
    whole = {r["step"]: (r["lr_g"], r["g_loss"]) for r in read_jsonl(tmp_path / "whole" / "metrics.jsonl")}
    cont = {r["step"]: (r["lr_g"], r["g_loss"]) for r in read_jsonl(tmp_path / "part" / "metrics.jsonl")}
    assert sorted(cont) == sorted(whole)
    assert [cont[s][0] for s in sorted(cont)] == pytest.approx([whole[s][0] for s in sorted(whole)], rel=1e-12)
    assert min(v[0] for s, v in whole.items() if s > 60) < whole[60][0], "no decay after the resume: a weak test"


@pytest.mark.parametrize(("changes", "says"), [
    ({"score_every": 0}, ["'kl'", "score_every > 0", "d_loss, g_loss"]),  # auto on points, scoring off
    ({"dataset": "digits", "arch": "mlp", "score_every": 0}, ["'fd_clf'", "score_every"]),
    ({"monitor": "fd_clf"}, ["'fd_clf'", "images", "modes_covered, hq_pct, kl, js, fd, d_loss, g_loss"]),
    ({"dataset": "digits", "monitor": "modes_covered"}, ["2-D points", "fd_clf, kid_clf"]),
    ({"monitor": "g_loss", "score_every": 0, "plateau_factor": 1.0}, ["plateau_factor", "(0, 1)"]),
    ({"monitor": "g_loss", "plateau_factor": 0.0}, ["plateau_factor", "(0, 1)"]),
    ({"monitor": "g_loss", "plateau_patience": -1}, ["plateau_patience", "0 to 10000"]),
    ({"monitor": "g_loss", "plateau_threshold": 2.0}, ["plateau_threshold", "[0, 1]"]),
    ({"monitor": "g_loss", "plateau_cooldown": -2}, ["plateau_cooldown"]),
    ({"monitor": "accuracy"}, ["unknown value 'accuracy'", "allowed: auto, fd_clf"]),
])
def test_a_plateau_that_could_never_decay_is_refused_before_training(tmp_path, changes, says):
    cfg = TrainConfig(**{**TINY, **changes})
    with pytest.raises(ConfigError) as e:
        TrainingRun(cfg, tmp_path / "r")
    for text in says:
        assert text in str(e.value), (text, str(e.value))
    assert not (tmp_path / "r").exists()  # refused before a run directory exists
    with pytest.raises(ConfigError):
        validate_config(cfg)


def test_fd_clf_without_a_classifier_for_the_dataset_is_refused(tmp_path, monkeypatch):
    import gan_core.run as run_module

    monkeypatch.setattr(run_module, "has_classifier", lambda name: False)
    cfg = TrainConfig(**{**TINY, "dataset": "digits", "score_every": 50})
    with pytest.raises(ConfigError, match="no_classifier|classifier|d_loss or g_loss") as e:
        TrainingRun(cfg, tmp_path / "r")
    assert "monitor d_loss or g_loss instead" in str(e.value) and not (tmp_path / "r").exists()


def test_the_preview_of_a_plateau_schedule_is_flat_and_says_why():
    from gan_core.optim import SCHEDULES, lr_curve

    cfg = TrainConfig(schedule="plateau")
    params = {f: getattr(cfg, f) for f in SCHEDULES.get("plateau").params}
    steps, lrs = lr_curve("plateau", LR, steps=cfg.steps, **params)
    assert set(lrs) == {LR} and steps[-1] == cfg.steps
    assert "preview" in SCHEDULES.help("plateau") and "ReduceLROnPlateau" in SCHEDULES.help("plateau")


def test_the_2d_lab_refuses_plateau_decay_it_could_never_feed():
    from gan_core.toylab import check_lab_config

    with pytest.raises(ConfigError, match="Train page or the command line") as e:
        check_lab_config(TrainConfig(**TINY))
    assert e.value.field == "schedule"
    check_lab_config(TrainConfig(**{**TINY, "schedule": "constant"}))


def test_the_relative_threshold_holds_for_a_negative_monitored_value():
    # A WGAN loss is negative. torch's "rel" mode counts v < best (1 - t) as an improvement, which for
    # best = -5 means anything below -4.95: a worse -4.96 reset the patience and the LR never decayed.
    from gan_core.optim import build_schedule

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    sched = build_schedule(opt, "plateau", steps=100, monitor="g_loss", plateau_patience=1, plateau_factor=0.5,
                           plateau_threshold=0.01, plateau_cooldown=0, lr_min_factor=0.1)
    for v in (-5.0, -4.96, -4.97):  # two worse values after the best: more than patience 1
        sched.observe(v)
    assert opt.param_groups[0]["lr"] == pytest.approx(LR / 2)
    sched.observe(-5.2)  # better by 4% of |best|: an improvement, the new best
    assert sched.best == -5.2 and sched.num_bad_epochs == 0
    sched.observe(-5.22)  # better by 0.4% only: within the threshold, a bad observation
    assert sched.best == -5.2 and sched.num_bad_epochs == 1
    maxed = build_schedule(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR), "plateau", steps=100,
                           monitor="modes_covered", plateau_patience=0, plateau_factor=0.5,
                           plateau_threshold=0.1, plateau_cooldown=0, lr_min_factor=0.1)
    maxed.observe(-2.0)
    maxed.observe(-1.9)  # higher, but by 5% of |best| < 10%: not an improvement
    assert maxed.best == -2.0
