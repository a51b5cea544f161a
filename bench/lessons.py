"""How reproducible each lesson is: run it headless on N seeds and count how often its check fires.

    python bench/lessons.py                          # every lesson, 5 seeds, 1 process per core
    python bench/lessons.py --lessons the-game --seeds 0 1 2 --jobs 1

Each seed runs in its own process on one torch thread (one CPU core): the lesson's setups (A then B)
one after the other, then its check (gan_core.lessons). The issue's ship rule: detected in >= 4 of 5
seeds within 2 minutes of one core. The load is printed beside the table; with more jobs than free cores
the times are longer than on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere


def _one(lesson_id: str, seed: int) -> tuple[str, int, bool | None, float, str]:
    import torch

    torch.set_num_threads(1)
    from gan_core.lessons import get_lesson
    from gan_core.lessons.headless import run_lesson

    with tempfile.TemporaryDirectory() as tmp:
        verdict, seconds = run_lesson(get_lesson(lesson_id), seed, tmp, device="cpu", sample_every=100_000)
    return lesson_id, seed, verdict.detected, seconds, verdict.message


def main() -> int:
    from gan_core.lessons import lesson_ids

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lessons", nargs="+", default=lesson_ids(), choices=lesson_ids(), metavar="ID")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes at once (one core each)")
    args = p.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average), {os.cpu_count()} CPUs, {args.jobs} jobs, "
          "torch threads 1 each", flush=True)
    out: dict[str, list[tuple[bool | None, float]]] = {i: [] for i in args.lessons}
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(_one, i, s) for i in args.lessons for s in args.seeds]
        for f in futures:
            lesson_id, seed, detected, seconds, message = f.result()
            out[lesson_id].append((detected, seconds))
            print(f"  {lesson_id} seed {seed}: detected={detected} in {seconds:.0f} s: {message}", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    print()
    print("| lesson | detected | seeds | slowest seed (s) | mean (s) | ships (>= 4 of 5 within 120 s) |")
    print("|---|---|---|---|---|---|")
    for lesson_id, rs in out.items():
        hits = sum(d is True for d, _ in rs)
        slow = max(t for _, t in rs)
        mean = sum(t for _, t in rs) / len(rs)
        ships = "yes" if len(rs) >= 5 and hits >= 0.8 * len(rs) and slow <= 120 else (
            "no" if len(rs) >= 5 else "not measured on 5 seeds")
        print(f"| {lesson_id} | {hits} | {len(rs)} | {slow:.0f} | {mean:.0f} | {ships} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
