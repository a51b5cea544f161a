"""The image lessons (gan_core/lessons/images.py): each check fires on synthetic scores that show the
phenomenon, stays quiet on scores that do not, and waits while the runs are short or unscored; the
lessons are in the catalogue with valid configs; and one tiny real run logs every score the checks read.
The figures in the synthetic runs are of the size the real 5-seed runs printed (README, "Lessons")."""

from __future__ import annotations

import pytest

from gan_core.checks import validate_config
from gan_core.lessons import get_lesson, lesson_ids
from gan_core.lessons import images as I
from gan_core.lessons.format import RunResult

NAN = float("nan")


def scored(end: int, every: int, **series: list[float]) -> RunResult:
    """A run logged every 10 steps to `end`, with scores every `every` steps: each series gives the
    values at the scorings in order (NaN on the other rows, as the engine logs them)."""
    steps = list(range(10, end + 1, 10))
    marks = [s for s in steps if s % every == 0]
    cols: dict[str, list[float]] = {"step": [float(s) for s in steps]}
    for key, vals in series.items():
        assert len(vals) == len(marks), (key, len(vals), len(marks))
        at = dict(zip(marks, vals, strict=True))
        cols[key] = [at.get(s, NAN) for s in steps]
    return RunResult(cols, {"state": "finished"})


# ---------------------------------------------------------------------------- MLP vs DCGAN
def _arch(fd_a, rec_a, fd_b, rec_b, end=500):
    every = end // 2
    return {"A": scored(end, every, fd_clf=[97.0, fd_a], recall=[0.0, rec_a], precision=[0.3, 0.52]),
            "B": scored(end, every, fd_clf=[72.0, fd_b], recall=[0.06, rec_b], precision=[0.57, 0.52])}


def test_dcgan_beats_mlp_fires_and_stays_quiet():
    v = I.dcgan_beats_mlp(_arch(70.7, 0.001, 48.1, 0.243))
    assert v.detected is True and "70.7" in v.message and "48.1" in v.message
    assert I.dcgan_beats_mlp(_arch(70.7, 0.001, 65.0, 0.243)).detected is False  # FD not clearly lower
    assert I.dcgan_beats_mlp(_arch(70.7, 0.10, 48.1, 0.15)).detected is False  # recall not clearly higher
    assert I.dcgan_beats_mlp(_arch(48.0, 0.24, 70.0, 0.0)).detected is False  # the MLP ahead
    assert I.dcgan_beats_mlp(_arch(70.7, 0.001, 48.1, 0.243, end=200)).detected is None  # too short
    unscored = {k: RunResult({"step": [300.0, 310.0]}) for k in "AB"}
    assert I.dcgan_beats_mlp(unscored).detected is None


# ---------------------------------------------------------------------------- conditional
def _cond(fd_a, fd_b, classes_b):
    return {"A": scored(400, 200, fd_clf=[71.0, fd_a], classes_covered=[10.0, 10.0], class_entropy=[1.93, 2.1],
                        precision=[0.55, 0.55]),
            "B": scored(400, 200, fd_clf=[36.0, fd_b], classes_covered=[10.0, classes_b],
                        class_entropy=[2.14, 2.2], precision=[0.72, 0.73])}


def test_conditional_helps_fires_and_stays_quiet():
    v = I.conditional_helps(_cond(55.4, 31.1, 10.0))
    assert v.detected is True and "10 of 10" in v.message and "31.1" in v.message
    assert I.conditional_helps(_cond(55.4, 50.0, 10.0)).detected is False  # no clear FD gain
    assert I.conditional_helps(_cond(55.4, 31.1, 8.0)).detected is False  # classes missing
    short = {k: RunResult({"step": [100.0]}) for k in "AB"}
    assert I.conditional_helps(short).detected is None


# ---------------------------------------------------------------------------- quality measures
def _quality(fd, prec, rec):
    return {"A": scored(600, 100, fd_clf=fd, precision=prec, recall=rec)}


def test_precision_before_recall_fires_and_stays_quiet():
    fd = [82.9, 73.2, 71.3, 55.4, 48.1, 45.0]
    prec = [0.52, 0.56, 0.55, 0.55, 0.52, 0.55]
    rec = [0.04, 0.06, 0.11, 0.23, 0.24, 0.27]
    v = I.precision_before_recall(_quality(fd, prec, rec))
    assert v.detected is True and "FD_clf went 82.9 -> 45.0" in v.message and "floor" in v.message
    # recall rising with precision from the start: not the pattern
    assert I.precision_before_recall(_quality(fd, prec, [0.3, 0.3, 0.35, 0.4, 0.45, 0.5])).detected is False
    # FD that does not fall by a third
    assert I.precision_before_recall(_quality([60.0, 58, 57, 55, 50, 45], prec, rec)).detected is False
    # recall that stays flat
    assert I.precision_before_recall(_quality(fd, prec, [0.0, 0.0, 0.01, 0.02, 0.03, 0.05])).detected is False
    one = {"A": scored(300, 300, fd_clf=[80.0], precision=[0.5], recall=[0.0])}
    assert I.precision_before_recall(one).detected is None  # one scoring: no trend yet


# ---------------------------------------------------------------------------- transfer
def _transfer(a, b, end=300):
    return {"A": scored(end, 100, fd_clf=a), "B": scored(end, 100, fd_clf=b)}


def test_head_start_fires_and_stays_quiet():
    v = I.head_start(_transfer([93.2, 84.2, 78.8], [20.0, 25.0, 24.0]))
    assert v.detected is True and "93.2" in v.message and "20.0" in v.message
    assert I.head_start(_transfer([93.2, 84.2, 78.8], [60.0, 65.0, 70.0])).detected is False  # small head start
    assert I.head_start(_transfer([93.2, 84.2, 40.0], [20.0, 35.0, 38.0])).detected is False  # caught up
    assert I.head_start(_transfer([93.2], [20.0], end=100)).detected is None


# ---------------------------------------------------------------------------- batch norm
BN_A_FD, BN_A_REC = 70.0, 0.08  # the size of the no-normalisation runs' figures (README)


def _bn(fd_a, rec_a, fd_b, rec_b, end=500):
    every = end // 2
    return {"A": scored(end, every, fd_clf=[90.0, fd_a], recall=[0.01, rec_a], precision=[0.5, 0.5]),
            "B": scored(end, every, fd_clf=[75.0, fd_b], recall=[0.05, rec_b], precision=[0.55, 0.55])}


def test_batchnorm_helps_fires_and_stays_quiet():
    v = I.batchnorm_helps(_bn(BN_A_FD, BN_A_REC, 50.0, 0.24))
    assert v.detected is True and f"{BN_A_FD:.1f}" in v.message and "50.0" in v.message
    assert I.batchnorm_helps(_bn(49.0, BN_A_REC, 50.0, 0.24)).detected is False  # FD not lower
    assert I.batchnorm_helps(_bn(BN_A_FD, 0.20, 50.0, 0.24)).detected is False  # recall not clearly higher
    assert I.batchnorm_helps(_bn(50.0, 0.24, BN_A_FD, BN_A_REC)).detected is False  # no normalisation ahead
    assert I.batchnorm_helps(_bn(BN_A_FD, BN_A_REC, 50.0, 0.24, end=200)).detected is None  # too short


# ---------------------------------------------------------------------------- the catalogue
def test_image_lessons_are_in_the_catalogue_with_valid_configs():
    assert {lesson.id for lesson in I.IMAGE_LESSONS} <= set(lesson_ids())
    for lesson in I.IMAGE_LESSONS:
        assert get_lesson(lesson.id) is lesson
        assert 2 <= len(lesson.questions) <= 3 and lesson.expected and lesson.try_next
        cfgs = [s.config(seed=4) for s in lesson.setups]
        for c in cfgs:
            validate_config(c)
            assert c.dataset == "fashion-mnist" and c.score_every > 0
            assert c.time_limit == 0  # the steps end the runs, not the server's load
        if len(cfgs) == 2:  # A/B on the same seed and the same number of steps
            assert cfgs[0].seed == cfgs[1].seed == 4 and cfgs[0].steps == cfgs[1].steps


def test_a_real_run_logs_every_score_the_checks_read(tmp_path):
    """Two steps of the conditional lesson's B on the real data, scored once: the columns are there and
    the check reads them without error (it only judges after 300 steps)."""
    from gan_core.run import TrainingRun

    lesson = get_lesson("conditional")
    cfg = lesson.setups[1].config(seed=0, device="cpu", steps=2, score_every=2, width=8, sample_every=100_000)
    run = TrainingRun(cfg, tmp_path / "r")
    run.run()
    cols = run.log.since(0)
    for key in ("fd_clf", "precision", "recall", "classes_covered", "class_entropy"):
        assert [v for v in cols[key] if v == v], key
    result = RunResult(cols, run.status())
    assert lesson.check({"A": result, "B": result}).detected is None
    assert I.precision_before_recall({"A": result}).detected is None


@pytest.mark.parametrize("check", [I.dcgan_beats_mlp, I.conditional_helps, I.head_start, I.batchnorm_helps])
def test_checks_wait_for_both_runs(check):
    long = scored(500, 250, fd_clf=[50.0, 40.0], recall=[0.1, 0.2], precision=[0.5, 0.5],
                  classes_covered=[10.0, 10.0], class_entropy=[2.2, 2.2])
    assert check({"A": long, "B": RunResult({"step": [50.0]})}).detected is None
