"""The batch-size lesson's check (gan_core/lessons/batch.py) on synthetic scores: it fires when the large batch's
high-quality % is clearly above the small batch's over the last scorings, and stays quiet otherwise."""

from __future__ import annotations

from gan_core.lessons import get_lesson
from gan_core.lessons.batch import sharper_with_big_batch
from gan_core.lessons.format import RunResult

NAN = float("nan")
STEPS = list(range(10, 1001, 10))


def run(hq, modes=6.0) -> RunResult:
    """hq(step) scored every 100 steps, NaN between (as the engine logs it)."""
    return RunResult({"step": STEPS, "hq_pct": [hq(s) if s % 100 == 0 else NAN for s in STEPS],
                      "modes_covered": [modes if s % 100 == 0 else NAN for s in STEPS]})


def test_fires_when_the_large_batch_is_sharper():
    v = sharper_with_big_batch({"A": run(lambda s: 1.0, modes=5), "B": run(lambda s: 7.0, modes=8)})
    assert v.detected is True and "1.0%" in v.message and "7.0%" in v.message and "5 and 8 of 8" in v.message


def test_quiet_when_no_clear_gap():
    # twice as high but under 2 points apart: too small to see
    assert sharper_with_big_batch({"A": run(lambda s: 0.4), "B": run(lambda s: 1.2)}).detected is False
    # 2 points apart but not twice
    assert sharper_with_big_batch({"A": run(lambda s: 6.0), "B": run(lambda s: 9.0)}).detected is False
    # only an early gap: the check reads the last three scorings
    early = sharper_with_big_batch({"A": run(lambda s: 1.0), "B": run(lambda s: 8.0 if s <= 700 else 1.5)})
    assert early.detected is False


def test_waits_for_three_scorings():
    short = RunResult({"step": [100, 200], "hq_pct": [1.0, 1.0]})
    assert sharper_with_big_batch({"A": short, "B": short}).detected is None


def test_lesson_contrasts_only_the_batch():
    a, b = (s.config(seed=3) for s in get_lesson("batch-size").setups)
    assert (a.batch_size, b.batch_size) == (8, 256)
    assert {k for k, v in a.to_dict().items() if b.to_dict()[k] != v} == {"batch_size"}
