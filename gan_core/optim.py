"""Optimisers and learning-rate schedules, built on torch.optim and torch.optim.lr_scheduler.

Schedules are stepped once per generator step, for G and D alike, so "step N" on the LR chart
is the same step as on the loss chart.
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch
from torch.optim import lr_scheduler

from gan_core.config import TrainConfig
from gan_core.registry import Registry

ScheduleBuilder = Callable[[torch.optim.Optimizer, TrainConfig], lr_scheduler.LRScheduler]
SCHEDULES: Registry[ScheduleBuilder] = Registry("schedule")


def adam(params: Iterable[torch.nn.Parameter], lr: float, cfg: TrainConfig) -> torch.optim.Optimizer:
    """Adam with the config's betas (DCGAN: beta1 = 0.5 damps the oscillation of the game)."""
    return torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2))


@SCHEDULES.register("constant", label="Constant", help="lr_t = lr. The usual choice for GANs.")
def _constant(opt: torch.optim.Optimizer, cfg: TrainConfig) -> lr_scheduler.LRScheduler:
    return lr_scheduler.ConstantLR(opt, factor=1.0, total_iters=0)


@SCHEDULES.register(
    "step",
    label="Step decay",
    help="lr_t = lr * gamma^floor(t / N): multiply by gamma every N steps (torch StepLR). "
    "Calms a run that oscillates late in training.",
)
def _step(opt: torch.optim.Optimizer, cfg: TrainConfig) -> lr_scheduler.LRScheduler:
    return lr_scheduler.StepLR(opt, step_size=cfg.lr_step_every, gamma=cfg.lr_gamma)


@SCHEDULES.register(
    "cosine",
    label="Cosine annealing",
    help="lr_t = lr * (1 + cos(pi * t / T)) / 2 over the T training steps (torch CosineAnnealingLR). "
    "Smoothly decays to 0 by the last step.",
)
def _cosine(opt: torch.optim.Optimizer, cfg: TrainConfig) -> lr_scheduler.LRScheduler:
    return lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.steps, eta_min=0.0)


def build_schedule(opt: torch.optim.Optimizer, cfg: TrainConfig) -> lr_scheduler.LRScheduler:
    return SCHEDULES.get(cfg.schedule)(opt, cfg)


def lr_curve(cfg: TrainConfig, lr: float, max_points: int = 2000) -> tuple[list[int], list[float]]:
    """The learning rate the chosen schedule gives over training, for a preview chart.

    Computed by stepping the real torch scheduler on a dummy optimiser. Runs longer than
    `max_points` steps are previewed on a time-scaled copy (steps and decay interval divided by
    the same factor), which is exact for constant and cosine and places step-decay drops to
    within one scaling factor of their true step.
    """
    scale = max(1, -(-cfg.steps // max_points))
    small = cfg.replace(steps=max(1, cfg.steps // scale), lr_step_every=max(1, round(cfg.lr_step_every / scale)))
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = build_schedule(opt, small)
    steps, lrs = [], []
    for t in range(small.steps + 1):
        steps.append(t * scale)
        lrs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    return steps, lrs
