"""Alarms: mode collapse, divergence and an overpowering discriminator, detected on the run's
logged windows (one row per `log_every` steps, with scores in some rows).

Each detector reads the rows one by one (`AlarmDetector.update(row)`), so the same code runs
live in the training thread and on a history from disk (`detect(rows)`, used by the tests). An
alarm is data: name, step, level, title, message (what was seen, with the numbers) and remedies
(from the tutorials this project teaches). A fired alarm stays quiet until its condition has
cleared, so a long collapse is one alarm, not one per window.

Thresholds are module constants, named and explained, so a teacher can see why one fired.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from statistics import median
from typing import Any

from gan_core.messages import Msg, to_doc

# --- mode collapse
COVERAGE_DROP = 0.6  # fires when classes/modes covered fall below 60% of the best seen so far
DIVERSITY_DROP = 0.5  # ... or the fixed-noise batch's diversity falls below half its best
DIVERSITY_FLOOR = 0.1  # ... or stays under 10% of the real data's diversity (collapsed from the start)
COLLAPSE_CONFIRM = 2  # consecutive scored windows that must agree
# --- divergence (NaN/Inf are caught by Engine.flush)
EXPLODE_FACTOR = 1000.0  # a loss 1000x its early level (the median of its first windows, at least 1) ...
EXPLODE_WINDOWS = 3  # ... for this many consecutive windows
EXPLODE_HARD = 1e8  # or any loss beyond this magnitude, at once
REFERENCE_WINDOWS = 10  # windows whose median is a run's "early level"
# --- discriminator overpowering / vanishing generator gradient (losses whose D outputs are probabilities)
D_REAL_HIGH = 0.95  # D(x) above this ...
D_FAKE_LOW = 0.05  # ... and D(G(z)) below this ...
G_GRAD_TINY_REL = 0.01  # ... and |grad G| under 1% of its early level ...
G_GRAD_TINY_ABS = 1e-3  # ... (or under this absolute value) ...
OVERPOWER_WINDOWS = 5  # ... for at least this many consecutive windows ...
OVERPOWER_STEPS = 100  # ... spanning at least this many steps

# The texts are Msg: a page shows them translated (ui.scores.alarm_banners); files and the CLI keep the English.
REMEDIES = {
    "mode_collapse": [
        Msg("Use WGAN-GP (Wasserstein loss with gradient penalty): its critic keeps giving G useful gradients "
            "towards the modes it misses."),
        Msg("Add noise to D's inputs or label noise / smoothing, so D cannot single out the few samples G makes."),
        Msg("Lower G's learning rate, or train D more steps per G step, so G cannot hop from mode to mode."),
        Msg("Several discriminators (or a packed D, PacGAN) see many samples at once and punish sameness."),
        Msg("Early stopping: go back to the checkpoint from before the collapse."),
    ],
    "divergence": [
        Msg("Lower the learning rates (both, or D's), and use Adam with beta1 = 0.5."),
        Msg("Clip gradients, or use WGAN-GP, whose gradient penalty keeps the critic's gradients bounded."),
        Msg("Batch normalisation in G (and in D, except with WGAN-GP) keeps activations in range."),
        Msg("Resume from the last good checkpoint with the changed settings."),
    ],
    "d_overpowering": [
        Msg("Use the non-saturating G loss (-log D(G(z))): its gradient is largest exactly when D rejects G's "
            "samples."),
        Msg("Weaken D: a lower D learning rate, fewer D steps per G step, or a smaller D."),
        Msg("Add noise to D's inputs or use label smoothing (real labels 0.9), so D cannot be certain."),
        Msg("Use WGAN-GP: the critic does not saturate, so G's gradient does not vanish."),
    ],
}
TITLES = {
    "mode_collapse": Msg("Mode collapse"),
    "divergence": Msg("Training diverged"),
    "d_overpowering": Msg("Discriminator overpowering: the generator's gradient vanishes"),
}
EXPLAIN = {
    "mode_collapse": Msg("G has found a few outputs that fool D and makes little else: the samples lose variety "
                         "even if each one looks fine."),
    "divergence": Msg("The losses left any useful range, so further steps cannot recover the run. It stops itself "
                      "and keeps its last good checkpoint."),
    "d_overpowering": Msg("D separates real from generated samples almost perfectly, and the signal it passes back "
                          "to G has become too small for G to learn from."),
}


@dataclass
class Alarm:
    name: str  # mode_collapse | divergence | d_overpowering | notice
    step: int
    message: str  # what was seen, with numbers (a Msg when fired here: to_dict stores its template too)
    level: str = "warning"  # warning | error (the run stopped) | info
    title: str = ""
    explanation: str = ""
    remedies: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.title = self.title or TITLES.get(self.name, self.name)
        self.explanation = self.explanation or EXPLAIN.get(self.name, "")
        if not self.remedies:
            self.remedies = list(REMEDIES.get(self.name, []))

    def to_dict(self) -> dict[str, Any]:
        """The alarm as stored (alarms.jsonl, status.json): its English, and `message_msg`, the message's
        template and numbers (gan_core.messages.to_doc), so a page shows it in its reader's language."""
        d = asdict(self)
        d["message_msg"] = to_doc(self.message)
        return d


def divergence_alarm(step: int, message: str | Msg) -> Alarm:
    return Alarm("divergence", step, message, level="error")


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


class AlarmDetector:
    """Streams rows ({"step", "d_loss", "g_loss", "d_real", "d_fake", "grad_norm_g", scores...}) and
    returns the alarms each row fires. `probabilities`: D's displayed outputs are in [0, 1]."""

    def __init__(self, probabilities: bool = True):
        self.probabilities = probabilities
        self._early: dict[str, list[float]] = {"d_loss": [], "g_loss": [], "grad_norm_g": []}
        self._explode_run = 0
        self._over_run: list[int] = []  # steps of the current overpowering stretch
        self._over_fired = False
        self._best: dict[str, float] = {}
        self._collapse_run = 0
        self._collapse_fired = False
        self.diverged: Alarm | None = None

    @property
    def exploding(self) -> int:
        """Consecutive windows with a loss beyond EXPLODE_FACTOR x its early level (0: none)."""
        return self._explode_run

    def _ref(self, key: str) -> float | None:
        vals = self._early[key]
        return median(vals) if vals else None

    def _learn(self, row: dict[str, Any]) -> None:
        for k, vals in self._early.items():
            if len(vals) < REFERENCE_WINDOWS and _finite(row.get(k)):
                vals.append(abs(float(row[k])))

    def update(self, row: dict[str, Any]) -> list[Alarm]:
        step = int(row.get("step", 0))
        out: list[Alarm] = []
        for check in (self._divergence, self._overpowering, self._collapse):
            a = check(step, row)
            if a is not None:
                out.append(a)
        self._learn(row)
        return out

    # ------------------------------------------------------------------ divergence
    def _divergence(self, step: int, row: dict[str, Any]) -> Alarm | None:
        if self.diverged is not None:
            return None
        worst = None
        for k in ("d_loss", "g_loss"):
            v = row.get(k)
            if isinstance(v, (int, float)) and not math.isfinite(v):
                self.diverged = divergence_alarm(step, Msg("{key} is {value} at step {step}", key=k, value=str(v),
                                                           step=step))
                return self.diverged
            if not _finite(v):
                continue
            if abs(v) > EXPLODE_HARD:
                self.diverged = divergence_alarm(step, Msg(
                    "exploding loss: |{key}| = {value:.3g} at step {step} (beyond {limit:.0e})", key=k,
                    value=abs(v), step=step, limit=EXPLODE_HARD))
                return self.diverged
            ref = self._ref(k)
            if ref is not None and len(self._early[k]) >= 3 and abs(v) > EXPLODE_FACTOR * max(ref, 1.0):
                worst = (k, abs(v), max(ref, 1.0))
        self._explode_run = self._explode_run + 1 if worst else 0
        if worst and self._explode_run >= EXPLODE_WINDOWS:
            k, v, ref = worst
            self.diverged = divergence_alarm(step, Msg(
                "exploding loss: |{key}| = {value:.3g} at step {step}, {ratio:.0f}x its early level ({ref:.3g}) "
                "for {windows} logged windows", key=k, value=v, step=step, ratio=v / ref, ref=ref,
                windows=EXPLODE_WINDOWS))
            return self.diverged
        return None

    # ------------------------------------------------------------------ D overpowering
    def _overpowering(self, step: int, row: dict[str, Any]) -> Alarm | None:
        if not self.probabilities:
            return None
        r, f, g = row.get("d_real"), row.get("d_fake"), row.get("grad_norm_g")
        if not (_finite(r) and _finite(f) and _finite(g)):
            return None
        ref = self._ref("grad_norm_g")
        tiny = g < G_GRAD_TINY_ABS or (ref is not None and len(self._early["grad_norm_g"]) >= 3
                                       and g < G_GRAD_TINY_REL * ref)
        if r > D_REAL_HIGH and f < D_FAKE_LOW and tiny:
            self._over_run.append(step)
        else:
            self._over_run = []
            self._over_fired = False  # cleared: may fire again later
            return None
        span = self._over_run[-1] - self._over_run[0]
        if not self._over_fired and len(self._over_run) >= OVERPOWER_WINDOWS and span >= OVERPOWER_STEPS:
            self._over_fired = True
            numbers = dict(d_real=r, d_fake=f, grad=g, since=self._over_run[0], span=span)
            return Alarm("d_overpowering", step, Msg(
                "D(x) = {d_real:.3f}, D(G(z)) = {d_fake:.3f} and |grad G| = {grad:.2e} (early level {ref:.3g}) "
                "since step {since} ({span} steps)", ref=ref, **numbers) if ref is not None else Msg(
                "D(x) = {d_real:.3f}, D(G(z)) = {d_fake:.3f} and |grad G| = {grad:.2e} since step {since} "
                "({span} steps)", **numbers))
        return None

    # ------------------------------------------------------------------ mode collapse
    def _collapse(self, step: int, row: dict[str, Any]) -> Alarm | None:
        reasons = []
        seen = False
        for key, what in (("classes_covered", Msg("classes covered")), ("modes_covered", Msg("modes covered"))):
            v = row.get(key)
            if not _finite(v):
                continue
            seen = True
            best = self._best.get(key, v)
            if best >= 2 and v < COVERAGE_DROP * best:
                reasons.append(Msg("{what} fell from {best:g} to {value:g}", what=what, best=best, value=v))
            self._best[key] = max(best, v)
        v = row.get("diversity")
        if _finite(v):
            seen = True
            best = self._best.get("diversity", v)
            if v < DIVERSITY_DROP * best:
                reasons.append(Msg("the fixed-noise batch's diversity fell to {value:.2f} of the real data's "
                                   "(best {best:.2f})", value=v, best=best))
            elif v < DIVERSITY_FLOOR and self._best.get("_scored", 0) >= 2:
                reasons.append(Msg("the fixed-noise batch's diversity is {value:.3f} of the real data's", value=v))
            self._best["diversity"] = max(best, v)
        if not seen:  # not a scored window: no news either way
            return None
        self._best["_scored"] = self._best.get("_scored", 0) + 1
        if not reasons:
            self._collapse_run = 0
            self._collapse_fired = False
            return None
        self._collapse_run += 1
        if self._collapse_run >= COLLAPSE_CONFIRM and not self._collapse_fired:
            self._collapse_fired = True
            seen_all = reasons[0]
            for r in reasons[1:]:  # "a; b" as a Msg of Msgs, so each reason is translated on its own
                seen_all = Msg("{first}; {then}", first=seen_all, then=r)
            return Alarm("mode_collapse", step, Msg("{reasons} (step {step})", reasons=seen_all, step=step))
        return None


def detect(rows: Iterable[dict[str, Any]], probabilities: bool = True) -> list[Alarm]:
    """All alarms a history of rows fires (a divergence ends the history, as it ends a run)."""
    det = AlarmDetector(probabilities)
    out: list[Alarm] = []
    for row in rows:
        out.extend(det.update(row))
        if det.diverged is not None:
            break
    return out
