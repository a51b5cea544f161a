"""What people read for every metric key: one table, used by every chart, table and hover text.

The core writes short keys (`grad_norm_d`, `kid_clf_std`, `n_fake`) into metrics.jsonl,
scores.jsonl and the model cards; those stay in files and JSON. On a projector they mean nothing,
so every page shows `label(key)` (with `unit`), and `help` where there is room (hover, captions).
label(), label_with_unit(), better_text() and hover() answer in the session's language (ui.i18n: the labels
and help are registry messages of the catalogue); `metric(key)` keeps the English entry.
tests/test_figures_readable.py checks that every key the core writes has an entry here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ui.i18n import _, tr


@dataclass(frozen=True)
class Metric:
    label: str  # short, for an axis, a legend or a column header
    help: str  # one sentence: what it measures (shown on hover and in captions)
    unit: str = ""  # appended in parentheses where a value is shown ("s", "%", "nats")
    better: str = ""  # "lower" | "higher" | "" (no direction)
    integer: bool = False  # a count: integer axis ticks, no decimals


LABELS: dict[str, Metric] = {
    # ---- the training loop (gan_core.engine, every log window)
    "step": Metric("Step", "Generator updates so far.", integer=True),
    "time": Metric("Training time", "Wall time spent training, pauses excluded.", "s"),
    "d_loss": Metric("D loss", "The discriminator's loss, mean over the logged window.", better=""),
    "g_loss": Metric("G loss", "The generator's loss, mean over the logged window."),
    "d_real": Metric("D(x)", "D's mean output on real samples (a probability for the GAN losses, a score for WGAN)."),
    "d_fake": Metric("D(G(z))", "D's mean output on generated samples."),
    "grad_norm_d": Metric("D gradient norm", "Size of D's gradient at each step: near 0 means D has stopped "
                          "learning, a jump means instability."),
    "grad_norm_g": Metric("G gradient norm", "Size of G's gradient at each step: near 0 is the vanishing "
                          "gradient of a saturated D."),
    "penalty": Metric("Gradient penalty", "The regulariser's value (WGAN-GP penalty or R1), 0 when none is on."),
    "lr_g": Metric("G learning rate", "The generator's learning rate after the schedule."),
    "lr_d": Metric("D learning rate", "The discriminator's learning rate after the schedule."),
    "alarm": Metric("Alarms", "Alarms raised at this step (mode collapse, divergence, ...)."),
    # ---- quality scores (gan_core.metrics, every score_every steps)
    "fd_clf": Metric("Fréchet distance", "FID-style distance between real and generated images, on the features of "
                     "this dataset's small classifier (not Inception's): compare runs on the same dataset only.",
                     better="lower"),
    "kid_clf": Metric("KID", "Kernel Inception Distance on the classifier's features: like the Fréchet distance, "
                      "but unbiased for small samples.", better="lower"),
    "kid_clf_std": Metric("KID spread", "Standard deviation of KID over random subsets: how much to trust KID."),
    "precision": Metric("Precision", "Share of generated samples that look like some real sample (quality).",
                        better="higher"),
    "recall": Metric("Recall", "Share of real samples that some generated sample resembles (diversity).",
                     better="higher"),
    "classes_covered": Metric("Classes covered", "Classes the classifier finds among generated images in at least a "
                              "fair share: fewer than all is mode collapse.", better="higher", integer=True),
    "class_entropy": Metric("Class entropy", "Entropy of the predicted classes of generated images: ln 10 = 2.30 "
                            "when all ten are equally common.", "nats", better="higher"),
    "class_hist": Metric("Predicted classes", "How many generated images the classifier puts in each class.",
                         integer=True),
    "class_names": Metric("Class names", "The dataset's class names."),
    "modes_covered": Metric("Modes covered", "Modes of the 2-D mixture with at least one high-quality sample "
                            "(PacGAN's count).", better="higher", integer=True),
    "n_modes": Metric("Modes in the data", "Modes of the 2-D mixture.", integer=True),
    "mode_hist": Metric("Samples per mode", "High-quality generated points nearest each mode.", integer=True),
    "hq_pct": Metric("High-quality samples", "Generated points within 3 standard deviations of a mode.", "%",
                     better="higher"),
    "kl": Metric("KL(real ‖ G)", "Kullback-Leibler divergence between the grid histograms of real and generated "
                 "points.", "nats", better="lower"),
    "js": Metric("JS divergence", "Jensen-Shannon divergence between the grid histograms (at most ln 2 = 0.69).",
                 "nats", better="lower"),
    "fd": Metric("Fréchet distance (points)", "Fréchet distance between real and generated 2-D points.",
                 better="lower"),
    "diversity": Metric("Diversity", "Mean distance between samples of the fixed-noise batch, real data = 1: falls "
                        "towards 0 on mode collapse.", better="higher"),
    "n_real": Metric("Real samples scored", "Real samples the scores compare against.", integer=True),
    "n_fake": Metric("Generated samples scored", "Generated samples scored.", integer=True),
    # ---- `python -m gan_core eval` extras (model cards)
    "inception_fid": Metric("FID (Inception)", "Fréchet Inception Distance, the published metric.", better="lower"),
    "inception_score": Metric("Inception Score", "Inception Score: confident and varied predictions.",
                              better="higher"),
    "inception_score_std": Metric("Inception Score spread", "Standard deviation of the Inception Score over splits."),
    "inception": Metric("Inception scores", "Whether Inception FID/IS were computed."),
    "seconds": Metric("Scoring time", "Time the evaluation took.", "s"),
}


def metric(key: str) -> Metric:
    """The entry of `key`; an unknown key (a newer core) gets its words, never the bare key."""
    if key in LABELS:
        return LABELS[key]
    return Metric(key.replace("_", " ").strip().capitalize() or "?", "")


def label(key: str) -> str:
    return tr(metric(key).label)


def label_with_unit(key: str) -> str:
    """'Training time (s)', 'High-quality samples (%)'; the label alone when there is no unit."""
    m = metric(key)
    return f"{tr(m.label)} ({m.unit})" if m.unit else tr(m.label)


def better_text(key: str) -> str:
    b = metric(key).better
    return {"lower": _("lower is better"), "higher": _("higher is better")}.get(b, "")


def format_value(key: str, value: Any) -> str:
    """A value as people read it: counts as integers with separators, others to 3 significant
    digits, the unit after it ('97.1 %', '5,000', '0.0295')."""
    m = metric(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if not math.isfinite(value):
        return "–"
    text = f"{round(value):,}" if m.integer else f"{value:.3g}"
    return f"{text} {m.unit}" if m.unit in ("%", "s") else text


def hover(key: str, x_label: str = "step") -> str:
    """A Plotly hovertemplate: the readable label, the x value and the y value, no trace box.
    `x_label`: "step" or "time" (the x axis), or a word of the caller's, shown as it is."""
    y = "%{y:,d}" if metric(key).integer else "%{y:.4g}"
    x = "%{x:,}" if x_label == "step" else "%{x:.1f} s"
    word = {"step": _("step"), "time": _("time")}.get(x_label, x_label)
    return f"{label_with_unit(key)}<br>{word} {x}: {y}<extra></extra>"
