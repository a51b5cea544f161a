"""Training-throughput cost of the live quality scores at the default interval (target: < 10%).

    python bench/metrics_cost.py [--presets ring8-mlp,digits-dcgan,fmnist-dcgan] [--steps 500]
                                 [--score-every 250] [--rounds 2] [--threads 1] [--device cpu]

For each preset, the same seeded TrainingRun is trained `steps` steps twice per round: with
`score_every=0` (no scores) and with the default interval, interleaved (order swapped each round).
Printed per preset:

  steps/s     median over rounds of steps / training seconds (TrainingRun.train_seconds, which
              includes the scoring done in the loop), without and with scores
  slowdown    1 - rate_with / rate_without: the end-to-end throughput cost (noisy on a shared CPU)
  scoring     seconds spent in the monitor's scoring (Monitor.score_seconds: the one-time set-up of
              the real reference, then each scoring), read in the run's on_progress callback
  per pass    seconds of one scoring pass (scoring time after set-up / number of passes)
  cost        per pass / (score_every x seconds per step without scores): the share of training
              time the scores take at that interval once the run is under way; less noisy than
              the slowdown, because both parts are timed directly.

The live scorer uses 1,000 generated images (KID: 5 subsets of 500) or 2,500 points, against
2,000 real images' classifier features (computed once) or 20,000 real points.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

import torch

from gan_core.checks import validate_config
from gan_core.config import PRESETS, TrainConfig
from gan_core.run import TrainingRun


def one_run(preset: str, steps: int, score_every: int, device: str, root: Path) -> dict:
    fields = {**PRESETS[preset].fields, "steps": steps, "score_every": score_every, "device": device,
              "checkpoint_every_s": 3600.0, "sample_every": max(100, steps // 5)}
    cfg = validate_config(TrainConfig(**fields))
    seen = {"score_seconds": 0.0, "setup": None}

    def progress(run: TrainingRun) -> None:
        m = run._monitor
        if m is not None:
            seen["score_seconds"] = m.score_seconds
            if seen["setup"] is None:
                seen["setup"] = m.score_seconds  # the first callback comes before any scoring pass
    run = TrainingRun(cfg, root / f"{preset}-{score_every}-{os.urandom(3).hex()}")
    run.run(on_progress=progress)
    if run.state != "finished":
        raise SystemExit(f"{preset}: run {run.state}: {run.error}")
    passes = steps // score_every if score_every else 0
    return {"rate": steps / run.train_seconds, "train_s": run.train_seconds, "score_s": seen["score_seconds"],
            "setup_s": seen["setup"] or 0.0, "passes": passes}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--presets", default="ring8-mlp,digits-dcgan,fmnist-dcgan")
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--score-every", type=int, default=TrainConfig().score_every)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {a.threads} thread(s), device {a.device}, load average "
          f"{os.getloadavg()[0]:.1f}, score_every {a.score_every}, {a.steps} steps per run, {a.rounds} rounds")
    print(f"{'preset':<14} {'steps/s off':>11} {'steps/s on':>10} {'slowdown':>8} {'set-up s':>8} "
          f"{'per pass s':>10} {'cost':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for preset in a.presets.split(","):
            off, on = [], []
            for r in range(a.rounds):
                order = (0, a.score_every) if r % 2 == 0 else (a.score_every, 0)
                for every in order:
                    (on if every else off).append(one_run(preset, a.steps, every, a.device, Path(tmp)))
            rate_off = statistics.median(x["rate"] for x in off)
            rate_on = statistics.median(x["rate"] for x in on)
            per_pass = statistics.median((x["score_s"] - x["setup_s"]) / max(1, x["passes"]) for x in on)
            setup = statistics.median(x["setup_s"] for x in on)
            cost = per_pass / (a.score_every / rate_off)
            print(f"{preset:<14} {rate_off:>11.1f} {rate_on:>10.1f} {1 - rate_on / rate_off:>8.1%} {setup:>8.2f} "
                  f"{per_pass:>10.3f} {cost:>6.1%}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
