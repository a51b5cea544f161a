"""The lessons' checks: functions of the runs' own metric columns and alarms (see format.py).

Each returns a Verdict with the figures that decided it, so the page can say "modes covered fell to
2 of 8 at step 1,200" or, honestly, that the phenomenon did not show this time. Thresholds are set so
that a run showing the phenomenon clearly passes and an ordinary run does not; each check has a test
on a synthetic log of both kinds (tests/test_lessons.py).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping

from gan_core.lessons.format import RunResult, Verdict
from gan_core.messages import Msg, stored_text


def series(run: RunResult, key: str) -> list[tuple[int, float]]:
    """(step, value) pairs where `key` has a finite value."""
    steps = run.columns.get("step", [])
    vals = run.columns.get(key, [])
    return [(int(s), float(v)) for s, v in zip(steps, vals, strict=False) if math.isfinite(v)]


def last_step(run: RunResult) -> int:
    steps = run.columns.get("step", [])
    return int(steps[-1]) if steps else 0


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def std(xs: list[float]) -> float:
    """Population standard deviation (statistics.pstdev); NaN when nothing was logged."""
    return statistics.pstdev(xs) if xs else float("nan")


def window(run: RunResult, key: str, lo: float, hi: float) -> list[float]:
    """Values of `key` logged in the fraction [lo, hi) of the run's steps."""
    end = last_step(run)
    return [v for s, v in series(run, key) if lo * end <= s < hi * end or (hi >= 1 and s == end)]


def alarm(run: RunResult, name: str) -> dict | None:
    return next((a for a in run.status.get("alarms", []) if a.get("name") == name), None)


def alarm_message(al: dict) -> str:
    """An alarm's message for a verdict: the Msg its stored template rebuilds (`message_msg`,
    gan_core.metrics.alarms), so the page translates it, else the stored English (an older file)."""
    return stored_text(al, "message") or ""


def _short(runs: Mapping[str, RunResult], need: int) -> Verdict | None:
    low = min(last_step(r) for r in runs.values())
    if low < need:
        return Verdict(None, Msg("Not enough steps yet to judge (step {low:,} of at least {need:,}).", low=low,
                                 need=need))
    return None


# ---------------------------------------------------------------------------- the checks
def modes_spread(runs: Mapping[str, RunResult]) -> Verdict:
    """The game: G spreads over the ring. Detected when modes covered reaches 6 of 8 or more."""
    if (short := _short(runs, 1000)) is not None:
        return short
    pts = series(runs["A"], "modes_covered")
    if not pts:
        return Verdict(None, Msg("No scoring yet (modes covered is scored every score_every steps)."))
    first_s, first_v = pts[0]
    best_s, best_v = max(pts, key=lambda p: (p[1], -p[0]))
    if best_v >= 6:
        return Verdict(True, Msg("G spread from {first_v:.0f} of 8 modes at step {first_s:,} to {best_v:.0f} of 8 "
                                 "at step {best_s:,}: each D step moved the boundary, each G step followed it.",
                                 first_v=first_v, first_s=first_s, best_v=best_v, best_s=best_s))
    return Verdict(False, Msg("G reached only {best_v:.0f} of 8 modes (step {best_s:,}).", best_v=best_v,
                              best_s=best_s))


def saturating_gradient(runs: Mapping[str, RunResult]) -> Verdict:
    """Saturating vs non-saturating: early |grad G| of A (minimax) is far below B's (non-saturating)."""
    if (short := _short(runs, 500)) is not None:
        return short
    a = mean(window(runs["A"], "grad_norm_g", 0.0, 0.5))
    b = mean(window(runs["B"], "grad_norm_g", 0.0, 0.5))
    if not (math.isfinite(a) and math.isfinite(b)) or b <= 0:
        return Verdict(None, Msg("No gradient norms logged yet."))
    ratio = a / b
    if ratio < 0.25:
        return Verdict(True, Msg("In the first half of the run, |grad G| averaged {a:.3g} with the saturating "
                                 "loss against {b:.3g} with the non-saturating one: {ratio:.0%} of it.", a=a, b=b,
                                 ratio=ratio))
    return Verdict(False, Msg("|grad G| with the saturating loss was {ratio:.0%} of the non-saturating one's "
                              "({a:.3g} vs {b:.3g}): no clear vanishing this time.", a=a, b=b, ratio=ratio))


def fewer_modes(runs: Mapping[str, RunResult]) -> Verdict:
    """Mode collapse: A (plain) covers at least 2 modes fewer than B (the remedy) at the end, or A raised
    the mode-collapse alarm and B did not."""
    if (short := _short(runs, 500)) is not None:
        return short
    a, b = series(runs["A"], "modes_covered"), series(runs["B"], "modes_covered")
    if not a or not b:
        return Verdict(None, Msg("No scoring yet."))
    (sa, va), (sb, vb) = a[-1], b[-1]
    al = alarm(runs["A"], "mode_collapse")
    if vb - va >= 2 or (al is not None and alarm(runs["B"], "mode_collapse") is None):
        if al:
            return Verdict(True, Msg("A covered {va:.0f} modes at step {sa:,}, B {vb:.0f} at step {sb:,}. A's alarm: "
                                     "{alarm}", va=va, sa=sa, vb=vb, sb=sb, alarm=alarm_message(al)))
        return Verdict(True, Msg("A covered {va:.0f} modes at step {sa:,}, B {vb:.0f} at step {sb:,}.", va=va, sa=sa,
                                 vb=vb, sb=sb))
    return Verdict(False, Msg("A covered {va:.0f} modes and B {vb:.0f}: no clear collapse of A this time.", va=va,
                              vb=vb))


def d_overpowers(runs: Mapping[str, RunResult]) -> Verdict:
    """D too strong: in the second half A's D(G(z)) is under 0.2 and under half of B's
    (D wins clearly), or A raised the D-overpowering alarm and B did not."""
    if (short := _short(runs, 500)) is not None:
        return short
    a = mean(window(runs["A"], "d_fake", 0.5, 1.0))
    b = mean(window(runs["B"], "d_fake", 0.5, 1.0))
    al = alarm(runs["A"], "d_overpowering")
    if (a < 0.2 and b > 2 * a) or (al is not None and alarm(runs["B"], "d_overpowering") is None):
        if al:
            return Verdict(True, Msg("In the second half D(G(z)) averaged {a:.3f} for A (D too strong) and {b:.3f} "
                                     "for B (balanced). A's alarm: {alarm}", a=a, b=b, alarm=alarm_message(al)))
        return Verdict(True, Msg("In the second half D(G(z)) averaged {a:.3f} for A (D too strong) and {b:.3f} for "
                                 "B (balanced).", a=a, b=b))
    return Verdict(False, Msg("D(G(z)) averaged {a:.3f} for A and {b:.3f} for B: D did not win clearly this time.",
                              a=a, b=b))


def quality_gap(runs: Mapping[str, RunResult]) -> Verdict:
    """B (the remedy) ends with a clearly better high-quality % or more modes than A."""
    if (short := _short(runs, 500)) is not None:
        return short
    a, b = series(runs["A"], "hq_pct"), series(runs["B"], "hq_pct")
    ma, mb = series(runs["A"], "modes_covered"), series(runs["B"], "modes_covered")
    if not a or not b:
        return Verdict(None, Msg("No scoring yet."))
    qa, qb = a[-1][1], b[-1][1]
    na, nb = (ma[-1][1] if ma else 0), (mb[-1][1] if mb else 0)
    if qb - qa >= 15 or nb - na >= 2:
        return Verdict(True, Msg("At the end B had {qb:.0f}% high-quality samples over {nb:.0f} modes, A {qa:.0f}% "
                                 "over {na:.0f}.", qa=qa, qb=qb, na=na, nb=nb))
    return Verdict(False, Msg("A ended at {qa:.0f}% high-quality over {na:.0f} modes, B at {qb:.0f}% over "
                              "{nb:.0f}: no clear gap this time.", qa=qa, qb=qb, na=na, nb=nb))


def loss_swings(runs: Mapping[str, RunResult]) -> Verdict:
    """LR too high: A's G loss swings (std over the last quarter of the run) at least twice B's, or A
    diverged. The last quarter is where B's decayed learning rate is smallest (a cosine decay is at 15% of
    its peak at 3/4 of the run) while A's stays at its peak."""
    if (short := _short(runs, 1000)) is not None:
        return short
    al = alarm(runs["A"], "divergence")
    if al is not None and alarm(runs["B"], "divergence") is None:
        return Verdict(True, Msg("A diverged: {alarm}", alarm=alarm_message(al)))

    a = std(window(runs["A"], "g_loss", 0.75, 1.0))
    b = std(window(runs["B"], "g_loss", 0.75, 1.0))
    if math.isfinite(a) and math.isfinite(b) and a > 2 * b:
        return Verdict(True, Msg("In the last quarter of the run G's loss swung with a standard deviation of "
                                 "{a:.3g} for A and {b:.3g} for B: {times:.1f} times as much.", a=a, b=b,
                                 times=a / max(b, 1e-12)))
    return Verdict(False, Msg("G's loss swung {a:.3g} (A) vs {b:.3g} (B): not twice as much this time.", a=a, b=b))


def d_less_sure(runs: Mapping[str, RunResult]) -> Verdict:
    """Noise on D's inputs / label smoothing: B's D(x) stays clearly less certain than A's."""
    if (short := _short(runs, 500)) is not None:
        return short
    a = mean(window(runs["A"], "d_real", 0.5, 1.0))
    b = mean(window(runs["B"], "d_real", 0.5, 1.0))
    if a - b >= 0.05:
        return Verdict(True, Msg("In the second half D(x) averaged {a:.2f} without noise (A) and {b:.2f} with it "
                                 "(B): D is kept from being certain.", a=a, b=b))
    return Verdict(False, Msg("D(x) averaged {a:.2f} (A) and {b:.2f} (B): not clearly lower with noise this time.",
                              a=a, b=b))


def stopped_early(runs: Mapping[str, RunResult]) -> Verdict:
    """Early stopping: the run ended itself before its step target (status stop_reason)."""
    run = runs["A"]
    reason = stored_text(run.status, "stop_reason")
    if isinstance(reason, Msg):  # the run's own sentence, with its template (status.json's stop_reason_msg)
        return Verdict(True, reason)
    if reason:  # an older status.json keeps the English only: the figures it has, told as a Msg
        step = int(run.status.get("step") or last_step(run))
        best = run.status.get("best") or {}
        if best.get("metric") and best.get("value") is not None and best.get("step") is not None:
            return Verdict(True, Msg("The run stopped itself at step {step:,}: {metric} had not improved since its "
                                     "best, {value:.4g} at step {best_step:,} (kept in checkpoints/best.safetensors).",
                                     step=step, metric=best["metric"], value=float(best["value"]),
                                     best_step=int(best["step"])))
        return Verdict(True, Msg("The run stopped itself at step {step:,}: its score had stopped improving.",
                                 step=step))
    if run.status.get("state") in ("finished", "stopped", "failed"):
        return Verdict(False, Msg("The run went to step {step:,} without early stopping: its score kept improving.",
                                  step=last_step(run)))
    return Verdict(None, Msg("The run has not ended yet."))


def lr_decayed(runs: Mapping[str, RunResult]) -> Verdict:
    """Plateau decay: G's learning rate fell below its starting value during the run (the schedule cut it
    after the monitored score stopped improving)."""
    pts = series(runs["A"], "lr_g")
    if not pts:
        return Verdict(None, Msg("No learning rate logged yet."))
    first = pts[0][1]
    cut = next(((s, v) for s, v in pts if v < 0.99 * first), None)
    if cut is not None:
        last_s, last_v = pts[-1]
        return Verdict(True, Msg("G's learning rate was cut from {first:.3g} to {cut:.3g} at step {cut_step:,} when "
                                 "the score stopped improving; it ended at {last:.3g} (step {last_step:,}).",
                                 first=first, cut=cut[1], cut_step=cut[0], last=last_v, last_step=last_s))
    if runs["A"].status.get("state") in ("finished", "stopped", "failed"):
        return Verdict(False, Msg("G's learning rate stayed at {first:.3g} to step {step:,}: the score kept "
                                  "improving, so there was no plateau to react to.", first=first,
                                  step=last_step(runs["A"])))
    return Verdict(None, Msg("G's learning rate is still {first:.3g}: no plateau yet.", first=first))
