"""The latent-walk lesson (gan_core/lessons/walks.py): the format's walk lessons, the check on synthetic walks that
show the phenomenon and that do not, and real walks on two shipped models: the DCGAN, where lerp's short middle
latents give more average images (it fires), and the StyleGAN-lite, whose mapping network normalises z first
(it stays quiet). A walk is one forward pass of G per path: these take a few seconds in all."""

from __future__ import annotations

import math

import pytest

from gan_core.lessons import Lesson, Setup, get_lesson
from gan_core.lessons.format import RunResult, Walk
from gan_core.lessons.walks import lerp_fades

T = 16
TS = [i / (T - 1) for i in range(T)]


def path(norm, dist, jump=0.1, classes=None) -> RunResult:
    """A path's columns: `norm` and `dist` are functions of t."""
    cols = {"step": list(range(T)), "t": TS, "z_norm": [norm(t) for t in TS], "mean_dist": [dist(t) for t in TS],
            "jump": [math.nan] + [jump] * (T - 1)}
    status = {}
    if classes is not None:
        cols["class"] = [float(c) for c in classes]
        status["class_names"] = ["T-shirt/top", "Trouser", "Pullover"]
    return RunResult(cols, status)


def lerp_norm(t):  # |(1 - t) a + t b| for orthogonal a, b of norm 10
    return 10 * math.sqrt((1 - t) ** 2 + t ** 2)


def flat(v):
    return lambda t: v


def test_fires_when_lerps_short_middle_is_more_average():
    runs = {"linear": path(lerp_norm, lambda t: 0.6 - 0.1 * math.sin(math.pi * t)),  # nearer the average mid-way
            "slerp": path(flat(10.0), flat(0.6), classes=[0] * 8 + [2] * 8)}
    v = lerp_fades(runs)
    assert v.detected is True, v.message
    assert "great circle" in v.message and "T-shirt/top -> Pullover (class changes: 1)" in v.message


def test_the_class_names_along_the_walk_are_translated_on_the_page(monkeypatch):
    """The verdict keeps the class names as catalogue words: a Chinese page reads 套头衫, not "Pullover"."""
    from ui import i18n

    runs = {"linear": path(lerp_norm, lambda t: 0.6 - 0.1 * math.sin(math.pi * t)),
            "slerp": path(flat(10.0), flat(0.6), classes=[0] * 8 + [2] * 8)}
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    shown = i18n.tr(lerp_fades(runs).message)
    assert "T恤/上衣 -> 套头衫" in shown and "Pullover" not in shown, shown


def test_quiet_when_the_images_do_not_change_with_the_norm():
    """A G that ignores |z| (StyleGAN's pixel norm): lerp's middle is short, its images are not more average."""
    runs = {"linear": path(lerp_norm, flat(0.6)), "slerp": path(flat(10.0), flat(0.6))}
    v = lerp_fades(runs)
    assert v.detected is False and "depends little on |z|" in v.message


def test_quiet_when_the_ends_are_nearly_parallel():
    """Nearly parallel ends: the straight line keeps the norm, so there is no short middle to show."""
    runs = {"linear": path(lambda t: 9.8, lambda t: 0.55), "slerp": path(flat(10.0), flat(0.6))}
    v = lerp_fades(runs)
    assert v.detected is False and "hardly shortened" in v.message


def test_no_walk_yet_or_too_short():
    assert lerp_fades({}).detected is None
    two = RunResult({"step": [0, 1], "t": [0.0, 1.0], "z_norm": [10, 10], "mean_dist": [0.6, 0.6]})
    assert lerp_fades({"linear": two, "slerp": two}).detected is None


def test_format_walk_lessons():
    walk = get_lesson("latent-walk")
    assert walk.walk is not None and walk.setups == ()
    kw = {f: getattr(walk, f) for f in walk.__dataclass_fields__}
    with pytest.raises(ValueError, match="no setups"):
        Lesson(**{**kw, "setups": (Setup("A", "x", "ring8-mlp"),)})
    with pytest.raises(ValueError, match="one or two setups"):
        Lesson(**{**kw, "walk": None})


def test_real_walks_fire_on_the_dcgan_and_stay_quiet_on_stylegan():
    from gan_core.lessons.walk_run import run_walk

    dcgan = run_walk(Walk("fmnist-dcgan", T), 0)
    assert set(dcgan.frames) == {"linear", "slerp"} and tuple(dcgan.frames["slerp"].shape) == (T, 1, 28, 28)
    assert dcgan.runs["slerp"].status["seeds"] == [0, 1]
    v = lerp_fades(dcgan.runs)
    assert v.detected is True, v.message
    style = lerp_fades(run_walk(Walk("fmnist-stylegan", T), 0).runs)
    assert style.detected is False and "depends little" in style.message, style.message


def test_headless_runs_a_walk_lesson(tmp_path):
    """bench/lessons.py's runner: a walk lesson trains nothing and writes nothing."""
    from gan_core.lessons.headless import run_lesson

    verdict, seconds = run_lesson(get_lesson("latent-walk"), 1, tmp_path, device="cpu", sample_every=100_000)
    assert verdict.detected is True and seconds > 0
    assert not any(tmp_path.iterdir())
