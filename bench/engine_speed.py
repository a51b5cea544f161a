"""Engine speed-ups measured one by one: steps/s of gan_core's Engine under each setting, against the
plain fp32 eager engine, interleaved in one run.

    python bench/engine_speed.py --case w32 --variants fp32,bf16,cl,bf16-cl,fused,foreach [--rounds 7]
    python bench/engine_speed.py --case c32 --variants fp32,bf16,compile,bf16-compile --rounds 5
    python bench/engine_speed.py --case w32 --threads-check   # 1 vs 2 threads for one run alone

Cases (Fashion-MNIST 28 px, batch 64, DCGAN, non-saturating loss, Adam 2e-4 (0.5, 0.999)):
  w32 / w64   unconditional, width 32 / 64            c32 / c64   projection-conditional, width 32 / 64
  r1          w32 with R1 (gamma 1): the penalty's double backward under autocast
  mlp         the classic MLP GAN (width 256: 100 -> 256 -> 512 -> 1024 -> 784), as bench/throughput.py

Variants (config fields of gan_core.accel, plus optimiser flags patched in for the measurement):
  fp32 (the baseline), bf16 (autocast bfloat16), cl (channels_last), bf16-cl, fused / foreach (torch.optim.Adam
  with fused=True / foreach=True for G and D), compile, bf16-compile (torch.compile; its compile time is printed,
  not timed); r1-4 / r1-16 (case r1: lazy R1, the penalty every 4th / 16th step with 4 / 16 times the weight).

Method: every variant gets its own Engine built from the same seed, then `--warmup` untimed steps. In each
round every variant trains `--steps` timed steps (train_step, then one flush: the engine's one host sync per
window), in an order rotated each round. Reported: the median steps/s per variant and the median over rounds
of the per-round ratio variant / fp32 (the ratio of neighbours in time, which cancels most of the drift of a
shared machine's load). Also the same from CPU time (time.process_time): with one thread it counts the work a
step costs and hardly what other processes take, so it is the steadier figure on a busy machine (wall time
still decides for more than one thread: spinning OpenMP workers add CPU time without work).
Threads: `--threads` (default 1, one run per core as a class would).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from gan_core.checks import validate_config
from gan_core.config import TrainConfig
from gan_core.data import load_dataset
from gan_core.engine import Engine

CASES = {
    "w32": {"width": 32},
    "w64": {"width": 64},
    "c32": {"width": 32, "conditioning": "projection", "n_fixed": 100},
    "c64": {"width": 64, "conditioning": "projection", "n_fixed": 100},
    "r1": {"width": 32, "r1_weight": 1.0},
    "mlp": {"arch": "mlp", "width": 256},
}
VARIANTS = {
    "fp32": {"precision": "fp32"},
    "bf16": {"precision": "bf16"},
    "cl": {"precision": "fp32", "channels_last": "on"},
    "bf16-cl": {"precision": "bf16", "channels_last": "on"},
    "fused": {"precision": "fp32"},
    "foreach": {"precision": "fp32"},
    "bf16-fused": {"precision": "bf16"},
    "compile": {"precision": "fp32", "compile": True},
    "bf16-compile": {"precision": "bf16", "compile": True},
    "r1-4": {"precision": "fp32", "r1_every": 4},  # lazy R1 (case r1): the penalty every 4th / 16th step
    "r1-16": {"precision": "fp32", "r1_every": 16},
}


DATASET = "fashion-mnist"  # --dataset: another image dataset where Fashion-MNIST is not downloaded


def base_config(case: str, **kw) -> TrainConfig:
    fields = {"dataset": DATASET, "arch": "dcgan", "loss": "ns", "latent_dim": 100, "batch_size": 64, "steps": 10**6,
                  "seed": 0, "device": "cpu", "channels_last": "off", "precision": "fp32"}
    fields.update(CASES[case])
    fields.update(kw)
    return validate_config(TrainConfig(**fields))


def build(case: str, variant: str, data, device: torch.device) -> Engine:
    cfg = base_config(case, **VARIANTS[variant])
    e = Engine(cfg, data, device)
    flag = "fused" if variant.endswith("fused") else "foreach" if variant == "foreach" else None
    if flag:  # the same Adam with the other implementation (the schedules keep stepping the old one: constant LR)
        e.opt_g = torch.optim.Adam(e.g_params, lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2), **{flag: True})
        e.opt_d = torch.optim.Adam(e.d_params, lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2), **{flag: True})
    return e


def timed(e: Engine, steps: int) -> tuple[float, float]:
    """(steps per wall second, steps per CPU second of the whole process)."""
    t, c = time.perf_counter(), time.process_time()
    for _ in range(steps):
        e.train_step()
    e.flush()
    return steps / (time.perf_counter() - t), steps / (time.process_time() - c)


def main(argv: list[str] | None = None) -> int:
    global DATASET
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--case", default="w32", choices=list(CASES))
    p.add_argument("--variants", default="fp32,bf16", help=f"comma list of {', '.join(VARIANTS)} (fp32 first)")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--steps", type=int, default=20, help="timed steps per variant and round")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--threads-check", action="store_true", help="fp32 and bf16 at 1 and at 2 threads, interleaved")
    p.add_argument("--dataset", default="fashion-mnist",
                   help="an image dataset (mnist costs what fashion-mnist does; digits, 8x8, works offline)")
    args = p.parse_args(argv)
    DATASET = args.dataset

    warnings.filterwarnings("ignore", message=re.escape("Detected call of `lr_scheduler.step()`"))  # fused/foreach swap
    device = torch.device("cpu")
    data = load_dataset(base_config(args.case))
    load0 = os.getloadavg()
    print(f"torch {torch.__version__} | {os.cpu_count()} CPUs | {DATASET} | case {args.case}: {CASES[args.case]} | "
          f"{args.rounds} rounds x {args.steps} steps | load average before: {' '.join(f'{v:.2f}' for v in load0)}")
    if args.threads_check:
        contenders = [(f"{v}@{t}", v, t) for t in (1, 2) for v in ("fp32", "bf16")]
    else:
        names = [v.strip() for v in args.variants.split(",") if v.strip()]
        if names[0] != "fp32":
            names.insert(0, "fp32")
        contenders = [(v, v, args.threads) for v in names]
    engines = {}
    for label, variant, threads in contenders:
        torch.set_num_threads(threads)
        engines[label] = build(args.case, variant, data, device)
        t = time.perf_counter()
        for _ in range(args.warmup):
            engines[label].train_step()
        engines[label].flush()
        acc = engines[label].accel
        failed = ", FAILED: " + acc.compile_error if acc.compile_error else ""
        extra = f" (compile {acc.compile_seconds:.1f} s{failed})" if acc.compile else ""
        print(f"  built {label}: warm-up {time.perf_counter() - t:.1f} s{extra}", flush=True)
    rates: dict[str, list[float]] = {k: [] for k in engines}
    cpu_rates: dict[str, list[float]] = {k: [] for k in engines}
    labels = list(engines)
    threads = {label: t for label, _, t in contenders}
    for r in range(args.rounds):
        order = labels[r % len(labels):] + labels[:r % len(labels)]
        for k in order:
            torch.set_num_threads(threads[k])
            wall, cpu = timed(engines[k], args.steps)
            rates[k].append(wall)
            cpu_rates[k].append(cpu)
        print(f"round {r + 1}: " + " | ".join(f"{k} {rates[k][-1]:6.2f}" for k in labels) + "  steps/s", flush=True)
    base = labels[0]
    print(f"\n{'variant':<16}{'steps/s':>9}{'min':>8}{'max':>8}{'wall ratio':>12}{'steps/CPU-s':>13}{'CPU ratio':>11}"
          f"   (ratios vs {base}: median over rounds of the per-round ratio)")
    for k in labels:
        ratio = statistics.median(a / b for a, b in zip(rates[k], rates[base]))
        cpu_ratio = statistics.median(a / b for a, b in zip(cpu_rates[k], cpu_rates[base]))
        print(f"{k:<16}{statistics.median(rates[k]):>9.2f}{min(rates[k]):>8.2f}{max(rates[k]):>8.2f}{ratio:>12.3f}"
              f"{statistics.median(cpu_rates[k]):>13.2f}{cpu_ratio:>11.3f}")
    if args.threads_check:
        for v in ("fp32", "bf16"):
            ratio = statistics.median(a / b for a, b in zip(rates[f"{v}@2"], rates[f"{v}@1"]))
            print(f"{v}: 2 threads / 1 thread = {ratio:.3f}")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())} "
          f"(other agents were using this machine's {os.cpu_count()} cores during the run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
