"""Optimisers and learning-rate schedules: every schedule's trace at chosen steps, the preview
curve, separate optimisers and rates for G and D, and the rates the engine logs."""

from __future__ import annotations

import math

import pytest
import torch

from gan_core.checks import validate_config
from gan_core.config import TrainConfig
from gan_core.data import Dataset
from gan_core.engine import Engine
from gan_core.optim import OPTIMIZERS, SCHEDULES, build_optimizer, build_schedule, lr_curve

pytestmark = pytest.mark.usefixtures("isolated")

LR = 1e-3
COMMON = dict(steps=100, lr_step_every=10, lr_gamma=0.5, warmup_steps=10, warmup_start=0.1, lr_cycle_steps=20,
              lr_min_factor=0.1)

# schedule -> {step t: lr_t}, computed from the formulas in the help texts
TRACES = {
    "constant": {0: LR, 50: LR, 100: LR},
    "warmup": {0: 0.1 * LR, 5: 0.55 * LR, 10: LR, 60: LR},
    "step": {0: LR, 9: LR, 10: 0.5 * LR, 25: 0.25 * LR, 99: LR * 0.5**9},
    "exponential": {0: LR, 5: LR * 0.5**0.5, 10: 0.5 * LR, 35: LR * 0.5**3.5},
    "cosine": {0: LR, 50: 0.1 * LR + 0.9 * LR * 0.5, 100: 0.1 * LR,
               25: 0.1 * LR + 0.9 * LR * (1 + math.cos(math.pi / 4)) / 2},
    "cyclic": {0: 0.1 * LR, 5: 0.55 * LR, 10: LR, 15: 0.55 * LR, 20: 0.1 * LR, 30: LR},
    "warmup-cosine": {0: 0.1 * LR, 5: 0.55 * LR, 10: LR, 55: 0.1 * LR + 0.9 * LR * 0.5, 100: 0.1 * LR},
    # the per-step tick carries no score: the LR moves only when the run feeds one (tests/test_plateau.py)
    "plateau": {0: LR, 50: LR, 100: LR},
}


def _opt(name: str, params, lr: float, cfg: TrainConfig) -> torch.optim.Optimizer:
    return build_optimizer(name, params, lr, beta1=cfg.beta1, beta2=cfg.beta2, momentum=cfg.momentum)


def _params(cfg: TrainConfig) -> dict:
    return {f: getattr(cfg, f) for f in SCHEDULES.get(cfg.schedule).params}


def _sched(opt: torch.optim.Optimizer, cfg: TrainConfig):
    return build_schedule(opt, cfg.schedule, steps=cfg.steps, **_params(cfg))


def _curve(cfg: TrainConfig, lr: float):
    return lr_curve(cfg.schedule, lr, steps=cfg.steps, **_params(cfg))


def test_every_schedule_has_a_trace_here():
    assert set(TRACES) == set(SCHEDULES.names())


def trace(name: str, opt_name: str = "adam", **kw) -> list[float]:
    cfg = TrainConfig(schedule=name, **{**COMMON, **kw})
    p = torch.nn.Parameter(torch.zeros(1))
    opt = _opt(opt_name, [p], LR, cfg)
    sched = _sched(opt, cfg)
    out = []
    for _ in range(cfg.steps + 1):
        out.append(opt.param_groups[0]["lr"])
        assert sched.get_last_lr()[0] == pytest.approx(out[-1], rel=1e-12)
        opt.step()
        sched.step()
    return out


@pytest.mark.parametrize("opt_name", ["adam", "sgd"])
@pytest.mark.parametrize("name", SCHEDULES.names())
def test_schedule_trace(name, opt_name):
    lrs = trace(name, opt_name)
    for t, want in TRACES[name].items():
        assert lrs[t] == pytest.approx(want, rel=1e-9, abs=1e-15), (name, t)


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_preview_is_the_real_schedule(name):
    cfg = TrainConfig(schedule=name, **COMMON)
    steps, lrs = _curve(cfg, LR)
    assert steps == list(range(101))
    assert lrs == pytest.approx(trace(name), rel=1e-12)


@pytest.mark.parametrize("name", SCHEDULES.names())
def test_preview_of_a_long_run_is_downsampled_and_keeps_its_shape(name):
    long = dict(steps=100_000, lr_step_every=10_000, warmup_steps=10_000, lr_cycle_steps=20_000)
    cfg = TrainConfig(schedule=name, **{**COMMON, **long})
    steps, lrs = _curve(cfg, LR)
    assert len(steps) <= 2001 and steps[0] == 0 and steps[-1] == 100_000
    at = dict(zip(steps, lrs))
    for t, want in TRACES[name].items():  # the same curve, 1000x longer
        assert at[t * 1000] == pytest.approx(want, rel=1e-6, abs=1e-12), (name, t)


def test_optimisers_and_their_hyper_parameters():
    cfg = TrainConfig(beta1=0.1, beta2=0.95, momentum=0.7)
    p = [torch.nn.Parameter(torch.zeros(1))]
    adam = _opt("adam", p, 0.01, cfg)
    assert isinstance(adam, torch.optim.Adam) and adam.defaults["betas"] == (0.1, 0.95)
    sgd = _opt("sgd", p, 0.01, cfg)
    assert isinstance(sgd, torch.optim.SGD) and sgd.defaults["momentum"] == 0.7
    assert isinstance(_opt("rmsprop", p, 0.01, cfg), torch.optim.RMSprop)
    assert set(OPTIMIZERS.names()) == {"adam", "rmsprop", "sgd"}
    assert all(OPTIMIZERS.help(n) for n in OPTIMIZERS.names())


def _points(n: int = 64) -> Dataset:
    return Dataset(x=torch.randn(n, 2, generator=torch.Generator().manual_seed(0)), y=None, kind="points",
                   source="synthetic")


def test_engine_uses_separate_optimisers_and_rates_and_logs_the_real_ones():
    cfg = TrainConfig(opt_g="sgd", opt_d="rmsprop", lr_g=1e-3, lr_d=4e-3, schedule="step", lr_step_every=2,
                      lr_gamma=0.5, latent_dim=2, width=8, batch_size=8, device="cpu")
    eng = Engine(cfg, _points(), torch.device("cpu"))
    assert isinstance(eng.opt_g, torch.optim.SGD) and isinstance(eng.opt_d, torch.optim.RMSprop)
    for _ in range(3):
        eng.train_step()
    w = eng.flush().values
    assert w["lr_g"] == pytest.approx(0.5e-3) and w["lr_d"] == pytest.approx(2e-3)  # one drop after 2 steps
    assert all(math.isfinite(v) for v in w.values())


def test_d_steps_per_g_step():
    cfg = TrainConfig(d_steps=3, latent_dim=2, width=8, batch_size=8, device="cpu")
    eng = Engine(cfg, _points(), torch.device("cpu"))
    eng.train_step()
    eng.train_step()
    def steps(opt):
        return int(next(iter(opt.state.values()))["step"])

    assert steps(eng.opt_d) == 6 and steps(eng.opt_g) == 2


def test_schedule_state_survives_json():
    import json

    for name in SCHEDULES.names():
        cfg = TrainConfig(schedule=name, **COMMON)
        p = torch.nn.Parameter(torch.zeros(1))
        opt = _opt("adam", [p], LR, cfg)
        sched = _sched(opt, cfg)
        for _ in range(13):
            opt.step()
            sched.step()
        p2 = torch.nn.Parameter(torch.zeros(1))
        opt2 = _opt("adam", [p2], LR, cfg)
        sched2 = _sched(opt2, cfg)
        opt2.load_state_dict(opt.state_dict())
        sched2.load_state_dict(json.loads(json.dumps(sched.state_dict())))
        for _ in range(20):
            opt.step()
            sched.step()
            opt2.step()
            sched2.step()
            assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"], name


@pytest.mark.parametrize("name", ["warmup-cosine", "cyclic", "step"])
def test_live_chart_shows_the_real_rates_of_g_and_d_and_the_preview_matches_them(tmp_path, name):
    """A real run logs lr_g and lr_d from its two schedulers; the live chart's G and D learning-rate
    traces are those values, and the preview drawn before training predicted exactly them."""
    from gan_core.run import TrainingRun
    from ui.figures import lr_figure, metrics_figure

    cfg = validate_config(TrainConfig(schedule=name, lr_g=1e-3, lr_d=4e-3, steps=12, warmup_steps=4, warmup_start=0.25,
                      lr_cycle_steps=6, lr_min_factor=0.1, lr_step_every=5, lr_gamma=0.5, latent_dim=2, width=8,
                      batch_size=16, log_every=1, sample_every=100, score_every=0, device="cpu"))
    run = TrainingRun(cfg, tmp_path / "r")
    run.run()
    assert run.state == "finished", run.error
    cols = run.log.since(0)
    steps = [int(s) for s in cols["step"]]
    assert steps == list(range(1, 13))
    _, prev_g = _curve(cfg, cfg.lr_g)
    _, prev_d = _curve(cfg, cfg.lr_d)
    assert cols["lr_g"] == pytest.approx([prev_g[t] for t in steps], rel=1e-12)
    assert cols["lr_d"] == pytest.approx([prev_d[t] for t in steps], rel=1e-12)
    assert len(set(cols["lr_g"])) > 2  # the schedule really moved the rate
    fig = metrics_figure(cols)
    traces = {t.hovertemplate.split("<br>")[0]: t for t in fig.data}  # the readable label of each trace
    lr_g, lr_d = traces["G learning rate"], traces["D learning rate"]
    assert list(lr_g.y) == pytest.approx(cols["lr_g"]) and list(lr_d.y) == pytest.approx(cols["lr_d"])
    assert list(lr_g.x) == steps
    preview = {t.name: t for t in lr_figure(*_curve(cfg, cfg.lr_g), prev_d).data}
    assert list(preview["G learning rate"].y) == prev_g and list(preview["D learning rate"].y) == prev_d
