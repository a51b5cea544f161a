"""Mode-collapse benchmark on the PacGAN 2-D protocol (Lin et al. 2018, section 5.1 / table 2).

    python bench/toy_modes.py                                  # the table in the README
    python bench/toy_modes.py --datasets ring8 --configs plain ring8-best --seeds 0 1 2 3 4
    python bench/toy_modes.py --datasets grid25 --configs plain --set pac=4 steps=4000   # try a variant

Protocol (as published): the ring of 8 Gaussians (radius 1, std 0.01) and the grid of 25
(means {-4,-2,0,2,4}^2, std 0.05) of gan_core.data.toy2d; after training, 2,500 samples of G (the
EMA copy when EMA is on, batch norm in eval mode) from fixed noise; a sample is *high quality*
when it lies within 3 standard deviations of its nearest mode; a mode is *covered* when at
least one high-quality sample is nearest to it (gan_core.metrics.scores.mode_scores). Each
configuration is trained from several seeds (init, data order and noise all follow the seed) and
the table gives the mean and standard deviation over seeds, and the worst seed.

Configurations:
  plain         the vanilla GAN of the same size as the dataset's best preset (toy-mlp, the
                non-saturating loss, Adam, constant LR, no packing, no R1, no EMA): the baseline
  <preset>      any name of gan_core.config.PRESETS whose dataset is ring8 or grid25 (by default
                all of them: the project's ring8-mlp, ring8-wgan, ring8-pacgan and the -best ones)

Published numbers (PacGAN table 2, mean over trials): GAN 6.3 modes / 98.2% (ring) and
17.3 / 94.8% (grid); PacGAN4 7.8 / 95.9% (ring) and 24.8 / 93.6% (grid).

Training uses the project's Engine (the loop of every run, minus the run directory and the
monitor), on the CPU with one torch thread by default: these nets are tiny, and on a small shared
CPU more threads only spin. --jobs N trains N configurations at once in worker processes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

DATASETS = ("ring8", "grid25")
N_SAMPLES = 2500  # PacGAN's sample count
PUBLISHED = {  # PacGAN table 2: (modes, high-quality %)
    "ring8": {"GAN": (6.3, 98.2), "PacGAN4": (7.8, 95.9)},
    "grid25": {"GAN": (17.3, 94.8), "PacGAN4": (24.8, 93.6)},
}
PLAIN_FROM = {"ring8": "ring8-best", "grid25": "grid25-best"}  # the plain GAN has this preset's size
PLAIN_KEEP = ("dataset", "arch", "latent_dim", "noise", "width", "depth", "batch_size", "steps", "lr_g", "lr_d")


def _parse_set(items: list[str]) -> dict:
    from gan_core.config import TrainConfig

    defaults = TrainConfig()
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not hasattr(defaults, key):
            raise SystemExit(f"--set {item!r}: expected FIELD=VALUE with a TrainConfig field")
        want = type(getattr(defaults, key))
        out[key] = (raw.lower() in ("1", "true", "yes")) if want is bool else want(raw)
    return out


def config_for(name: str, dataset: str, overrides: dict):
    """The TrainConfig of configuration `name` ('plain' or a preset) on `dataset`."""
    from gan_core.checks import validate_config
    from gan_core.config import PRESETS, TrainConfig

    if name == "plain":
        src = PRESETS.get(PLAIN_FROM[dataset])
        base = {k: v for k, v in (src.fields.items() if src else ()) if k in PLAIN_KEEP}
        fields = {"arch": "toy-mlp", "depth": 3, "width": 128, "latent_dim": 2, "batch_size": 256, "lr_g": 1e-3,
                  "lr_d": 1e-3, "steps": 3000, **base, "dataset": dataset, "loss": "ns"}
    else:
        fields = dict(PRESETS[name].fields)
        if fields.get("dataset") != dataset:
            return None
    return validate_config(TrainConfig(**{**fields, **overrides}).replace(device="cpu"))


def train_and_score(job: tuple) -> dict:
    """Train one (config, seed) and score 2,500 samples. Runs in a worker process with --jobs."""
    name, dataset, seed, cfg_dict, threads = job
    import torch

    from gan_core.checks import config_from_dict
    from gan_core.data import load_dataset
    from gan_core.data.toy2d import MIXTURES
    from gan_core.engine import Divergence, Engine
    from gan_core.metrics.scores import mode_scores
    from gan_core.noise import sample_noise

    torch.set_num_threads(threads)
    cfg = config_from_dict(cfg_dict).replace(seed=seed)
    device = torch.device("cpu")
    t0 = time.perf_counter()
    engine = Engine(cfg, load_dataset(cfg, device=device), device)
    error = None
    try:
        while engine.step < cfg.steps:
            engine.train_step()
            if engine.step % 500 == 0 or engine.step == cfg.steps:
                engine.flush()  # raises Divergence on NaN/Inf
    except Divergence as e:
        error = str(e)
    seconds = time.perf_counter() - t0
    G = engine.G_sample.eval()
    z = sample_noise(cfg.noise, N_SAMPLES, cfg.latent_dim, generator=torch.Generator().manual_seed(10_000 + seed))
    with torch.no_grad():
        x = G(z).float()
    m = MIXTURES[dataset]
    s = mode_scores(x, m.means, m.std) if error is None else {"modes_covered": 0, "hq_pct": 0.0}
    return {"name": name, "dataset": dataset, "seed": seed, "modes": s["modes_covered"], "hq": s["hq_pct"],
            "seconds": seconds, "error": error, "steps": cfg.steps}


def _mean_sd(v: list[float]) -> tuple[float, float]:
    return statistics.fmean(v), (statistics.stdev(v) if len(v) > 1 else 0.0)


def main(argv: list[str] | None = None) -> int:
    from gan_core.config import PRESETS

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    ap.add_argument("--configs", nargs="+", default=None,
                    help="'plain' and/or preset names (default: plain and every ring8/grid25 preset)")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--set", nargs="+", default=[], metavar="FIELD=VALUE", help="override config fields")
    ap.add_argument("--jobs", type=int, default=1, help="configurations trained at once (processes)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per job")
    ap.add_argument("--per-seed", action="store_true", help="also print every seed's result")
    args = ap.parse_args(argv)
    overrides = _parse_set(args.set)
    names = args.configs or ["plain", *[k for k, p in PRESETS.items() if p.fields.get("dataset") in DATASETS]]
    for n in names:
        if n != "plain" and n not in PRESETS:
            raise SystemExit(f"unknown configuration {n!r}; allowed: plain, {', '.join(PRESETS)}")

    jobs, rows_cfg = [], {}
    for ds in args.datasets:
        for n in names:
            cfg = config_for(n, ds, overrides)
            if cfg is None:
                continue
            rows_cfg[(n, ds)] = cfg
            jobs += [(n, ds, s, cfg.to_dict(), args.threads) for s in args.seeds]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# {len(jobs)} trainings ({len(args.seeds)} seeds each), {args.jobs} at a time, "
          f"{args.threads} torch thread(s) each; load average {load:.1f}", flush=True)
    t0 = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(train_and_score, jobs))
    else:
        results = [train_and_score(j) for j in jobs]
    if args.per_seed:
        for r in results:
            print(f"  {r['dataset']:7s} {r['name']:14s} seed {r['seed']}: {r['modes']} modes, {r['hq']:5.1f}% HQ, "
                  f"{r['seconds']:.0f} s" + (f"  ({r['error']})" if r["error"] else ""))

    print()
    print("| dataset | configuration | steps | modes covered | high quality % | worst seed | s / run |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for ds in args.datasets:
        k = int(ds[-2:]) if ds == "grid25" else 8
        for n in names:
            rs = [r for r in results if r["name"] == n and r["dataset"] == ds]
            if not rs:
                continue
            mm, ms = _mean_sd([r["modes"] for r in rs])
            hm, hs = _mean_sd([r["hq"] for r in rs])
            worst = min(rs, key=lambda r: (r["modes"], r["hq"]))
            bad = sum(r["error"] is not None for r in rs)
            secs = statistics.fmean(r["seconds"] for r in rs)
            note = f" ({bad} diverged)" if bad else ""
            print(f"| {ds} | {n}{note} | {rows_cfg[(n, ds)].steps:,} | {mm:.1f} ± {ms:.1f} / {k} | {hm:.1f} ± {hs:.1f} "
                  f"| {worst['modes']} / {worst['hq']:.1f}% | {secs:.0f} |")
        for label, (pm, ph) in PUBLISHED[ds].items():
            print(f"| {ds} | *published {label}* | | {pm} / {k} | {ph} | | |")
    print(f"\n# total {time.perf_counter() - t0:.0f} s; seeds {' '.join(map(str, args.seeds))}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
