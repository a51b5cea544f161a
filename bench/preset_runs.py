"""Train named presets on their real datasets for a given number of steps and print one line per
preset: state, speed, the first and last logged losses and D outputs, and the last quality score.

    python bench/preset_runs.py --steps 200 --threads 1 fmnist-dcgan fmnist-wgan-gp
    python bench/preset_runs.py --full digits-dcgan digits-cdcgan   # the preset's own length

A smoke check that each preset trains on its data without NaN (the unit tests use synthetic data
of the preset's shape); the printed numbers are what the README quotes.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere: `python bench/preset_runs.py`

from gan_core.checks import validate_config
from gan_core.config import PRESETS, preset
from gan_core.run import TrainingRun


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("presets", nargs="*", default=list(PRESETS))
    p.add_argument("--steps", type=int, default=200, help="steps per preset (ignored with --full)")
    p.add_argument("--full", action="store_true", help="train each preset for its own number of steps")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--scores", action="store_true", help="keep the preset's quality scores (slower)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.presets:
        cfg = preset(name)
        changes = dict(device=args.device, checkpoint_every_s=3600.0)
        if not args.full:
            changes.update(steps=args.steps, log_every=max(1, min(cfg.log_every, args.steps // 10)))
        if not args.scores:
            changes["score_every"] = 0
        cfg = validate_config(cfg.replace(**changes))
        with tempfile.TemporaryDirectory() as d:
            run = TrainingRun(cfg, Path(d) / "run")
            t0 = time.perf_counter()
            run.run()
            wall = time.perf_counter() - t0
            cols = run.log.since(0)
            scores = dict(run.scores)
        if run.state != "finished" or not cols.get("step"):
            print(f"{name}: {run.state} after {run.step} steps: {run.error}")
            continue
        finite = all(math.isfinite(v) for k, vs in cols.items() if k != "time" for v in vs if v == v)

        def at(i: int, cols: dict = cols) -> str:
            return " ".join(f"{k}={cols[k][i]:.3f}" for k in ("d_loss", "g_loss", "d_real", "d_fake"))

        score = {k: v for k, v in scores.get("last", scores).items() if isinstance(v, (int, float))} if scores else {}
        print(f"{name}: {run.state} {run.step} steps in {wall:.1f} s ({run.step / wall:.1f} steps/s); "
              f"finite={finite}; first [{at(0)}] last [{at(-1)}]" + (f"; scores {score}" if score else ""))


if __name__ == "__main__":
    main()
