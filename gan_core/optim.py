"""Optimisers and learning-rate schedules, built on torch.optim and torch.optim.lr_scheduler.

G and D each get their own optimiser and learning rate (the two time-scale update rule, Heusel
et al. 2017, when the rates differ). Schedules are stepped once per generator step, for G and D
alike, so "step N" on the LR chart is the same step as on the loss chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch
from torch.optim import lr_scheduler

from gan_core.config import MONITORED
from gan_core.registry import Registry


# ---------------------------------------------------------------------------- optimisers
@dataclass(frozen=True)
class OptimizerSpec:
    build: Callable[..., torch.optim.Optimizer]  # (params, lr, **hyper) -> optimiser
    params: tuple[str, ...] = ()  # the config fields it reads besides the LR (passed by keyword)


OPTIMIZERS: Registry[OptimizerSpec] = Registry("optimiser")


def optimizer(name: str, *, label: str, help: str, params: tuple[str, ...] = ()):
    """Decorator: register `fn(params, lr, **hyper)` as optimiser `name`; `params` names its hyper-parameters."""
    def deco(fn):
        OPTIMIZERS.register(name, label=label, help=help)(OptimizerSpec(fn, params))
        return fn

    return deco


@optimizer("adam", label="Adam", params=("beta1", "beta2"), help=(
    "m <- b1 m + (1-b1) g,  v <- b2 v + (1-b2) g^2,  theta <- theta - lr m_hat / (sqrt(v_hat) + eps) "
    "(Kingma & Ba 2015). The default for GANs, with b1 = 0.5 (DCGAN) or 0 (WGAN-GP, SNGAN): a small b1 "
    "damps the momentum that makes the two players overshoot each other."))
def adam(params: Iterable[torch.nn.Parameter], lr: float, *, beta1: float, beta2: float) -> torch.optim.Optimizer:
    """Adam with betas (beta1, beta2) (DCGAN: beta1 = 0.5 damps the oscillation of the game)."""
    return torch.optim.Adam(params, lr=lr, betas=(beta1, beta2))


@optimizer("rmsprop", label="RMSprop", help=(
    "v <- a v + (1-a) g^2,  theta <- theta - lr g / (sqrt(v) + eps), a = 0.99 (Tieleman & Hinton 2012). "
    "No momentum: what the WGAN paper uses (lr 5e-5), because momentum made its critic unstable."))
def rmsprop(params: Iterable[torch.nn.Parameter], lr: float) -> torch.optim.Optimizer:
    return torch.optim.RMSprop(params, lr=lr)


@optimizer("sgd", label="SGD with momentum", params=("momentum",), help=(
    "v <- mu v + g,  theta <- theta - lr v (momentum mu). Plain gradient descent, the baseline: GANs "
    "trained with it are slow and sensitive to the learning rate (try lr 0.01-0.05, mu 0.9)."))
def sgd(params: Iterable[torch.nn.Parameter], lr: float, *, momentum: float) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=lr, momentum=momentum)


def build_optimizer(name: str, params: Iterable[torch.nn.Parameter], lr: float, **hyper: Any) -> torch.optim.Optimizer:
    """Optimiser `name` with learning rate `lr`; `hyper` may hold more hyper-parameters than it reads
    (e.g. all of beta1, beta2, momentum): each optimiser takes the ones its spec names."""
    spec = OPTIMIZERS.get(name)
    return spec.build(params, lr, **{k: hyper[k] for k in spec.params})


# ---------------------------------------------------------------------------- schedules
@dataclass(frozen=True)
class ScheduleSpec:
    build: Callable[..., lr_scheduler.LRScheduler]  # (opt, *, steps, **params) -> scheduler
    params: tuple[str, ...] = ()  # the config fields this schedule reads besides `steps` (the form shows only these)

    def __call__(self, opt: torch.optim.Optimizer, *, steps: int, **params: Any) -> lr_scheduler.LRScheduler:
        return self.build(opt, steps=steps, **{k: params[k] for k in self.params})


SCHEDULES: Registry[ScheduleSpec] = Registry("schedule")
STEP_FIELDS = ("lr_step_every", "warmup_steps", "lr_cycle_steps")  # config fields counted in steps


def schedule(name: str, *, label: str, help: str, params: tuple[str, ...] = ()):
    def deco(fn):
        SCHEDULES.register(name, label=label, help=help)(ScheduleSpec(fn, params))
        return fn

    return deco


def _base_lr(opt: torch.optim.Optimizer) -> float:
    return opt.param_groups[0].get("initial_lr", opt.param_groups[0]["lr"])


@schedule("constant", label="Constant", help="lr_t = lr. The usual choice for GANs.")
def _constant(opt: torch.optim.Optimizer, *, steps: int) -> lr_scheduler.LRScheduler:
    return lr_scheduler.ConstantLR(opt, factor=1.0, total_iters=0)


@schedule("warmup", label="Linear warm-up", params=("warmup_steps", "warmup_start"), help=(
    "lr_t = lr (f0 + (1 - f0) min(t, W) / W): from f0 x lr up to lr over W steps, then constant "
    "(torch LinearLR). Avoids the large, badly aimed first steps of Adam on a fresh network."))
def _warmup(opt: torch.optim.Optimizer, *, steps: int, warmup_steps: int,
            warmup_start: float) -> lr_scheduler.LRScheduler:
    return lr_scheduler.LinearLR(opt, start_factor=warmup_start, end_factor=1.0, total_iters=warmup_steps)


@schedule("step", label="Step decay", params=("lr_step_every", "lr_gamma"), help=(
    "lr_t = lr * gamma^floor(t / N): multiply by gamma every N steps (torch StepLR). "
    "Calms a run that oscillates late in training."))
def _step(opt: torch.optim.Optimizer, *, steps: int, lr_step_every: int, lr_gamma: float) -> lr_scheduler.LRScheduler:
    return lr_scheduler.StepLR(opt, step_size=lr_step_every, gamma=lr_gamma)


@schedule("exponential", label="Exponential decay", params=("lr_step_every", "lr_gamma"), help=(
    "lr_t = lr * gamma^(t / N): the smooth version of step decay, a factor gamma every N steps "
    "(torch ExponentialLR with a per-step factor gamma^(1/N))."))
def _exponential(opt: torch.optim.Optimizer, *, steps: int, lr_step_every: int,
                 lr_gamma: float) -> lr_scheduler.LRScheduler:
    return lr_scheduler.ExponentialLR(opt, gamma=lr_gamma ** (1.0 / lr_step_every))


@schedule("cosine", label="Cosine annealing", params=("lr_min_factor",), help=(
    "lr_t = m lr + (1 - m) lr (1 + cos(pi t / T)) / 2 over the T training steps (torch "
    "CosineAnnealingLR), m = the minimum factor. Smoothly decays to m x lr by the last step."))
def _cosine(opt: torch.optim.Optimizer, *, steps: int, lr_min_factor: float) -> lr_scheduler.LRScheduler:
    return lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=lr_min_factor * _base_lr(opt))


@schedule("cyclic", label="Cyclical (triangular)", params=("lr_cycle_steps", "lr_min_factor"), help=(
    "lr_t rises linearly from m x lr to lr over half a cycle of P steps and falls back over the other half, "
    "again and again (Smith 2017; torch CyclicLR, mode 'triangular'). The high phases can shake a run out "
    "of a poor equilibrium; the low phases let it settle."))
def _cyclic(opt: torch.optim.Optimizer, *, steps: int, lr_cycle_steps: int,
            lr_min_factor: float) -> lr_scheduler.LRScheduler:
    lr = _base_lr(opt)
    return lr_scheduler.CyclicLR(opt, base_lr=lr_min_factor * lr, max_lr=lr, step_size_up=max(1, lr_cycle_steps // 2),
                                 mode="triangular", cycle_momentum=False)


@schedule("warmup-cosine", label="Warm-up then cosine", params=("warmup_steps", "warmup_start", "lr_min_factor"),
          help="Linear warm-up from f0 x lr to lr over W steps, then cosine annealing to m x lr at the last step "
          "(torch SequentialLR of LinearLR and CosineAnnealingLR). The usual schedule of large modern models.")
def _warmup_cosine(opt: torch.optim.Optimizer, *, steps: int, warmup_steps: int, warmup_start: float,
                   lr_min_factor: float) -> lr_scheduler.LRScheduler:
    lr = _base_lr(opt)
    warm = lr_scheduler.LinearLR(opt, start_factor=warmup_start, end_factor=1.0, total_iters=warmup_steps)
    cos = lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, steps - warmup_steps), eta_min=lr_min_factor * lr)
    return lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[warmup_steps])


class PlateauLR(lr_scheduler.ReduceLROnPlateau):
    """torch's ReduceLROnPlateau as one of the schedules: the engine ticks every schedule once per
    generator step, without a value, and that tick does nothing here; the run feeds it the monitored
    score with `observe(value)` each time one is logged (gan_core.run), which is torch's
    `ReduceLROnPlateau.step(value)`: after more than `patience` observations without an improvement
    (beyond the relative threshold) lr <- max(factor lr, min_lr), then `cooldown` observations of rest.

    The relative threshold is taken of |best|: an improvement is v < best - t |best| ("min") or
    v > best + t |best| ("max"). torch's "rel" mode compares with best (1 - t), which for a negative
    best (a WGAN loss, an unbiased KID below 0) lies *above* it: a worse value counted as an
    improvement and the LR never decayed. So torch runs in "abs" mode with threshold 0 and hears
    either the value (an improvement by our rule: strictly better, so torch takes it as the new best)
    or its own best (not strictly better: one more bad observation); patience, cooldown, factor and
    min_lr stay torch's."""

    def __init__(self, optimizer: torch.optim.Optimizer, *, threshold: float = 1e-4, **kwargs: Any) -> None:
        super().__init__(optimizer, threshold=0.0, threshold_mode="abs", **kwargs)
        self.rel_threshold = threshold

    def step(self, metrics: float | None = None, epoch: int | None = None) -> None:  # type: ignore[override]
        if metrics is not None:
            self.observe(float(metrics))

    def improves(self, value: float) -> bool:
        """Whether `value` beats the best so far by more than the relative threshold of |best|."""
        if math.isinf(self.best):
            return True  # nothing observed yet (best is torch's "worst" start value)
        margin = self.rel_threshold * abs(self.best)
        return value < self.best - margin if self.mode == "min" else value > self.best + margin

    def observe(self, value: float) -> None:
        super().step(value if self.improves(value) else self.best)


@schedule("plateau", label="Decay on plateau",
          params=("monitor", "plateau_patience", "plateau_factor", "plateau_threshold", "plateau_cooldown",
                  "lr_min_factor"),
          help="lr <- max(factor x lr, m x lr0) whenever the monitored score (monitor: fd_clf by default) has not "
          "improved for more than P observations (torch ReduceLROnPlateau): the performance-based decay of the "
          "tutorials. Not known in advance, so the preview shows a constant LR; the live LR chart shows the drops.")
def _plateau(opt: torch.optim.Optimizer, *, steps: int, monitor: str, plateau_patience: int, plateau_factor: float,
             plateau_threshold: float, plateau_cooldown: int, lr_min_factor: float) -> lr_scheduler.LRScheduler:
    direction = MONITORED.get(monitor, "min")  # "auto" watches a distance (fd_clf / kl): lower is better
    return PlateauLR(opt, mode=direction, factor=plateau_factor, patience=plateau_patience,
                     threshold=plateau_threshold, cooldown=plateau_cooldown,
                     min_lr=lr_min_factor * _base_lr(opt))


def build_schedule(opt: torch.optim.Optimizer, name: str, *, steps: int, **params: Any) -> lr_scheduler.LRScheduler:
    """Schedule `name` over a run of `steps` generator steps; `params` may hold more config fields than it
    reads (each schedule takes the ones its spec names)."""
    return SCHEDULES.get(name)(opt, steps=steps, **params)


def _cosine_lr(base: float, eta_min: float, t: int, T: int) -> float:
    """lr_t = eta_min + (base - eta_min) (1 + cos(pi t / T)) / 2: CosineAnnealingLR's closed form."""
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T)) / 2


def follow_horizon(sched: lr_scheduler.LRScheduler, opt: torch.optim.Optimizer, name: str, *, steps: int,
                   warmup_steps: int = 0) -> None:
    """Make a schedule restored from a checkpoint follow the total number of steps of the run it
    now belongs to (a run continued to more steps). Call after loading the optimiser's and the
    schedule's state.

    The rule: a continued run's LR at step t is the one a run planned for the new total `steps`
    from the start has at t, the curve lr_curve previews for the new config. Only the cosine
    schedules depend on the total: their cosine is stretched to end at the new last step, so the
    LR jumps at the resume step s from lr(s; T_old) up to lr(s; T_new) and then decays to m x lr at
    step T_new. E.g. a finished 100-step cosine run continued to 400 steps goes on at
    (1 + cos(pi/4)) / 2 = 85% of the base LR (m = 0), a warm restart, and reaches m x lr at 400.
    (The saved state alone keeps T = 100, and torch's cosine, periodic in 2T, climbed back to the
    full LR by step 200.) The other schedules (constant, warm-up, step, exponential, cyclic) do
    not depend on the total and continue exactly from their saved state; so does a cosine whose
    total did not change.

    torch's CosineAnnealingLR computes each LR from the previous one; setting T_max and the
    optimiser's current LR to the new curve's value at s makes that recursion follow the new curve.
    """
    if name not in ("cosine", "warmup-cosine"):
        return
    state = sched.state_dict()
    cos = state if name == "cosine" else state["_schedulers"][1]
    total = steps if name == "cosine" else max(1, steps - warmup_steps)
    if cos["T_max"] == total:
        return
    cos["T_max"] = total
    t = state["last_epoch"] - (0 if name == "cosine" else warmup_steps)
    if t > 0:  # in the cosine part (warm-up then cosine: past the warm-up, which does not depend on the total)
        lrs = [_cosine_lr(base, cos["eta_min"], t, total) for base in cos["base_lrs"]]
        cos["_last_lr"] = state["_last_lr"] = lrs
        for group, lr in zip(opt.param_groups, lrs):
            group["lr"] = lr
    sched.load_state_dict(state)


class _PreviewOptimizer(torch.optim.Optimizer):
    """The smallest thing torch's schedulers accept as an optimiser: one parameter group, a step
    that does nothing. torch.optim.SGD would do, but constructing any real optimiser (and its
    step) imports torch._dynamo on first use, 2-8 s on a busy 2-core machine, and the Train
    page draws this preview on its first load. The schedulers only read and write param_groups."""

    def __init__(self, lr: float):  # no super().__init__: that is the call that imports torch._dynamo
        self.defaults = {"lr": lr}
        self.state: dict = {}
        self.param_groups = [{"params": [], "lr": lr}]

    def step(self, closure=None):  # the LR is all a preview needs: nothing to update
        return None


def lr_curve(name: str, lr: float, *, steps: int, max_points: int = 2000,
             **params: Any) -> tuple[list[int], list[float]]:
    """The learning rate schedule `name` gives over a run of `steps` steps, for a preview chart.

    Computed by stepping the real torch scheduler on a dummy optimiser (_PreviewOptimizer). Runs longer than
    `max_points` steps are previewed on a time-scaled copy (the run and every step-count
    parameter divided by the same factor, rounded), which is exact for constant and cosine
    schedules and places step drops, warm-up ends and cycle turns to within one scaling factor.
    """
    scale = max(1, -(-steps // max_points))
    small = {**params, **{f: max(2 if f == "lr_cycle_steps" else 1, round(params[f] / scale))
                          for f in STEP_FIELDS if f in params}}
    small_steps = max(1, steps // scale)
    opt = _PreviewOptimizer(lr)
    sched = build_schedule(opt, name, steps=small_steps, **small)
    out_steps, lrs = [], []
    for t in range(small_steps + 1):
        out_steps.append(t * scale)
        lrs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    return out_steps, lrs
