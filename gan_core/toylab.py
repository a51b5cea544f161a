"""The 2-D lab: the whole adversarial game on a plane, one step at a time (after GAN Lab,
Kahng et al. 2018).

`ToyLab` owns an `Engine` for a 2-D point dataset and moves the game by the engine's own phases
(`Engine.phases`, the same objects a training run iterates):

    step_d()     the D phase of an iteration: d_steps updates of D, G frozen
    step_g()     the G phase: one update of G, D frozen; it is the iteration's last phase, so the
                 schedules advance and the iteration (the step counter) ends
    step_both()  one whole iteration (Engine.train_step: the D phase, then the G phase)
    step_phase() the next phase of the current iteration (slow motion: D, G, D, G, ...)
    run_for(s)   whole iterations for about s seconds (play)

and turns the state into pure data for the view (`snapshot()`) and scores (`score()`). It keeps
no thread: the page calls it a few times a second (see app_pages/toy_lab.py for why).

The view's data come from pure functions of D and G, unit tested on their own:

    d_surface     D's output on a grid over the plane. What is shown is the loss's own display
                  transform (`GANLoss.d_display`): sigmoid(logit) = P(real) for the losses whose D
                  outputs logits (`GANLoss.logits`: ns, minimax), the raw score for the others
    g_arrows      -dL_G/dx at each fake point x: the direction in which G's loss pushes that
                  point (G's update moves G(z) along it, as far as G can)
    g_manifold    the image under G of a grid of noise space (a line for a 1-D latent, a mesh of
                  lines for a 2-D one; None for larger latents)

D and G are evaluated as they are sampled: G is the EMA copy when EMA is on, and both are in eval
mode (batch norm uses its running statistics). D sees clean points: DiffAugment and instance
noise, which act on D's inputs only during training, are left out. With PacGAN (pac = m), D
scores packs of m points: the heat map at x is D's score of a pack of m copies of x, and the
arrows are the gradient of G's loss over the packed fixed batch. A conditional D is averaged over
the classes in the heat map and gets each fake point's own label for the arrows.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from gan_core.checks import validate_config
from gan_core.config import ConfigError, TrainConfig
from gan_core.data import DATASETS, load_dataset
from gan_core.data.toy2d import MIXTURES
from gan_core.engine import Divergence, Engine, Phase, resolve_device
from gan_core.eval_mode import eval_mode
from gan_core.messages import Msg
from gan_core.noise import noise_range, sample_noise
from gan_core.threads import torch_threads

HEAT_RES = 48  # heat-map cells per axis
CURVE_POINTS = 240  # points of the manifold curve (1-D latent)
MESH_LINES = 15  # grid lines per noise axis (2-D latent)
MESH_POINTS = 60  # points along each grid line
N_REAL_VIEW = 600  # real points drawn in the view
N_SCORE = 2500  # generated samples behind the scores (PacGAN's count)
N_REAL_SCORE = 20_000  # real points behind the reference histogram
THREADS = 1  # torch intra-op threads while the lab computes (see _few_threads)

# What each half of an iteration does: Msgs, so the page shows them in the reader's language (ui.i18n.tr)
# and the catalogue finds them here; printed or logged they are the English sentences.
PHASE_TEXT = {
    "D": Msg("**Discriminator step.** G is frozen; D's weights move to raise its output on real points "
             "and lower it on fake ones (gradient descent on L_D). Watch the heat map: it brightens where "
             "the real data lies and darkens over the fakes. The fake points do not move."),
    "G": Msg("**Generator step.** D is frozen; G's weights move so that its points climb D's surface "
             "(gradient descent on L_G). Each fake point moves along its arrow, as far as G, which maps "
             "all of noise space at once, can follow; the heat map does not change."),
}


# ---------------------------------------------------------------------------- pure view functions
def plane_grid(extent: float, res: int = HEAT_RES) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """Cell centres of a res x res grid on [-extent, extent]^2. -> (xs (res,), ys (res,), points
    (res*res, 2)) with points[i * res + j] = (xs[j], ys[i]) (row i is y, as a heat map's z[y][x])."""
    c = np.linspace(-extent, extent, res)
    gy, gx = np.meshgrid(c, c, indexing="ij")
    pts = torch.tensor(np.stack([gx.ravel(), gy.ravel()], axis=1), dtype=torch.float32)
    return c, c.copy(), pts


@torch.no_grad()
def d_surface(critic: Callable[[torch.Tensor], torch.Tensor], display: Callable[[torch.Tensor], torch.Tensor],
              extent: float, res: int = HEAT_RES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """D's displayed output over the plane. critic: points (N, 2) -> raw scores (N,).
    -> (xs, ys, z (res, res)) with z[i, j] = display(critic((xs[j], ys[i])))."""
    xs, ys, pts = plane_grid(extent, res)
    z = display(critic(pts)).float().cpu().numpy().reshape(res, res)
    return xs, ys, z


def g_arrows(critic: Callable[[torch.Tensor], torch.Tensor], g_loss: Callable[[torch.Tensor], torch.Tensor],
             points: torch.Tensor) -> np.ndarray:
    """-dL_G/dx for each of the N points x, with L_G = g_loss(critic(points)) summed over the
    points (N times the batch mean), so that each row is the per-point push -d g_loss(D(x_i))/dx_i
    when D scores points independently. -> (N, 2)."""
    x = points.detach().float().clone().requires_grad_(True)
    with torch.enable_grad():
        scores = critic(x)
        loss = g_loss(scores) * scores.shape[0]  # g_loss is a batch mean: undo the 1/N
        (grad,) = torch.autograd.grad(loss, x)
    return (-grad).cpu().numpy()


def display_arrows(push: np.ndarray, length: float) -> np.ndarray:
    """Arrows for the picture: the exact directions of `push`, scaled together so that the
    longest is `length` long (relative sizes are kept: a vanishing gradient shows short arrows)."""
    push = np.asarray(push, dtype=np.float64)
    top = float(np.nanmax(np.linalg.norm(push, axis=1))) if len(push) else 0.0
    if not math.isfinite(top) or top <= 0:
        return np.zeros_like(push)
    return push * (length / top)


@torch.no_grad()
def g_manifold(generator: Callable[[torch.Tensor], torch.Tensor], latent_dim: int, noise: str,
               lines: int = MESH_LINES, points: int = CURVE_POINTS, line_points: int = MESH_POINTS
               ) -> list[np.ndarray] | None:
    """The image under G of a grid of noise space, as polylines (each (k, 2)).

    1-D latent: one curve, G(z) for z on [-r, r]. 2-D latent: `lines` lines of constant z2 and
    `lines` of constant z1 over [-r, r]^2, each `line_points` long. r = 3 for Gaussian noise
    (99.7% of it), 1 for uniform noise (all of it). Larger latents: None (no 2-D picture of it)."""
    r = noise_range(noise)
    if latent_dim == 1:
        z = torch.linspace(-r, r, points).unsqueeze(1)
        return [generator(z).float().cpu().numpy()]
    if latent_dim != 2:
        return None
    fixed = torch.linspace(-r, r, lines)
    along = torch.linspace(-r, r, line_points)
    zs = []
    for c in fixed:  # rows (z2 = c) then columns (z1 = c)
        zs.append(torch.stack([along, torch.full_like(along, c)], dim=1))
    for c in fixed:
        zs.append(torch.stack([torch.full_like(along, c), along], dim=1))
    out = generator(torch.cat(zs)).float().cpu().numpy()  # (2 * lines * line_points, 2)
    return list(out.reshape(2 * lines, line_points, 2))


# ---------------------------------------------------------------------------- the lab
@dataclass
class Snapshot:
    """Everything the view draws, as numpy arrays (no torch, no UI)."""

    step: int  # iterations done (G phases)
    d_updates: int
    g_updates: int
    next_phase: str  # "D" or "G": the half of the iteration that comes next
    extent: float  # the view shows [-extent, extent]^2
    real: np.ndarray  # (N, 2) real points
    fake: np.ndarray  # (M, 2) G(fixed z)
    heat_x: np.ndarray  # (res,)
    heat_y: np.ndarray  # (res,)
    heat: np.ndarray  # (res, res) D's displayed output, heat[i, j] at (heat_x[j], heat_y[i])
    heat_is_probability: bool  # sigmoid of a logit (BCE losses) or a raw score
    push: np.ndarray  # (M, 2) -dL_G/dx at each fake point (exact)
    arrows: np.ndarray  # (M, 2) push scaled for the picture
    manifold: list[np.ndarray] | None  # polylines of G over a noise grid
    latent_dim: int
    noise: str


@dataclass
class Action:
    """What the last control did, for the explanation under the view."""

    kind: str  # "D", "G", "both", "play", "reset"
    text: str  # a Msg: English as a str, translated by the page (ui.i18n.tr)
    before: dict[str, float] = field(default_factory=dict)
    after: dict[str, float] = field(default_factory=dict)


def check_lab_config(cfg: TrainConfig) -> None:
    """Refuse what the lab cannot show: anything but 2-D points, and plateau decay (the lab scores when asked,
    so no monitored score would ever reach the schedule)."""
    spec = DATASETS.get(cfg.dataset)
    if spec.kind != "points":
        points = ", ".join(n for n in DATASETS.names() if DATASETS.get(n).kind == "points")
        raise ConfigError("dataset", Msg("the 2-D lab shows 2-D points; {dataset!r} is an image dataset. "
                                         "Choose one of {points}, or csv:PATH", dataset=cfg.dataset, points=points))
    if cfg.schedule == "plateau":
        raise ConfigError("schedule", Msg("plateau decay waits for the monitored score of a training run, which the "
                                          "2-D lab does not compute while it trains; choose another schedule here, or "
                                          "train with plateau decay on the Train page or the command line"))


def _few_threads(method):
    """Run a ToyLab method with `self.threads` torch threads (gan_core.threads), restoring the count afterwards.

    These nets are tiny: on a small CPU shared with other work, torch's default of one thread
    per core only spins (measured on the 2-core dev machine under load: about 110 iterations/s
    with one thread, 1-20 with two)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with torch_threads(self.threads if self.device.type == "cpu" else None):
            return method(self, *args, **kwargs)

    return wrapper


class ToyLab:
    def __init__(self, cfg: TrainConfig, *, device: str | torch.device | None = None, n_real_view: int = N_REAL_VIEW,
                 heat_res: int = HEAT_RES, n_score: int = N_SCORE, threads: int | None = THREADS):
        validate_config(cfg)
        check_lab_config(cfg)
        self.cfg = cfg
        self.threads = threads  # None: torch's own setting
        self.device = torch.device(device) if device is not None else resolve_device(cfg.device)
        data = load_dataset(cfg, device=self.device)
        self.engine = Engine(cfg, data, self.device)
        self.loss = self.engine.loss
        self.heat_res = heat_res
        g = torch.Generator().manual_seed(cfg.seed + 1)
        x = data.x.detach().float().cpu()
        self.extent = float(data.extent or 1.15 * float(x.abs().max()) + 0.05)
        view_idx = torch.randperm(x.shape[0], generator=g)[:n_real_view]
        self.real_view = x[view_idx].numpy()
        self.real_view_y = data.y[view_idx.to(data.y.device)].to(self.device) if self.engine.conditional else None
        real_ref = x[torch.randperm(x.shape[0], generator=g)[:N_REAL_SCORE]].numpy()
        self.mixture = MIXTURES.get(cfg.dataset)
        self.score_z = sample_noise(cfg.noise, n_score, cfg.latent_dim, generator=torch.Generator().manual_seed(
            cfg.seed + 2)).to(self.device)
        self.score_y = None
        if self.engine.conditional:  # labels with the data's class frequencies, fixed
            idx = torch.randint(0, data.y.shape[0], (n_score,), generator=g)
            self.score_y = data.y[idx].to(self.device)
        from gan_core.metrics.scores import grid_histogram

        self._real_hist = grid_histogram(real_ref, self.extent)
        self.d_updates = 0
        self.g_updates = 0
        self._next = 0  # index into engine.phases of the phase that comes next
        self.history: list[dict[str, float]] = []  # one row per action / play tick
        self.scores: list[dict[str, float]] = []  # one row per score()
        self.error: Msg | None = None  # why the game stopped (NaN/Inf)
        self.last: Action | None = None
        self._pending = False  # an iteration ended since the last history row (the engine has a window)
        self._rate: tuple[float, int] | None = None  # (seconds, iterations) of the last run_for

    # ------------------------------------------------------------------ moving the game
    @property
    def step(self) -> int:
        return self.engine.step

    @property
    def next_phase(self) -> str:
        """The name of the phase that comes next in the current iteration ("D" or "G")."""
        return self.engine.phases[self._next].name

    @_few_threads
    def step_d(self) -> Action:
        """The D phase of the current iteration (d_steps D updates)."""
        return self._act("D", lambda: self._phase(self.engine.phase("D")))

    @_few_threads
    def step_g(self) -> Action:
        """The G phase: one G update; ends the iteration (step + 1)."""
        return self._act("G", lambda: self._phase(self.engine.phase("G")))

    @_few_threads
    def step_both(self) -> Action:
        """One whole iteration (the D phase, then the G phase)."""
        return self._act("both", self._iteration)

    def step_phase(self) -> Action:
        """The next phase of the current iteration: slow motion shows D, G, D, G, ... apart."""
        return self.step_d() if self.next_phase == "D" else self.step_g()

    @property
    def finished(self) -> bool:
        """Play has reached the configured number of steps (single steps still go on)."""
        return self.step >= self.cfg.steps

    @_few_threads
    def run_for(self, seconds: float, max_steps: int = 100_000) -> int:
        """Whole iterations for about `seconds` (at least one, at most `max_steps`, never past
        cfg.steps, over which the LR schedules are laid out); -> how many. Finishes a half-done
        iteration first (its remaining phases)."""
        if self.error or self.finished:
            return 0
        t0 = time.perf_counter()
        n = 0
        try:
            if self._next > 0:  # the rest of a half-done iteration counts as one
                while self._next > 0:
                    self._phase(self.engine.phases[self._next])
                n += 1
            while n < max_steps and not self.finished and (n == 0 or time.perf_counter() - t0 < seconds):
                self._iteration()
                n += 1
            self._record("play")
        except Divergence as e:
            self._diverged(e)
        self._rate = (time.perf_counter() - t0, n)
        self.last = Action("play", Msg("Played {n} iteration.", n=n) if n == 1 else Msg("Played {n} iterations.", n=n))
        return n

    def steps_per_s(self) -> float:
        if not self._rate or self._rate[0] <= 0:
            return 0.0
        return self._rate[1] / self._rate[0]

    def _count(self, phase: Phase) -> None:
        if phase.name == "D":
            self.d_updates += phase.repeats
        else:
            self.g_updates += phase.repeats

    def _phase(self, phase: Phase) -> None:
        """One phase of the engine's iteration; after its last phase the iteration ends."""
        eng = self.engine
        eng.run_phase(phase)
        self._count(phase)
        i = eng.phases.index(phase)
        if i == len(eng.phases) - 1:
            eng.end_iteration()
            self._pending = True
            self._next = 0
        else:
            self._next = i + 1

    def _iteration(self) -> None:
        eng = self.engine
        due = [p for p in eng.phases if p.due(eng.step)]
        eng.train_step()
        for phase in due:
            self._count(phase)
        self._pending = True
        self._next = 0

    def _act(self, kind: str, fn: Callable[[], None]) -> Action:
        if self.error:
            return Action(kind, self.error)
        before = self._probe()
        try:
            fn()
            self._record(kind)
        except Divergence as e:
            self._diverged(e)
        after = self._probe()
        self.last = Action(kind, self._explain(kind, before, after), before, after)
        return self.last

    def _diverged(self, e: Exception) -> None:
        why = e.args[0] if len(e.args) == 1 and isinstance(e.args[0], Msg) else str(e)  # a Msg: translated too
        self.error = Msg("The game diverged ({why}). Reset the lab, and try a lower learning rate, a gradient "
                         "penalty (WGAN-GP, R1) or more D steps.", why=why)

    def _record(self, kind: str) -> None:
        """A history row: the engine's metric window when an iteration ended since the last row, else
        (a phase alone) that phase's own latest metrics, as the engine reports them."""
        row: dict[str, float] = {"step": float(self.step), "d_updates": float(self.d_updates),
                                 "g_updates": float(self.g_updates)}
        if self._pending:
            row.update(self.engine.flush().values)  # raises Divergence on NaN/Inf
            self._pending = False
        elif kind in ("D", "G"):
            row.update(self.engine.latest(self.engine.phase(kind).metrics))  # raises Divergence on NaN/Inf
        self.history.append(row)

    # ------------------------------------------------------------------ what D and G look like now
    def _critic(self, labels: torch.Tensor | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
        """points (N, 2) -> D's raw scores (N,) with D in eval mode; packs of pac copies with PacGAN."""
        D = self.engine.D
        pac = getattr(D, "pac", 1)

        def critic(x: torch.Tensor) -> torch.Tensor:
            x = x.to(self.device)
            with eval_mode(D):
                if pac > 1:
                    return D(x.repeat_interleave(pac, dim=0))  # a pack of pac copies of each point
                return D(x) if labels is None else D(x, labels)

        return critic

    def _surface_critic(self) -> Callable[[torch.Tensor], torch.Tensor]:
        if not self.engine.conditional:
            return self._critic()
        k = self.engine.num_classes
        display = self.loss.d_display

        def mean_over_classes(x: torch.Tensor) -> torch.Tensor:  # in display units, then back is not needed
            outs = [display(self._critic(torch.full((x.shape[0],), c, device=self.device))(x)) for c in range(k)]
            return torch.stack(outs).mean(0)

        return mean_over_classes

    def _generator(self, labels: torch.Tensor | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
        G = self.engine.G_sample

        def gen(z: torch.Tensor) -> torch.Tensor:
            z = z.to(self.device)
            with eval_mode(G), torch.no_grad():
                return G(z) if labels is None else G(z, labels)

        return gen

    def fake(self) -> torch.Tensor:
        """G(fixed z) (M, 2), as sampled (EMA, eval mode)."""
        return self._generator(self.engine.fixed_y)(self.engine.fixed_z).float()

    @_few_threads
    def snapshot(self) -> Snapshot:
        eng = self.engine
        fake = self.fake()
        cond = eng.conditional
        if cond:
            surface, display = self._surface_critic(), (lambda t: t)
        else:
            surface, display = self._critic(), self.loss.d_display
        xs, ys, heat = d_surface(surface, display, self.extent, self.heat_res)
        pac = getattr(eng.D, "pac", 1)
        m = fake.shape[0] - fake.shape[0] % pac  # packs need a multiple of pac
        push = np.zeros((fake.shape[0], 2), dtype=np.float64)
        if m:
            D = eng.D
            labels = eng.fixed_y[:m] if cond else None
            with eval_mode(D):
                critic = (lambda x: D(x)) if labels is None else (lambda x: D(x, labels))
                push[:m] = g_arrows(critic, self.loss.g_loss, fake[:m])
        manifold = None if cond else g_manifold(self._generator(), self.cfg.latent_dim, self.cfg.noise)
        return Snapshot(step=self.step, d_updates=self.d_updates, g_updates=self.g_updates,
                        next_phase=self.next_phase, extent=self.extent, real=self.real_view,
                        fake=fake.cpu().numpy(), heat_x=xs, heat_y=ys, heat=heat,
                        heat_is_probability=self.loss.logits,
                        push=push, arrows=display_arrows(push, 0.12 * self.extent),
                        manifold=manifold, latent_dim=self.cfg.latent_dim, noise=self.cfg.noise)

    @_few_threads
    @torch.no_grad()
    def score(self) -> dict[str, float]:
        """KL(real || fake) and JS on a grid histogram of 2,500 samples; with a Gaussian mixture
        (ring8, grid25) also the PacGAN mode counts. Appended to `scores` as well."""
        from gan_core.metrics.scores import grid_histogram, kl_js, mode_scores

        fake = self._generator(self.score_y)(self.score_z).float().cpu()
        ok = torch.isfinite(fake).all(1)
        kl, js = kl_js(self._real_hist, grid_histogram(fake[ok].numpy(), self.extent))
        row: dict[str, Any] = {"step": float(self.step), "kl": kl, "js": js}
        if self.mixture is not None:
            s = mode_scores(fake[ok], self.mixture.means, self.mixture.std)
            row.update(modes_covered=float(s["modes_covered"]), n_modes=float(s["n_modes"]), hq_pct=s["hq_pct"])
        self.scores.append(row)
        return row

    # ------------------------------------------------------------------ explanations
    def _probe(self) -> dict[str, Any]:
        """Mean displayed D on the real view points and on the fake points (each point alone; with
        PacGAN a pack of copies of it), and the fake points themselves."""
        with torch.no_grad():
            fake = self.fake()
            show = self.loss.d_display
            d_fake = show(self._critic(self.engine.fixed_y)(fake)).mean().item()
            d_real = show(self._critic(self.real_view_y)(torch.as_tensor(self.real_view))).mean().item()
        return {"d_real": d_real, "d_fake": d_fake, "_fake": fake.cpu()}

    def _explain(self, kind: str, before: dict, after: dict) -> Msg:
        """What the action did, as a Msg of Msgs (what the phase does, then what it changed in numbers)."""
        if self.error:
            return self.error
        moved = float((after["_fake"] - before["_fake"]).norm(dim=1).mean())
        values = dict(real_before=before["d_real"], real_after=after["d_real"], fake_before=before["d_fake"],
                      fake_after=after["d_fake"], moved=moved)
        if self.loss.logits:
            nums = Msg("Mean P(real) on real points {real_before:.3f} → {real_after:.3f}, on fake points "
                       "{fake_before:.3f} → {fake_after:.3f}; fake points moved {moved:.4f} on average.", **values)
        else:
            nums = Msg("Mean D's score on real points {real_before:.3f} → {real_after:.3f}, on fake points "
                       "{fake_before:.3f} → {fake_after:.3f}; fake points moved {moved:.4f} on average.", **values)
        n = self.cfg.d_steps
        if kind == "D":
            head = Msg("{phase} ({n} D updates.)", phase=PHASE_TEXT["D"], n=n) if n > 1 else PHASE_TEXT["D"]
        elif kind == "G":
            head = PHASE_TEXT["G"]
        elif n > 1:
            head = Msg("**One iteration**: {n} D updates, then one G update.", n=n)
        else:
            head = Msg("**One iteration**: {n} D update, then one G update.", n=n)
        return Msg("{head}\n\n{numbers}", head=head, numbers=nums)
