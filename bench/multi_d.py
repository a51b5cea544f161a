"""Several discriminators (GMAN, --num-d K) against one D at EQUAL WALL TIME.

    python bench/multi_d.py                     # the table in the README (about 5 minutes)
    python bench/multi_d.py --toy-seconds 30 --fmnist-seconds 120 --seeds 0 1 2 --variants 1 2 3:1

Each variant trains for the same number of seconds of one CPU thread (the nets are small; more threads
only spin on a shared machine), through the project's Engine, from the same seeds; the variants of a
seed run one after the other, so they see the same machine load. Then:

- ring8 and grid25 (the 2-D lab's mixtures and its net, preset ring8-lab: toy-mlp 2 x 64, 2-D noise,
  non-saturating loss, Adam 1e-3, batch 128, no packing, R1 or EMA): modes covered and the share of
  high-quality samples (PacGAN's protocol, 2,500 samples) and the grid-histogram KL, by
  gan_core.metrics.evaluate.Scorer;
- Fashion-MNIST (the fmnist-fast preset: DCGAN width 32, LR 1e-3, EMA of G): fd_clf and KID on the
  features of the shipped classifier, 1,000 samples (the live scorer's).

Variants: "K" = K critics with lambda 0 (GMAN's mean), "K:L" = K critics with lambda L (softened max).
The table gives each variant's steps in the time and its scores, mean over seeds (worst seed in brackets
for the modes). Print the machine's load beside it: on a shared CPU the steps per second move with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

TOY = dict(arch="toy-mlp", depth=2, width=64, latent_dim=2, loss="ns", lr_g=1e-3, lr_d=1e-3, batch_size=128,
           steps=10_000_000, device="cpu", score_every=0)  # the 2-D lab's net (preset ring8-lab)


def _variant(text: str) -> tuple[int, float]:
    k, _, lam = text.partition(":")
    return int(k), float(lam or 0.0)


def _name(k: int, lam: float) -> str:
    return "1 D" if k == 1 else f"{k} D, mean" if lam == 0 else f"{k} D, lambda {lam:g}"


def train_for(cfg, seconds: float):
    """Train `cfg` for `seconds` of wall time on the CPU; -> (engine, data, steps)."""
    import torch

    from gan_core.data import load_dataset
    from gan_core.engine import Engine

    device = torch.device("cpu")
    data = load_dataset(cfg, device=device)
    engine = Engine(cfg, data, device)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        engine.train_step()
        if engine.step % 50 == 0:
            engine.flush()  # NaN/Inf check, as a run does
    engine.flush()
    return engine, data, engine.step


def score(cfg, engine, data) -> dict:
    from gan_core.metrics.evaluate import Scorer

    scorer = Scorer(cfg.dataset, data, engine.device, cfg.latent_dim, seed=0, live=True, noise=cfg.noise)
    return scorer.score(engine.G_sample)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--toy-seconds", type=float, default=15.0)
    p.add_argument("--fmnist-seconds", type=float, default=45.0)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--variants", nargs="+", default=["1", "2", "3:1"], help="K or K:lambda")
    p.add_argument("--skip", nargs="*", default=[], choices=["ring8", "grid25", "fashion-mnist"])
    args = p.parse_args()
    import torch

    from gan_core.checks import validate_config
    from gan_core.config import TrainConfig, preset

    torch.set_num_threads(1)
    variants = [_variant(v) for v in args.variants]
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average), {os.cpu_count()} CPUs, torch threads 1")
    results: dict[tuple[str, tuple[int, float]], list[dict]] = {}
    jobs = [(ds, args.toy_seconds) for ds in ("ring8", "grid25") if ds not in args.skip]
    if "fashion-mnist" not in args.skip:
        jobs.append(("fashion-mnist", args.fmnist_seconds))
    for ds, seconds in jobs:
        for seed in args.seeds if ds != "fashion-mnist" else args.seeds[:1]:
            for k, lam in variants:
                base = TrainConfig(dataset=ds, **TOY) if ds != "fashion-mnist" else preset("fmnist-fast").replace(
                    device="cpu", score_every=0, time_limit=0.0)
                cfg = validate_config(base.replace(seed=seed, num_d=k, gman_lambda=lam))
                engine, data, steps = train_for(cfg, seconds)
                out = score(cfg, engine, data)
                out["steps"] = steps
                results.setdefault((ds, (k, lam)), []).append(out)
                keys = ("modes_covered", "hq_pct", "kl") if ds != "fashion-mnist" else ("fd_clf", "kid_clf")
                shown = ", ".join(f"{key} {out[key]:.4g}" for key in keys if key in out)
                print(f"  {ds} seed {seed} {_name(k, lam)}: {steps} steps in {seconds:g} s; {shown}", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    print()
    print("| data | seconds | variant | steps | modes covered (worst) | high-quality % | KL | fd_clf | KID |")
    print("|---|---|---|---|---|---|---|---|---|")
    for ds, seconds in jobs:
        for k, lam in variants:
            rows = results[(ds, (k, lam))]

            def mean(key: str, fmt: str, rows=rows) -> str:
                vals = [r[key] for r in rows if isinstance(r.get(key), (int, float))]
                return format(statistics.fmean(vals), fmt) if vals else "-"

            modes = mean("modes_covered", ".1f")
            if modes != "-":
                modes += f" ({min(r['modes_covered'] for r in rows):.0f})"
            print(f"| {ds} | {seconds:g} | {_name(k, lam)} | {mean('steps', '.0f')} | {modes} | {mean('hq_pct', '.1f')}"
                  f" | {mean('kl', '.3f')} | {mean('fd_clf', '.2f')} | {mean('kid_clf', '.4f')} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
