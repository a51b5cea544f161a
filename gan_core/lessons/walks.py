"""Lessons that train nothing: walks through a shipped generator's latent space (issue 18, "latent space walks
on a shipped model"), with their check. No torch here (the catalogue is read without the engine); the walk
itself is computed by gan_core/lessons/walk_run.py.

What the walk lesson shows: between two Gaussian latents a and b (d = 100, |a| ~ |b| ~ sqrt(d) = 10, nearly
orthogonal) the straight line (lerp) passes through points of norm about |a| sqrt(2)/2 ~ 0.71 |a| in its
middle, a norm that N(0, I) almost never draws (|z|^2 ~ chi^2_d: mean d, sd sqrt(2d), so |z| ~ 10 +- 0.7);
the great circle (slerp) keeps the norm. A DCGAN's G has only ever seen latents on that shell; a short
latent gives a weaker first-layer activation and G draws something closer to its average image. The check
reads the walk itself: per frame the latent's norm and the image's distance from G's average image.

bench/lessons.py runs it like the others (the seed picks the two ends); table in the README.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from gan_core.lessons.checks import series
from gan_core.lessons.format import Lesson, Question, RunResult, Step, Verdict, Walk
from gan_core.messages import Msg

MODES = ("linear", "slerp")  # the two paths of a walk: the RunResult labels its check reads
MIDDLE = (1 / 3, 2 / 3)  # the middle third of the path (t in [1/3, 2/3]): where lerp's norm is lowest
LERP_NORM_MAX = 0.85  # lerp's middle |z| at most 85% of the ends' (sqrt(2)/2 ~ 0.71 for orthogonal ends)
SLERP_NORM_MIN = 0.95  # slerp's middle |z| at least 95% of the ends' (it is exactly |a| when |a| = |b|)
# lerp's middle images at least 3% closer to G's average image than slerp's. Over the walks of seeds 0-39
# (16 frames) the ratio was 0.87 to 0.97 on fmnist-dcgan (the check fired on all 40) and 0.98 to 1.05 on
# fmnist-stylegan, whose mapping network normalises z first (pixel norm; it fired on none): README.
FADE_MAX = 0.97


def _middle(run: RunResult, key: str) -> list[float]:
    t = dict(series(run, "t"))
    return [v for s, v in series(run, key) if MIDDLE[0] <= t.get(s, -1.0) <= MIDDLE[1]]


def _ends(run: RunResult, key: str) -> list[float]:
    pts = series(run, key)
    return [pts[0][1], pts[-1][1]] if len(pts) >= 2 else []


def _avg(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def _classes(run: RunResult) -> tuple[str, int]:
    """The classifier's class along the path, repeats merged ("Shirt -> Pullover"), and how often it changed.

    The path is a Msg whose parts are the class names as catalogue words (Msg.literal: "Pullover" is
    looked up as it is), so the Lessons page shows them in the reader's language; its template is built
    here ("{c0} -> {c1}"), so it has no catalogue entry of its own and reads the same in every language."""
    names = list(run.status.get("class_names") or [])
    seen: list[str] = []
    for _, c in series(run, "class"):
        name = names[int(c)] if 0 <= int(c) < len(names) else str(int(c))
        if not seen or seen[-1] != name:
            seen.append(name)
    if not seen:
        return "", 0
    template = " -> ".join("{c" + str(i) + "}" for i in range(len(seen)))
    return Msg(template, **{"c" + str(i): Msg.literal(n) for i, n in enumerate(seen)}), len(seen) - 1


def lerp_fades(runs: Mapping[str, RunResult]) -> Verdict:
    """Latent walk, lerp vs slerp: in the middle third of the path the straight line's latents are short
    (|z| <= 85% of the ends') while the great circle's keep their norm (>= 95%), and G draws the straight
    line's middle images closer to its average image (distance at most 97% of slerp's there)."""
    lin, sl = runs.get("linear"), runs.get("slerp")
    if lin is None or sl is None or not series(lin, "mean_dist") or not series(sl, "mean_dist"):
        return Verdict(None, Msg("No walk yet: press Walk."))
    ln = _avg(_middle(lin, "z_norm")) / _avg(_ends(lin, "z_norm"))
    sn = _avg(_middle(sl, "z_norm")) / _avg(_ends(sl, "z_norm"))
    dl, ds = _avg(_middle(lin, "mean_dist")), _avg(_middle(sl, "mean_dist"))
    if not all(math.isfinite(v) for v in (ln, sn, dl, ds)) or ds <= 0:
        return Verdict(None, Msg("The walk has too few frames to judge (at least 4, some in its middle third)."))
    fade = dl / ds
    jump = max((v for _, v in series(sl, "jump")), default=float("nan"))
    path, changes = _classes(sl)
    # the classifier's reading of the frames, when the model's dataset has one ("" stays "" in every language)
    named = Msg(" The classifier named the great circle's frames {path} (class changes: {changes}).", path=path,
                changes=changes) if path else ""
    figures = Msg("In the middle third of the walk |z| was {ln:.0%} of the ends' norm on the straight line and "
                  "{sn:.0%} on the great circle; the straight line's images were at {dl:.2f} from G's average "
                  "image, the great circle's at {ds:.2f} ({fade:.0%} of it). The largest change between two frames "
                  "of the great circle was {jump:.0%} of the difference between two random samples.",
                  ln=ln, sn=sn, dl=dl, ds=ds, fade=fade, jump=jump)
    if ln <= LERP_NORM_MAX and sn >= SLERP_NORM_MIN and fade <= FADE_MAX:
        return Verdict(True, Msg("{figures} The short latents in the middle of the straight line gave paler, more "
                                 "average images; slerp kept the norm G was trained on.{named}",
                                 figures=figures, named=named))
    if ln > LERP_NORM_MAX:
        return Verdict(False, Msg("{figures} The straight line hardly shortened the latent: the two ends point in "
                                  "nearly the same direction. Try other seeds.{named}", figures=figures, named=named))
    return Verdict(False, Msg("{figures} The short latents did not make this G's images clearly more average: "
                              "this generator depends little on |z| (a StyleGAN's mapping network normalises z "
                              "first).{named}", figures=figures, named=named))


WALK_LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="latent-walk",
        title="Latent space walks: straight line (lerp) vs great circle (slerp)",
        goal=("Walk the shipped Fashion-MNIST DCGAN from one latent to another: the garments morph smoothly, and "
              "the straight line's middle images come out paler and more average than the great circle's."),
        explanation=(
            "G maps a latent $z \\sim \\mathcal N(0, I_d)$ ($d = 100$ here) to an image, so a path in latent space "
            "is a film of images. Between two latents $a$ and $b$:\n\n"
            "- the straight line (**lerp**) $p(t) = (1-t)\\,a + t\\,b$;\n"
            "- the great circle (**slerp**, Shoemake 1985; White 2016 for GANs) "
            "$p(t) = \\frac{\\sin((1-t)\\Omega)}{\\sin\\Omega}\\,a + \\frac{\\sin(t\\Omega)}{\\sin\\Omega}\\,b$, "
            "$\\cos\\Omega = \\frac{a\\cdot b}{|a|\\,|b|}$.\n\n"
            "In high dimension a Gaussian's mass sits on a thin shell: $|z|^2 \\sim \\chi^2_d$, so "
            "$|z| \\approx \\sqrt d = 10 \\pm 0.7$, and two draws are nearly orthogonal ($a\\cdot b \\approx 0$). "
            "Then the middle of the straight line has $|p(\\tfrac12)| = \\tfrac12|a+b| \\approx "
            "\\tfrac{\\sqrt2}{2}\\sqrt d \\approx 7.1$: a norm G practically never saw in training. Slerp moves "
            "along the sphere: with $|a| = |b| = r$, $|p(t)|^2 = r^2\\,\\frac{\\sin^2((1-t)\\Omega) + "
            "\\sin^2(t\\Omega) + 2\\sin((1-t)\\Omega)\\sin(t\\Omega)\\cos\\Omega}{\\sin^2\\Omega} = r^2$ "
            "for every $t$ (the numerator is $\\sin^2\\Omega$).\n\n"
            "The walk goes from the latent of seed $s$ to that of seed $s+1$ (the lesson's seed $s$) on the shipped "
            "`fmnist-dcgan`, 16 images each way. For each frame it measures $|z|$ and the image's distance from G's "
            "average image (the mean of 256 samples): a short latent gives a weaker first-layer signal, and G "
            "falls back towards its average garment. Nothing is trained: the walk takes a second."),
        setups=(),
        walk=Walk("fmnist-dcgan", frames=16),
        knobs=(),
        steps=(
            Step("Press **Walk**: the shipped DCGAN draws both paths from seed s to seed s + 1.", "run"),
            Step("Look at the two strips: the garment morphs from one end to the other through in-between images; "
                 "a smooth G maps nearby latents to similar images (the verdict gives the largest change between "
                 "two frames).", "walk"),
            Step("Compare the middles: the straight line's images are paler and more alike (closer to an "
                 "average garment) than the great circle's.", "walk"),
            Step("Look at the charts: |z| dips to about 71% in the middle of the straight line and stays flat on "
                 "the great circle; the distance from the average image dips with it.", "walk_charts"),
            Step("Read the check's verdict.", "verdict"),
            Step("Try it on the Explore page: Interpolation, Seed A = s, Seed B = s + 1, Steps 16, Path linear "
                 "then slerp.", "explore"),
        ),
        expected=("In the middle third of the walk |z| is at most 85% of the ends' norm on the straight line and at "
                  "least 95% on the great circle, and the straight line's images are at least 3% closer to G's "
                  "average image."),
        check=lerp_fades,
        try_next="Try another seed: the two ends may point in nearly the same direction.",
        questions=(
            Question("Why is the middle of the straight line 'too short' in 100 dimensions but not in 2?",
                     "In high dimension two Gaussian draws are almost orthogonal and both have norm close to "
                     "sqrt(d), so their average has norm about sqrt(d) times sqrt(2)/2. In 2-D norms vary a lot "
                     "and short latents are common, so G has seen them."),
            Question("Would slerp and lerp differ for a StyleGAN walking in z?",
                     "Hardly: its mapping network first normalises z to norm sqrt(d) (pixel norm), so only z's "
                     "direction matters, and both paths pass through the same directions. StyleGAN walks in w "
                     "instead, where a straight line is natural."),
            Question("What does a smooth walk tell about G?",
                     "That G is a continuous map which has organised its latent space: nearby latents give "
                     "similar images, and the path passes through plausible in-between garments rather than "
                     "jumping from one memorised image to another."),
        ),
        min_step=0,
    ),
)
