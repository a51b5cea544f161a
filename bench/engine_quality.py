"""Quality at equal steps under each precision: does bf16 autocast train as well as fp32?

    python bench/engine_quality.py --steps 1000 --cases w32,c32 --precisions fp32,bf16 --seeds 0,1

For every case, seed and precision an Engine trains `--steps` steps from the same seed (same init, same
batches, same noise), then its generator (the EMA copy) is scored with the dataset classifier as
`python -m gan_core eval` does (gan_core.metrics.evaluate.Scorer; FD_clf, precision, recall, classes covered)
on `--n` samples. Printed: one row per run and, per case, the mean FD_clf of each precision over seeds.
Differences within the seed-to-seed spread of fp32 are noise, not a loss of quality.

Cases: Fashion-MNIST 28 px DCGAN, batch 64, EMA 0.999, Adam 2e-4 (0.5, 0.999);
  w32 unconditional width 32; c32 projection-conditional width 32 (the fast presets' neighbourhood).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from gan_core.checks import validate_config
from gan_core.config import TrainConfig
from gan_core.data import load_dataset
from gan_core.engine import Engine
from gan_core.metrics.evaluate import Scorer

CASES = {"w32": {"width": 32}, "c32": {"width": 32, "conditioning": "projection", "n_fixed": 100}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--cases", default="w32,c32")
    p.add_argument("--precisions", default="fp32,bf16")
    p.add_argument("--seeds", default="0")
    p.add_argument("--n", type=int, default=2000, help="generated samples scored")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = load_dataset("fashion-mnist")
    print(f"torch {torch.__version__} | {args.steps} steps per run | load average {os.getloadavg()[0]:.2f}")
    results: dict[tuple[str, str], list[float]] = {}
    for case in args.cases.split(","):
        for seed in map(int, args.seeds.split(",")):
            for prec in args.precisions.split(","):
                cfg = validate_config(TrainConfig(
                    dataset="fashion-mnist", arch="dcgan", loss="ns", latent_dim=100, batch_size=64, ema_decay=0.999,
                    steps=args.steps, seed=seed, device="cpu", precision=prec, channels_last="off", **CASES[case]))
                e = Engine(cfg, data, torch.device("cpu"))
                t = time.perf_counter()
                for i in range(args.steps):
                    e.train_step()
                    if (i + 1) % 100 == 0:
                        e.flush()  # raises on NaN/Inf, as a run would
                secs = time.perf_counter() - t
                s = Scorer("fashion-mnist", data, "cpu", cfg.latent_dim, n=args.n, seed=0).score(e.G_sample)
                results.setdefault((case, prec), []).append(s["fd_clf"])
                print(f"{case} seed {seed} {prec:<5} FD_clf {s['fd_clf']:7.2f}  precision {s['precision']:.3f}  "
                      f"recall {s['recall']:.3f}  classes {s.get('classes_covered')}  ({secs:.0f} s)", flush=True)
    print()
    for (case, prec), v in results.items():
        spread = f" (min {min(v):.2f}, max {max(v):.2f})" if len(v) > 1 else ""
        print(f"{case} {prec:<5} mean FD_clf {statistics.mean(v):.2f} over {len(v)} seed(s){spread}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
