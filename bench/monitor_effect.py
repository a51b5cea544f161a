"""What plateau decay, early stopping and the best checkpoint do, measured on full runs (gan_core.run.TrainingRun).

    python bench/monitor_effect.py                         # the table in the README (about 8 minutes)
    python bench/monitor_effect.py --steps 6000 --seeds 0 1 2   # longer, more seeds

The 2-D lab's ring of 8 (preset ring8-lab: toy-mlp 2 x 64, 2-D noise, Adam 1e-3), scored every 100 steps
(modes covered, high-quality %, KL of grid histograms on 2,500 samples), monitored score KL (monitor auto):

- constant   the preset as it is: the last checkpoint's scores, and the best checkpoint's KL and step;
- plateau    --schedule plateau --plateau-patience 3 --plateau-factor 0.5 --lr-min-factor 0.05: the same;
- early-stop --early-stop 4 on the constant LR: where it stopped, the steps it saved, its best KL.

Each run trains on one torch thread; the load is printed beside the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

VARIANTS = {
    "constant": {},
    "plateau": dict(schedule="plateau", plateau_patience=3, plateau_factor=0.5, lr_min_factor=0.05),
    "early-stop 4": dict(early_stop=4),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = p.parse_args()
    import torch

    from gan_core.config import preset
    from gan_core.run import TrainingRun
    from gan_core.store import read_jsonl

    torch.set_num_threads(1)
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average), {os.cpu_count()} CPUs, torch threads 1")
    out: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for name, changes in VARIANTS.items():
                cfg = preset("ring8-lab").replace(steps=args.steps, score_every=100, seed=seed, device="cpu",
                                                  sample_every=10_000, **changes)
                d = Path(tmp) / f"{name}-{seed}"
                run = TrainingRun(cfg, d)
                run.run()
                rows = [r for r in read_jsonl(d / "metrics.jsonl") if "kl" in r]
                last = rows[-1]
                lrs = [r["lr_g"] for r in read_jsonl(d / "metrics.jsonl")]
                res = {"steps": run.step, "seconds": run.train_seconds, "modes": last.get("modes_covered"),
                       "hq": last.get("hq_pct"), "kl": last["kl"], "best_kl": run.best["value"],
                       "best_step": run.best["step"], "decays": sum(b < a for a, b in zip(lrs, lrs[1:])),
                       "lr_end": lrs[-1]}
                out.setdefault(name, []).append(res)
                print(f"  seed {seed} {name}: {res}", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    print()
    print("| variant | steps trained | LR drops | last: modes / 8 | last: high-quality % | last: KL | best KL (step) |")
    print("|---|---|---|---|---|---|---|")
    for name, rs in out.items():
        def m(key: str, fmt: str, rs=rs) -> str:
            return format(statistics.fmean(r[key] for r in rs), fmt)

        best = ", ".join(f"{r['best_kl']:.2f} ({r['best_step']})" for r in rs)
        print(f"| {name} | {m('steps', '.0f')} | {m('decays', '.1f')} | {m('modes', '.1f')} | {m('hq', '.1f')} | "
              f"{m('kl', '.2f')} | {best} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
