"""The batch-size lesson (issue 18): a small batch's noisy gradient keeps G's points scattered around the modes,
a large batch puts them on the modes. No torch here (see format.py).

What was tried first and dropped (README): a check on the D loss's swings (A's late D-loss std at least twice
B's) fired on 1 of 5 seeds, and the step-to-step jitter of the loss logged every step was not larger with
batch 8 than with 256 either (with D near 0.5 every sample's loss is near log 2, so a small batch's estimate
of it is hardly noisier, while the large batch's game swings more). The noise shows where the samples are:
with batch 8, G's points keep being kicked off the modes, so few of them are "high quality" (within 3
standard deviations of a mode, the PacGAN protocol of gan_core.metrics.scores).
"""

from __future__ import annotations

from collections.abc import Mapping

from gan_core.lessons.checks import series
from gan_core.lessons.format import Lesson, Question, RunResult, Setup, Step, Verdict
from gan_core.messages import Msg

LAST = 3  # scorings averaged at the end of the run (steps 800, 900 and 1,000 when scored every 100)
HQ_RATIO = 2.0  # B's high-quality % at least twice A's ...
HQ_GAP = 2.0  # ... and at least 2 points more (so 0.2% vs 0.5% is no contrast)


def sharper_with_big_batch(runs: Mapping[str, RunResult]) -> Verdict:
    """Batch size: over the last LAST scorings B (the large batch) averages a high-quality % at least twice
    A's (the small batch) and at least HQ_GAP points more."""
    a, b = series(runs["A"], "hq_pct"), series(runs["B"], "hq_pct")
    if len(a) < LAST or len(b) < LAST:
        return Verdict(None, Msg("Not enough scorings yet ({n} of at least {need}).", n=min(len(a), len(b)),
                                 need=LAST))
    qa = sum(v for _, v in a[-LAST:]) / LAST
    qb = sum(v for _, v in b[-LAST:]) / LAST
    ma, mb = series(runs["A"], "modes_covered"), series(runs["B"], "modes_covered")
    figures = Msg("Over the last {k} scorings (to step {step:,}) {qa:.1f}% of A's samples (batch 8) were within 3 "
                  "standard deviations of a mode against {qb:.1f}% of B's (batch 256); modes covered at the end: "
                  "{na:.0f} and {nb:.0f} of 8.", k=LAST, step=min(a[-1][0], b[-1][0]), qa=qa, qb=qb,
                  na=ma[-1][1] if ma else 0, nb=mb[-1][1] if mb else 0)
    if qb >= HQ_RATIO * qa and qb - qa >= HQ_GAP:
        return Verdict(True, Msg("{figures} The small batch's noisy gradients kept kicking G's points off the "
                                 "modes.", figures=figures))
    return Verdict(False, Msg("{figures} The large batch was not clearly sharper this time.", figures=figures))


# ring8's MLP at width 32 (as the other 2-D lessons: about 10 ms a step on one core at batch 256), 1,000 steps,
# scored every 100 so that the check averages three scorings
_BATCH = dict(width=32, steps=1000, score_every=100)

BATCH_LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="batch-size",
        title="Batch size: a small batch's noisy gradient vs a large batch",
        goal=("Same networks, learning rates, steps and seed; only the batch differs (8 vs 256). With batch 8 G's "
              "points stay scattered around the ring; with batch 256 they gather on the modes."),
        explanation=(
            "Each step estimates the gradient of the loss from a batch of $B$ samples, "
            "$\\hat g = \\frac1B\\sum_{i=1}^{B} \\nabla_\\theta \\ell(x_i)$. It is unbiased, "
            "$\\mathbb E[\\hat g] = g$, but noisy: $\\mathrm{Cov}[\\hat g] = \\Sigma / B$, so its noise has a "
            "standard deviation $\\propto 1/\\sqrt B$: with $B = 8$ about $\\sqrt{32} \\approx 5.7$ times that "
            "of $B = 256$. A step of size $\\eta$ then moves the weights by $\\eta\\,g$ plus noise of size "
            "$\\eta\\,\\sigma/\\sqrt B$: the noise acts like a temperature that keeps shaking G's points, so "
            "fewer of them sit on the modes. D's estimate of where the data and the fakes are is noisy in the "
            "same way.\n\n"
            "The price of a large batch is compute per step; on vectorised hardware (and even for this small MLP "
            "on a CPU) a step of 256 samples costs far less than 32 steps of 8, which is why BigGAN (Brock et "
            "al. 2019) scaled the batch up to 2,048 and got much better images. A smaller batch can be "
            "compensated by a smaller learning rate (the noise per step is $\\propto \\eta/\\sqrt B$).\n\n"
            "The check counts the **high-quality** samples: those within 3 standard deviations of a mode "
            "(PacGAN's protocol), averaged over the last three scorings."),
        setups=(Setup("A", "batch 8", "ring8-mlp", dict(_BATCH, batch_size=8)),
                Setup("B", "batch 256", "ring8-mlp", dict(_BATCH, batch_size=256))),
        knobs=("batch_size", "lr_g", "lr_d", "seed"),
        steps=(
            Step("Press **Run**: A (batch 8) and B (batch 256) start with the same seed.", "run"),
            Step("Compare the samples: A's points form a blurred, wider cloud around the modes; B's sit on "
                 "them.", "samples"),
            Step("Compare the scores: B's high-quality % is several times A's.", "scores"),
            Step("Compare the losses: they do not show the difference clearly (each point of the chart averages "
                 "10 steps); the noise shows in the samples.", "losses"),
            Step("Read the check's verdict.", "verdict"),
        ),
        expected=("Over the last three scorings B's high-quality % averages at least twice A's and at least 2 "
                  "points more."),
        check=sharper_with_big_batch,
        try_next="Try another seed, or make A's batch even smaller (batch_size 4).",
        questions=(
            Question("Why does a small batch leave G's points scattered?",
                     "Each step's gradient is an average over B samples, so its noise shrinks only as 1/sqrt(B): "
                     "with 8 samples every step pushes G's points in a partly random direction, and they keep "
                     "being shaken off the modes."),
            Question("How could A do better without a larger batch?",
                     "With a smaller learning rate: the noise each step adds is proportional to lr/sqrt(B), so "
                     "smaller steps average the noise over more of them (at the price of slower progress)."),
            Question("Why not always use the largest batch that fits?",
                     "Each step costs more compute and memory, so fewer steps fit in the same time once the "
                     "hardware is busy; and some noise helps to explore. BigGAN's large batches gave better images "
                     "but training collapsed later, so it needed early stopping."),
        ),
        min_step=300,  # three scorings
    ),
)
