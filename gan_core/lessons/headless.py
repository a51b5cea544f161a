"""Run a lesson without the app: its setups one after the other on the same seed, then its check.
Used by bench/lessons.py (the reproducibility table) and by tests; imports the engine (torch)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from gan_core.lessons.format import Lesson, RunResult, Verdict


def run_lesson(lesson: Lesson, seed: int, root: str | Path, **changes: Any) -> tuple[Verdict, float]:
    """Train each setup of `lesson` with `seed` (and config `changes`, e.g. device="cpu") under `root`;
    return the check's verdict and the wall time of all its runs together. A walk lesson trains nothing: its
    walk (gan_core/lessons/walk_run.py) is computed for `seed`, and `root` and `changes` are not used."""
    t0 = time.perf_counter()
    if lesson.walk is not None:
        from gan_core.lessons.walk_run import run_walk

        return lesson.check(run_walk(lesson.walk, seed).runs), time.perf_counter() - t0
    from gan_core.run import TrainingRun

    results = {}
    for s in lesson.setups:
        run = TrainingRun(s.config(seed=seed, **changes), Path(root) / f"{lesson.id}-{s.label}-{seed}")
        run.run()
        results[s.label] = RunResult(run.log.since(0), run.status())
    return lesson.check(results), time.perf_counter() - t0
