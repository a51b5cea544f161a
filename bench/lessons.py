"""How reproducible each lesson is: run it headless on N seeds and count how often its check fires.

    python bench/lessons.py --jobs 1                 # every lesson, 5 seeds, one process at a time
    python bench/lessons.py --lessons the-game --seeds 0 1 2 --jobs 1

Each seed runs in its own worker process on ONE torch thread (torch.set_num_threads(1) and
set_num_interop_threads(1)): the lesson's setups (A then B) one after the other, then its check
(gan_core.lessons). The issue's ship rule: detected in >= 4 of 5 seeds within 2 minutes of one core.

"2 minutes of one core" is judged on CPU seconds, not wall seconds: time.process_time() of the worker
process around the lesson's runs (A and B together, with their scoring and checks). With one thread the
process can use at most one core, so its CPU seconds are the time the lesson would take on one free core,
whatever else shares the machine; wall seconds (also printed) grow with the load, CPU seconds hardly do.
The one-off imports of torch, the engine and the scoring libraries happen before the clock starts (the
app has them loaded already). The 1-minute load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

LIMIT_CPU_S = 120.0  # the ship rule: within 2 minutes of one core
SHIP_HITS, SHIP_SEEDS = 4, 5  # ... detected in >= 4 of 5 seeds


def _init_worker() -> None:
    """One core per worker: one intra-op and one inter-op thread; the imports done before any clock runs."""
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    import gan_core.run  # noqa: F401
    from gan_core.metrics.scores import preload

    preload()


def _one(lesson_id: str, seed: int) -> tuple[str, int, bool | None, float, float, str]:
    """Run one lesson on one seed; (id, seed, detected, CPU s, wall s, the check's message)."""
    from gan_core.lessons import get_lesson
    from gan_core.lessons.headless import run_lesson

    with tempfile.TemporaryDirectory() as tmp:
        cpu0 = time.process_time()
        verdict, wall = run_lesson(get_lesson(lesson_id), seed, tmp, device="cpu", sample_every=100_000)
        cpu = time.process_time() - cpu0
    return lesson_id, seed, verdict.detected, cpu, wall, verdict.message


def ships(hits: int, seeds: int, slowest_cpu: float) -> str:
    """The issue's rule on this lesson's measurements: 'yes', 'no', or 'not measured on 5 seeds'."""
    if seeds < SHIP_SEEDS:
        return f"not measured on {SHIP_SEEDS} seeds"
    return "yes" if hits >= SHIP_HITS * seeds / SHIP_SEEDS and slowest_cpu <= LIMIT_CPU_S else "no"


def main(argv: list[str] | None = None) -> int:
    from gan_core.lessons import lesson_ids

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lessons", nargs="+", default=lesson_ids(), choices=lesson_ids(), metavar="ID")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--jobs", type=int, default=1, help="worker processes at once (one core each; default 1)")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average), {os.cpu_count()} CPUs, {args.jobs} job(s), "
          "1 torch thread each; the 120 s rule is judged on CPU seconds", flush=True)
    out: dict[str, list[tuple[bool | None, float, float]]] = {i: [] for i in args.lessons}
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.jobs, initializer=_init_worker) as pool:
        futures = [pool.submit(_one, i, s) for i in args.lessons for s in args.seeds]
        for f in futures:
            lesson_id, seed, detected, cpu, wall, message = f.result()
            out[lesson_id].append((detected, cpu, wall))
            print(f"  {lesson_id} seed {seed}: detected={detected}, {cpu:.0f} CPU s ({wall:.0f} s wall, load "
                  f"{os.getloadavg()[0]:.1f}): {message}", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}; {time.perf_counter() - t0:.0f} s wall in all")
    print()
    print("| lesson | detected | seeds | CPU s per seed, slowest | CPU s, mean | wall s, mean | ships (>= 4 of 5 "
          "within 120 CPU s) |")
    print("|---|---|---|---|---|---|---|")
    for lesson_id, rs in out.items():
        hits = sum(d is True for d, _, _ in rs)
        slow = max(c for _, c, _ in rs)
        cpu_mean = sum(c for _, c, _ in rs) / len(rs)
        wall_mean = sum(w for _, _, w in rs) / len(rs)
        print(f"| {lesson_id} | {hits} | {len(rs)} | {slow:.0f} | {cpu_mean:.0f} | {wall_mean:.0f} | "
              f"{ships(hits, len(rs), slow)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
