"""One training iteration of the adversarial game, as plain code: no threads, files or printing.

An iteration runs the engine's `phases` in order, each a piece of data (as in StyleGAN3's training
loop): the net whose weights move, its optimiser, how many updates it makes per iteration, how
often it runs, and the objective it minimises:

    D: d_steps updates   minimise L_D(D(a(x)), D(a(G(z))))  [+ lambda GP | + gamma/2 R1]   x ~ data, G frozen
    G: 1 update          minimise L_G(D(a(G(z))))                                          D frozen

The penalties are `Term`s of D's objective with an interval of their own: lazy R1 (r1_every = N)
adds N gamma/2 R1 in the steps that are multiples of N and nothing in the others, the same weight
on average for 1/N of the cost of a second backward pass (Karras et al. 2020). Each objective
returns its loss and named metrics (the loss's own: d_loss, d_real, d_fake, g_loss; the penalty's
value; the update's gradient norm); the latest value of each metric is the iteration's row.

With several discriminators (num_d = K, GMAN: gan_core/models/multi_d.py) D's objective is the mean of
the K critics' losses and G's their softmax-weighted mean; the phases are the same two.

where a() is what D's inputs go through: DiffAugment, instance noise, PacGAN packing (each
optional). Conditional models draw fakes for the labels of the real batch in D's step and for
labels sampled from the data in G's step. After D's step WGAN clips D's weights; after G's step
the EMA of G is updated. Both players can clip their gradient norm.

How the nets compute (mixed precision, channels_last, torch.compile, CUDA flags) is decided by
gan_core.accel from the config and the device; the maths above does not change with it. Networks run
under autocast, and everything outside them (losses, penalties' norms, metrics) is fp32: D's scores
and G's images are cast to fp32 as they leave the nets, so log-sigmoid losses keep their precision.

Metrics stay on the device: each iteration adds its row to a running sum, and `flush()` moves
the window's mean to the host in one transfer (no `.item()` inside a step, so a GPU never
waits for the host). Every random draw comes from one torch.Generator (`self.gen`), whose state
is part of `training_state()`, so a resumed run continues exactly.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from gan_core.accel import Accel, compile_module
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import Dataset
from gan_core.eval_mode import eval_mode
from gan_core.init_from import prepare_nets
from gan_core.losses import LOSSES
from gan_core.messages import Msg
from gan_core.models import GROWING, build_models, model_kwargs, multi_d
from gan_core.models.conditional import PacDiscriminator
from gan_core.models.multi_d import MultiDiscriminator
from gan_core.models.progressive import growth_at, real_at
from gan_core.models.stylegan import mixing_cutoffs
from gan_core.noise import sample_noise
from gan_core.optim import SCHEDULES, build_optimizer, build_schedule
from gan_core.regularizers import (
    DIFFAUG,
    EMA,
    clip_grad_norm_,
    clip_weights_,
    diff_augment,
    finite,
    flipped_labels,
    gradient_penalty,
    instance_noise,
    instance_noise_std,
    r1_penalty,
)
from gan_core.seeding import global_rng

# Order of the per-step metric vector (the columns of the run log, besides step/time/lr); the phases' metrics.
# d_loss: D's whole objective (penalties included). penalty: the unweighted gradient penalty (WGAN-GP) or R1
# term of the last D update that computed one (lazy R1: the latest), 0 without one.
METRICS = ("d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "penalty")
D_METRICS = ("d_loss", "d_real", "d_fake", "grad_norm_d", "penalty")
G_METRICS = ("g_loss", "grad_norm_g")

Critic = Callable[[torch.Tensor], torch.Tensor]
Objective = Callable[[], tuple[torch.Tensor, dict[str, torch.Tensor]]]


def resolve_device(choice: str) -> torch.device:
    """'auto' -> cuda when available, else cpu. Asking for cuda without one is an error."""
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(Msg("device 'cuda' was chosen but no CUDA GPU is available here; choose 'auto' or 'cpu'"))
    return torch.device(choice)


class Divergence(RuntimeError):
    """A loss or gradient became NaN/Inf."""


@dataclass(frozen=True)
class Term:
    """A regulariser of a phase's objective: L += weight * interval * fn(critic, real inputs, fake inputs) in the
    iterations whose step is a multiple of `interval`, nothing in the others (lazy regularisation: the same
    weight on average). Its unweighted value is reported as the metric `metric`."""

    metric: str
    weight: float
    fn: Callable[[Critic, torch.Tensor, torch.Tensor], torch.Tensor]
    interval: int = 1

    def due(self, step: int) -> bool:
        return step % self.interval == 0


@dataclass
class Phase:
    """One player's part of an iteration (a row of StyleGAN3's `phases`): `repeats` updates of `module`'s
    weights with `opt`, each minimising `objective()`, in the iterations whose step is a multiple of
    `interval`. The other net is frozen (its weights get no update)."""

    name: str  # "D" | "G"
    module: nn.Module  # the net whose weights move
    opt: torch.optim.Optimizer
    scaler: torch.amp.GradScaler | None  # fp16 loss scaling, else None
    objective: Objective  # -> (loss, named metrics) of one update
    metrics: tuple[str, ...]  # the names the objective and the update report (the lab's rows read them)
    repeats: int = 1  # updates per iteration (D: d_steps)
    interval: int = 1  # runs every `interval` iterations
    own_grads_only: bool = False  # backward into this net's parameters only (G's loss also reaches D's)
    after: Callable[[], None] | None = None  # after each update: WGAN's weight clipping, the EMA of G
    params: list[nn.Parameter] = field(init=False)

    def __post_init__(self) -> None:
        self.params = [p for p in self.module.parameters() if p.requires_grad]  # frozen blocks (init_from) excluded

    def due(self, step: int) -> bool:
        return step % self.interval == 0


@dataclass
class Window:
    """Means of the metrics over the steps since the last flush, on the host."""

    step: int
    values: dict[str, float]


def _total_grad_norm(params: list[torch.nn.Parameter]) -> torch.Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    return torch.nn.utils.get_total_norm(grads) if grads else torch.zeros(())


def _finite_or_raise(values: dict[str, float], step: int) -> dict[str, float]:
    bad = [k for k, v in values.items() if not math.isfinite(v)]
    if bad:
        raise Divergence(Msg("non-finite {names} at step {step}", names=", ".join(bad), step=step))
    return values


def num_classes(data: Dataset) -> int:
    """Number of classes of a labelled dataset: its class names, or the largest label + 1."""
    if data.y is None:
        return 0
    top = int(data.y.max()) + 1 if len(data.y) else 0  # once, at build time
    return max(len(data.class_names), top)


class Engine:
    def __init__(self, cfg: TrainConfig, data: Dataset, device: torch.device, init_weights: bool = True):
        self.cfg = cfg
        self.device = device
        self.loss = LOSSES.get(cfg.loss)
        self.conditional = cfg.conditioning != "none"
        self.num_classes = 0
        if self.conditional:
            if data.y is None:
                raise ConfigError("conditioning", f"dataset {cfg.dataset!r} ({data.source}) has no class labels, so a "
                                  "conditional model cannot be trained on it; set conditioning to none")
            self.num_classes = num_classes(data)
        with global_rng(cfg.seed):  # weight init: the seed's draws, whatever other threads do meanwhile
            self.G, self.D = build_models(cfg.arch, shape=data.shape, num_classes=self.num_classes, **model_kwargs(cfg))
        # transfer learning: a checkpoint's weights (not when continuing: its own checkpoint follows); frozen blocks
        self.init_info = prepare_nets(cfg, self.G, self.D, load=init_weights)
        self.G.to(device)
        self.D.to(device)
        try:
            conv = any(isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)) for m in self.D.modules())
            self.accel = Accel.for_config(cfg, device, conv=conv)
        except ValueError as e:
            raise ConfigError("precision", str(e)) from None
        self.accel.prepare(self.G, self.D)  # channels_last weights (and so the EMA copy of G)
        self.g_params = [p for p in self.G.parameters() if p.requires_grad]  # frozen blocks: not in the optimiser
        self.d_params = [p for p in self.D.parameters() if p.requires_grad]
        self.ema = EMA(self.G, cfg.ema_decay) if cfg.ema_decay > 0 else None
        hyper = dict(beta1=cfg.beta1, beta2=cfg.beta2, momentum=cfg.momentum)  # each optimiser takes its own
        self.opt_g = build_optimizer(cfg.opt_g, self.g_params, cfg.lr_g, **hyper)
        self.opt_d = build_optimizer(cfg.opt_d, self.d_params, cfg.lr_d, **hyper)
        sched = {f: getattr(cfg, f) for f in SCHEDULES.get(cfg.schedule).params}
        self.sched_g = build_schedule(self.opt_g, cfg.schedule, steps=cfg.steps, **sched)
        self.sched_d = build_schedule(self.opt_d, cfg.schedule, steps=cfg.steps, **sched)
        self.scaler_g, self.scaler_d = self.accel.scaler(), self.accel.scaler()  # fp16 only, one per player
        self.x = self.accel.layout(data.x.to(device))  # the whole dataset, one tensor on the device
        self.y = data.y.to(device) if self.conditional else None
        self.n = self.x.shape[0]
        # Progressive growing: (start level, final level) of the nets' resolutions; the level and fade-in
        # weight follow from the step (models/progressive.growth_at), so a resumed run needs nothing saved.
        self.growth: tuple[int, int] | None = None
        if cfg.progressive:
            sizes = GROWING.get(cfg.arch).sizes(data.shape[-1])
            self.growth = (sizes.index(cfg.grow_from or sizes[0]), len(sizes) - 1)
        self.gen = torch.Generator(device=device).manual_seed(cfg.seed)
        # What D's inputs go through, and how D is called on them.
        self.augment = DIFFAUG.get(cfg.diffaug)
        self.packed = isinstance(self.D, PacDiscriminator)
        self._critic_net = self.D.net if self.packed else self.D  # D's inputs are packed before the penalties
        self.multi_d = isinstance(self.D, MultiDiscriminator)  # GMAN: K critics, each its own loss (models/multi_d.py)
        # The callables of the training steps: the modules themselves, or compiled wrappers sharing their
        # parameters (sampling, checkpoints and the EMA use the modules). Compiled on the first step.
        self._g_call: torch.nn.Module = self.G
        self._d_call: torch.nn.Module = self._critic_net
        self.compile_pending = self.accel.compile
        if self.accel.compile:
            self._g_call, self._d_call = compile_module(self.G), compile_module(self._critic_net)
        self._d_loss_kw = {"real_label": 1.0 - cfg.label_smoothing} if cfg.label_smoothing > 0 else {}
        self._g_kw = {"generator": self.gen} if getattr(self.G, "uses_noise", False) else {}
        self._num_ws = getattr(self.G, "num_ws", None) if cfg.style_mixing > 0 else None
        self._sigma = 0.0  # instance-noise std of the current step
        # One fixed noise batch for every progress grid (drawn on the CPU so it is the same on
        # any device for a given seed). Conditional models: one row per class, the same z in
        # each column, so only the label changes down a column.
        cpu = torch.Generator().manual_seed(cfg.seed)
        if self.conditional:
            k = self.num_classes
            cols = max(1, math.ceil(cfg.n_fixed / k))
            z = sample_noise(cfg.noise, cols, cfg.latent_dim, generator=cpu)
            self.fixed_z = z.repeat(k, 1).to(device)  # (K * cols, z)
            self.fixed_y = torch.arange(k).repeat_interleave(cols).to(device)  # 0,0,..,1,1,..
            self.grid_nrow: int | None = cols
        else:
            self.fixed_z = sample_noise(cfg.noise, cfg.n_fixed, cfg.latent_dim, generator=cpu).to(device)
            self.fixed_y = None
            self.grid_nrow = None
        # The iteration as data: D's phase, then G's, with the terms of D's objective.
        self.d_terms: list[Term] = []
        if self.loss.gradient_penalty:
            self.d_terms.append(Term("penalty", cfg.gp_weight, self._gp))
        if cfg.r1_weight > 0:  # L_D += gamma/2 R1, lazily: N gamma/2 R1 every N steps
            self.d_terms.append(Term("penalty", 0.5 * cfg.r1_weight, self._r1, interval=cfg.r1_every))
        clip = (lambda: clip_weights_(self.D, cfg.clip_value)) if self.loss.weight_clipping else None
        ema = (lambda: self.ema.update(self.G)) if self.ema is not None else None
        self.phases: list[Phase] = [
            Phase("D", self.D, self.opt_d, self.scaler_d, self._d_objective, D_METRICS, repeats=cfg.d_steps,
                  after=clip),
            Phase("G", self.G, self.opt_g, self.scaler_g, self._g_objective, G_METRICS, own_grads_only=True,
                  after=ema),
        ]
        # Called with a phase's parameters between its backward pass and its gradient norm / step: under torchrun,
        # gan_core.distributed averages the gradients over the processes here; None in a single process.
        self.after_backward: Callable[[list[nn.Parameter]], None] | None = None
        self.step = 0
        self._zero = torch.zeros((), device=device)
        self._latest: dict[str, torch.Tensor] = dict.fromkeys(METRICS, self._zero)  # each metric's latest value
        self._sum = torch.zeros(len(METRICS), device=device)
        self._count = 0
        self._apply_growth()

    @property
    def G_sample(self) -> torch.nn.Module:
        """The generator that is sampled and checkpointed as "G": the EMA copy when EMA is on."""
        return self.ema.module if self.ema is not None else self.G

    # ------------------------------------------------------------------ one iteration
    def _z(self, b: int) -> torch.Tensor:
        return sample_noise(self.cfg.noise, b, self.cfg.latent_dim, device=self.device, generator=self.gen)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        idx = torch.randint(0, self.n, (self.cfg.batch_size,), device=self.device, generator=self.gen)
        x = self.x[idx]  # random index gather, no DataLoader
        if self.growth is not None:  # at the current resolution, blended during a fade-in
            x = real_at(x, self.G.level, self.G.alpha, self.growth[1])
        return x, (self.y[idx] if self.y is not None else None)

    def growth_now(self) -> tuple[int, float] | None:
        """(level, alpha) of progressive growing at the current step; None without it."""
        if self.growth is None:
            return None
        start, final = self.growth
        return growth_at(self.step, start=start, final=final, every=self.cfg.grow_every)

    def _apply_growth(self) -> None:
        """Set the growing nets (and the EMA copy of G) to the level and fade-in weight of the current step."""
        now = self.growth_now()
        if now is not None:
            for net in (self.G, self.D, *([self.ema.module] if self.ema is not None else [])):
                net.set_growth(*now)

    def _labels(self, b: int) -> torch.Tensor | None:
        """Labels for G's step, drawn with the data's class frequencies."""
        if self.y is None:
            return None
        return self.y[torch.randint(0, self.n, (b,), device=self.device, generator=self.gen)]

    def _generate(self, z: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        kw = dict(self._g_kw)
        if self._num_ws:  # style-mixing regularisation (StyleGAN-lite)
            kw.update(mix_z=self._z(z.shape[0]),
                      cutoff=mixing_cutoffs(z.shape[0], self._num_ws, self.cfg.style_mixing, self.device, self.gen))
        with self.accel.autocast():
            x = self._g_call(z, **kw) if y is None else self._g_call(z, y, **kw)
        return self.accel.layout(x.float())  # fp32 images outside G (augmentation, penalties, D's input)

    def _d_input(self, x: torch.Tensor) -> torch.Tensor:
        """What D sees of a batch: augmented, with instance noise, packed."""
        if self.augment:
            x = diff_augment(x, self.augment, self.gen)
        if self._sigma > 0:
            x = instance_noise(x, self._sigma, self.gen)
        if self.packed:
            x = self.D.pack(x)
        return x

    def _critic(self, x: torch.Tensor, y: torch.Tensor | None, each: bool = False) -> torch.Tensor:
        """D's raw scores in fp32 (the losses' softplus/log-sigmoid of a bf16 logit would lose digits). `each`
        (several discriminators): every critic's, (K, B)."""
        kw = {"each": True} if each else {}
        with self.accel.autocast():
            s = self._d_call(x, **kw) if y is None else self._d_call(x, y, **kw)
        return s.float()

    def _penalty_critic(self, y: torch.Tensor | None, member: int | None = None):
        """D as the gradient penalties see it. bf16 keeps fp32's exponent range, so grad_x D under autocast
        neither under- nor overflows (tests/test_engine_accel.py checks it against fp32); fp16 would need the
        penalty's own loss scaling, so there the penalties use the fp32, uncompiled D. Compiled code cannot
        differentiate twice (create_graph), so the penalties never use the compiled D. `member`: critic k of
        several (each one's penalty is its own gradient's)."""
        net = self._critic_net if member is None else self._critic_net.members[member]
        if self.accel.precision == "fp16":
            return lambda t: net(t) if y is None else net(t, y)

        def critic(t: torch.Tensor) -> torch.Tensor:
            with self.accel.autocast():
                s = net(t) if y is None else net(t, y)
            return s.float()

        return critic

    def _update(self, loss: torch.Tensor, phase: Phase) -> torch.Tensor:
        """zero_grad, backward, gradient norm (and clipping), step. fp16: backward of S * L, gradients divided
        by S before the norm, and the step skipped when they overflowed (GradScaler)."""
        opt, scaler = phase.opt, phase.scaler
        opt.zero_grad(set_to_none=True)
        (scaler.scale(loss) if scaler is not None else loss).backward(
            inputs=phase.params if phase.own_grads_only else None)
        if self.after_backward is not None:
            self.after_backward(phase.params)
        if scaler is not None:
            scaler.unscale_(opt)
        norm = self._clip_or_norm(phase.params)
        if scaler is not None:
            scaler.step(opt)
            scaler.update()
        else:
            opt.step()
        return norm

    def _clip_or_norm(self, params: list[torch.nn.Parameter]) -> torch.Tensor:
        if self.cfg.grad_clip > 0:
            return clip_grad_norm_(params, self.cfg.grad_clip)  # the norm before clipping
        return _total_grad_norm(params)

    # ------------------------------------------------------------------ the phases' objectives
    def _d_objective(self) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """One D update's loss: L_D on a real batch and fakes for its labels, plus the terms due this step."""
        real, y = self._batch()
        with torch.no_grad():
            fake = self._generate(self._z(real.shape[0]), y)  # conditional: fakes for the real batch's labels
        real_in, fake_in = self._d_input(real), self._d_input(fake)
        r, f = self._critic(real_in, y, self.multi_d), self._critic(fake_in, y, self.multi_d)
        if self.multi_d:  # the mean of the K critics' losses: (K, B) scores
            loss, metrics = multi_d.discriminator_loss(self.loss, r, f, **self._d_labels(r, f))
        else:
            loss, metrics = self.loss.discriminator(r, f, **self._d_labels(r, f))
        for term in self.d_terms:
            if term.due(self.step):
                value = (term.fn(self._penalty_critic(y), real_in, fake_in) if not self.multi_d else  # per critic:
                         torch.stack([term.fn(self._penalty_critic(y, k), real_in, fake_in)  # the mean of K
                                      for k in range(self._critic_net.num_critics)]).mean())
                loss = loss + term.weight * term.interval * value
                metrics[term.metric] = value.detach()
        metrics["d_loss"] = loss.detach()  # the whole objective
        return loss, metrics

    def _d_labels(self, r: torch.Tensor, f: torch.Tensor) -> dict[str, float | torch.Tensor]:
        """The BCE targets of this D update: label noise draws fresh random flips each update."""
        if self.cfg.label_flip > 0:
            t_r, t_f = flipped_labels(r, f, self.cfg.label_flip, 1.0 - self.cfg.label_smoothing, self.gen)
            return {"real_label": t_r, "fake_label": t_f}
        return self._d_loss_kw

    def _gp(self, critic: Critic, real_in: torch.Tensor, fake_in: torch.Tensor) -> torch.Tensor:
        return gradient_penalty(critic, real_in, fake_in, generator=self.gen)

    def _r1(self, critic: Critic, real_in: torch.Tensor, fake_in: torch.Tensor) -> torch.Tensor:
        return r1_penalty(critic, real_in)

    def _g_objective(self) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """One G update's loss: L_G on fakes for labels drawn from the data."""
        y = self._labels(self.cfg.batch_size)
        f = self._critic(self._d_input(self._generate(self._z(self.cfg.batch_size), y)), y, self.multi_d)
        if self.multi_d:  # GMAN: sum_k softmax(lambda L)_k L_k of the K critics' losses
            return multi_d.generator_loss(self.loss, f, self.cfg.gman_lambda)
        return self.loss.generator(f)

    # ------------------------------------------------------------------ the iteration
    def train_step(self) -> None:
        """One iteration: each phase that is due, in order, then the end of the iteration."""
        for phase in self.phases:
            if phase.due(self.step):
                self.run_phase(phase)
        self.end_iteration()

    def phase(self, name: str) -> Phase:
        return next(p for p in self.phases if p.name == name)

    def run_phase(self, phase: Phase) -> None:
        """`phase.repeats` updates of its net, the other frozen (the 2-D lab also runs them one at a time).
        Their metrics become the latest values of the iteration's row."""
        cfg = self.cfg
        if self.compile_pending:
            self.warm_up_compile()
        self._sigma = instance_noise_std(self.step, cfg.instance_noise, cfg.instance_noise_steps or cfg.steps)
        for _ in range(phase.repeats):
            loss, metrics = phase.objective()
            metrics[f"grad_norm_{phase.name.lower()}"] = self._update(loss, phase)
            if phase.after is not None:
                phase.after()
            self._latest.update(metrics)

    def end_iteration(self) -> None:
        """The schedules advance, the iteration's metric row (each metric's latest value: the last update of each
        phase) joins the window, and the step counter moves on."""
        self.sched_g.step()
        self.sched_d.step()
        self._sum += torch.stack([self._latest[k] for k in METRICS])
        self._count += 1
        self.step += 1
        self._apply_growth()

    def observe_score(self, value: float) -> bool:
        """Plateau decay (schedule 'plateau', optim.PlateauLR) hears the monitored score, logged by the run
        (gan_core.run). -> True when a learning rate changed."""
        before = (self.sched_g.get_last_lr(), self.sched_d.get_last_lr())
        self.sched_g.observe(value)
        self.sched_d.observe(value)
        return (self.sched_g.get_last_lr(), self.sched_d.get_last_lr()) != before

    def latest(self, names: Iterable[str]) -> dict[str, float]:
        """The latest values of these metrics on the host, in one transfer (the 2-D lab's row after a D phase
        alone). Raises Divergence when one is NaN/Inf."""
        names = tuple(names)
        return _finite_or_raise(dict(zip(names, torch.stack([self._latest[k] for k in names]).tolist())), self.step)

    # ------------------------------------------------------------------ torch.compile
    def warm_up_compile(self) -> None:
        """Compile G and D by running one iteration through them, then roll that iteration back.

        torch.compile compiles at the first call, which takes seconds to a minute and is where it
        fails (no C++ compiler, an unsupported op, double backward). Doing it here, on a copy of the
        training state that is restored afterwards, makes the compile a phase of its own (the run
        shows it) with no effect on training; on any failure the run goes on uncompiled and
        `accel.compile_error` says why."""
        self.compile_pending = False
        saved = self._snapshot()
        t0 = time.perf_counter()
        try:
            self.train_step()
            self._sum.sum().item()  # wait for the device: the compile time includes the first run
        # any failure of the compiled step means eager instead
        except Exception as e:
            first_line = (str(e).strip().splitlines() or [""])[0][:300]
            self.accel.compile_error = f"{type(e).__name__}: {first_line}"
            self._g_call, self._d_call = self.G, self._critic_net
        finally:
            self.accel.compile_seconds = time.perf_counter() - t0
            self._restore(saved)

    def _snapshot(self) -> dict:
        """Copies of everything one iteration changes (weights, batch-norm statistics, optimiser and
        schedule state, EMA, the RNG, the metric sums, the step)."""
        state = {"G": self.G.state_dict(), "D": self.D.state_dict(), "opt_g": self.opt_g.state_dict(),
                 "opt_d": self.opt_d.state_dict(), "sched_g": self.sched_g.state_dict(),
                 "sched_d": self.sched_d.state_dict(), "scalers": [s.state_dict() if s else None
                                                                   for s in (self.scaler_g, self.scaler_d)],
                 "ema": (self.ema.state_dict(), self.ema.updates) if self.ema is not None else None}
        state = copy.deepcopy(state)
        state.update(gen=self.gen.get_state(), sum=self._sum.clone(), count=self._count, step=self.step,
                     latest=dict(self._latest))
        return state

    def _restore(self, s: dict) -> None:
        self.G.load_state_dict(s["G"])
        self.D.load_state_dict(s["D"])
        self.opt_g.load_state_dict(s["opt_g"])
        self.opt_d.load_state_dict(s["opt_d"])
        self.sched_g.load_state_dict(s["sched_g"])
        self.sched_d.load_state_dict(s["sched_d"])
        for scaler, sd in zip((self.scaler_g, self.scaler_d), s["scalers"]):
            if scaler is not None:
                scaler.load_state_dict(sd)
        if s["ema"] is not None:
            self.ema.load_state_dict(*s["ema"])
        self.gen.set_state(s["gen"])
        self._sum.copy_(s["sum"])
        self._count, self.step = s["count"], s["step"]
        self._latest = s["latest"]
        self._apply_growth()

    # ------------------------------------------------------------------ host side
    def flush(self) -> Window:
        """Mean of the metrics since the last flush, in one device->host transfer.

        Raises Divergence when any of them is NaN/Inf (the caller keeps its last good checkpoint).
        """
        means = (self._sum / max(self._count, 1)).tolist()  # the one synchronisation point
        self._sum.zero_()
        self._count = 0
        values = dict(zip(METRICS, means))
        values["lr_g"] = self.sched_g.get_last_lr()[0]
        values["lr_d"] = self.sched_d.get_last_lr()[0]
        return Window(self.step, _finite_or_raise(values, self.step))

    @torch.no_grad()
    def sample_fixed(self) -> torch.Tensor:
        """G(fixed z) in eval mode (batch norm uses its running statistics), on the CPU. With EMA
        on, the averaged generator; conditional models get the fixed labels (one row per class)."""
        G = self.G_sample
        with eval_mode(G):
            x = G(self.fixed_z) if self.fixed_y is None else G(self.fixed_z, self.fixed_y)
        return x.float().cpu()

    # ------------------------------------------------------------------ resume support
    def training_state(self) -> tuple[dict[str, torch.Tensor], dict]:
        """Everything beyond G and D that a resumed run needs: optimiser moments, schedule
        positions, the sampling RNG and the step; with EMA on, the raw G ("G_raw.*": the
        checkpoint's G is the EMA one) and the EMA's own state. Returns (tensors, JSON part)."""
        tensors: dict[str, torch.Tensor] = {}
        groups = {}
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            sd = opt.state_dict()
            groups[name] = sd["param_groups"]
            for pid, st in sd["state"].items():
                for k, v in st.items():
                    if v is None:  # SGD without momentum keeps momentum_buffer = None
                        continue
                    t = v if torch.is_tensor(v) else torch.tensor(v)
                    tensors[f"{name}.{pid}.{k}"] = t.detach().cpu().contiguous()
        tensors["rng.gen"] = self.gen.get_state()
        doc = {"step": self.step, "param_groups": groups,
               "sched_g": self.sched_g.state_dict(), "sched_d": self.sched_d.state_dict()}
        if self.ema is not None:  # copies: the checkpoint's "G" tensors are the EMA's own (safetensors refuses shared
            # memory), in the standard layout (it also refuses the strides of channels_last weights)
            dense = torch.contiguous_format
            for k, v in self.G.state_dict().items():
                tensors[f"G_raw.{k}"] = v.detach().to("cpu", memory_format=dense, copy=True)
            for k, v in self.ema.state_dict().items():
                tensors[f"ema.{k}"] = v.detach().to("cpu", memory_format=dense, copy=True)
            doc["ema_updates"] = self.ema.updates
        return tensors, doc

    def load_training_state(self, tensors: dict[str, torch.Tensor], doc: dict) -> None:
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            state: dict[int, dict[str, torch.Tensor]] = {}
            for key, t in tensors.items():
                if key.startswith(name + "."):
                    _, pid, k = key.split(".", 2)
                    state.setdefault(int(pid), {})[k] = t
            opt.load_state_dict({"state": state, "param_groups": doc["param_groups"][name]})
        self.sched_g.load_state_dict(doc["sched_g"])
        self.sched_d.load_state_dict(doc["sched_d"])
        self.gen.set_state(tensors["rng.gen"])
        if self.ema is not None:
            raw = {k[6:]: v for k, v in tensors.items() if k.startswith("G_raw.")}
            ema = {k[4:]: v for k, v in tensors.items() if k.startswith("ema.")}
            if not raw or not ema:
                raise ValueError("this checkpoint has no EMA state (it was written with ema_decay 0)")
            self.G.load_state_dict(raw)
            self.ema.load_state_dict(ema, int(doc.get("ema_updates", 0)))
        self.step = int(doc["step"])
        self._apply_growth()

    def weights_finite(self) -> bool:
        """True when every weight of G, D (and the EMA of G) is finite (one host sync; called
        before a checkpoint)."""
        nets = [*self.g_params, *self.d_params]
        if self.ema is not None:
            nets += list(self.ema.module.parameters())
        return bool(finite(nets))
